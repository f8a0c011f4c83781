import { describeEvent, type HistoryEvent } from "../../model/file-history.js";
import { NodeStatus } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { Command, keysLabel } from "../keymap/keymap.js";
import { formatBytes, formatMode, shortDigest } from "../render/format.js";
import { padEnd, padStart, sanitize, wrap } from "../render/text.js";
import { type Line, paintLine, STYLES, type StatusLook, type Style, statusLook } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { eventAsOf, historyListHeight } from "../state/file-history-view.js";
import { titleLine } from "./pane.js";

/** The tree's own markers: + added, ~ modified or replaced, = identical, - deleted. */
function lookOf(e: HistoryEvent): StatusLook {
  switch (e.kind) {
    case "added":
      return statusLook(NodeStatus.Added);
    case "modified":
    case "replaced":
      return statusLook(NodeStatus.Modified);
    case "rewritten":
      return statusLook(NodeStatus.Same);
    default:
      return statusLook(NodeStatus.Removed);
  }
}

function sizeOf(e: HistoryEvent): string {
  if (e.version < 0) return "";
  return e.type === EntryType.File ? formatBytes(e.size) : "—";
}

function listLine(s: ExplorerState, e: HistoryEvent, current: boolean): Line {
  const look = lookOf(e);
  const pathOf = (n: number) => s.model!.paths.path(n);
  const attrs = e.version < 0 ? "" : `${formatMode(e.type, e.mode)} ${padEnd(`${e.uid}:${e.gid}`, 9)}`;
  return [
    { text: current ? "▸" : " ", style: STYLES.label },
    { text: padEnd(`L${e.layer}`, 5), style: STYLES.label },
    { text: `${look.marker} `, style: look.style },
    { text: `${padStart(sizeOf(e), 8)}  ` },
    { text: padEnd(attrs, 21), style: STYLES.muted },
    { text: sanitize(describeEvent(e, pathOf)), style: look.style.fg ? { fg: look.style.fg } : undefined },
  ];
}

function detailLines(s: ExplorerState, e: HistoryEvent, width: number): Line[] {
  const model = s.model!;
  const out: Line[] = [];
  const field = (label: string, text: string, style?: Style) => {
    wrap(sanitize(text), Math.max(10, width - 11)).forEach((t, i) => {
      out.push([
        { text: padEnd(i === 0 ? label : "", 11), style: STYLES.label },
        { text: t, style },
      ]);
    });
  };
  const layer = model.layers[e.layer];
  field("Layer", `${e.layer}: ${e.command || "(no instruction)"}`);
  field(
    "What",
    describeEvent(e, (n) => model.paths.path(n)),
  );
  if (e.version >= 0) {
    const link = e.link !== null ? ` → ${e.link}` : "";
    field("Version", `${formatMode(e.type, e.mode)} ${e.uid}:${e.gid} ${sizeOf(e)}${link}`, STYLES.muted);
  }
  if (e.by !== null && e.hidden === null) field("Because of", model.paths.path(e.by), STYLES.muted);
  if (layer) field("DiffID", shortDigest(layer.diffId, true), STYLES.muted);
  return out;
}

/** One path's events across the layers, one a line, and the selected one's details below. */
export function fileHistoryLines(s: ExplorerState, color: boolean): string[] {
  const v = s.fileHistory;
  const w = s.columns;
  if (!v || !s.model) return [];
  const events = v.history.events;
  const closes = `${keysLabel(Command.FileHistory).split(", ")[0]} or Esc closes`;
  const extra = `${events.length} event${events.length === 1 ? "" : "s"} · ▸ as of layer ${s.layer} · Enter shows the layer · ${keysLabel(Command.ViewFile).split(", ")[0]} views this version · ${closes}`;
  const lines = [titleLine(`History  ${sanitize(v.history.path)}`, extra, w, true, color)];
  const h = historyListHeight(s);
  const current = eventAsOf(v.history, s.layer);
  for (let i = v.top; i < Math.min(events.length, v.top + h); i++) {
    const cursor = i === v.selected ? STYLES.cursor : undefined;
    lines.push(paintLine(listLine(s, events[i]!, i === current), w, color, cursor));
  }
  while (lines.length < h + 1) lines.push(" ".repeat(w));
  const e = events[v.selected];
  const top = v.history.topVersion;
  const status = top < 0 ? "not in the final image" : "in the final image";
  lines.push(titleLine(`Event ${v.selected + 1} of ${events.length}`, status, w, false, color));
  if (e) for (const l of detailLines(s, e, w)) lines.push(paintLine(l, w, color));
  return lines;
}
