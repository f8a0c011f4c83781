import { NodeStatus } from "../../model/image-model.js";
import { ENTRY_TYPE_NAMES, EntryType } from "../../model/layer-contents.js";
import { Command, keysLabel } from "../keymap/keymap.js";
import { bar, formatBytes, formatCount, formatMode } from "../render/format.js";
import { sanitize } from "../render/text.js";
import { HIDDEN_LATER, type Line, paintLine, STYLES, statusLook } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { attributesShown, treeBodyHeight, treeOf } from "../state/geometry.js";
import { progressRate } from "../state/load-events.js";
import type { Rect } from "../state/pane-layout.js";
import { filterRegex } from "../tree/path-filter.js";
import { titleLine } from "./pane.js";
import { pullLines } from "./pull-lines.js";
import { attributesHeader, hiddenReasonText, rowFacts, treeRowLine } from "./tree-rows.js";

function titleExtra(s: ExplorerState): string {
  if (s.layer < 0) return "";
  const parts = [s.changesOnly ? `changes of layer ${s.layer}` : `as of layer ${s.layer}`];
  if (s.layersRead !== null) {
    const count = s.outline?.layers.length ?? s.layersRead;
    parts.unshift(`layers 0–${s.layersRead - 1} of ${count} read, the rest still loading`);
  }
  parts.push(`by ${s.sort}`);
  const hidden = (
    [
      [s.hide.added, "added"],
      [s.hide.modified, "modified"],
      [s.hide.removed, "removed"],
      [s.hide.unmodified, "unmodified"],
    ] as const
  )
    .filter(([on]) => on)
    .map(([, name]) => name);
  if (hidden.length > 0) parts.push(`hiding ${hidden.join(", ")}`);
  if (s.filter !== "" && !s.filterEditing) {
    parts.push(`${s.filterRegex ? "regex" : "filter"} "${sanitize(s.filter)}" · ${matchesText(s)}`);
  }
  if (s.packageFilter !== null)
    parts.push(`package ${sanitize(s.packageFilter.name)} (layer ${s.packageFilter.layer})`);
  return parts.join(" · ");
}

/** "12 matches", or why a regex matches nothing. */
function matchesText(s: ExplorerState): string {
  if (s.filterRegex) {
    const re = filterRegex(s.filter);
    if (typeof re === "string") return `not a regex: ${re}`;
  }
  const n = treeOf(s)?.matchCount() ?? 0;
  return `${formatCount(n)} match${n === 1 ? "" : "es"}`;
}

/** "4 s", "2 min 5 s", "1 h 3 min": how long a download still takes. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** While layers are read: a bar per layer (bytes and entries). */
export function progressLines(s: ExplorerState, width: number, height: number): Line[] {
  const out: Line[] = [];
  if (s.error) {
    out.push([{ text: "Could not read the image:", style: STYLES.error }]);
    out.push([{ text: sanitize(s.error) }]);
    out.push([]);
    out.push([{ text: "Press q to quit.", style: STYLES.muted }]);
    return out;
  }
  const count = s.outline?.layers.length ?? s.progress.length;
  const read = s.progress.filter((p) => p !== null).length;
  if (s.pull !== null && read === 0) {
    out.push([{ text: "Pulling the image…", style: STYLES.label }]);
    // The rows that fit, leaving the lines below for what comes after the pull.
    out.push(...pullLines(s.pull, width, Math.max(1, height - 5)));
    out.push([]);
  }
  out.push([
    {
      text: count > 0 ? `Indexing the file tree… (${read} of ${count} layers started)` : "Reading the image…",
    },
  ]);
  out.push([]);
  const digits = String(Math.max(0, count - 1)).length;
  const barW = Math.max(6, Math.min(30, width - digits - 40));
  for (let i = 0; i < count && out.length < height; i++) {
    const p = s.progress[i] ?? null;
    const label = `L${String(i).padStart(digits)} `;
    if (!p) {
      out.push([{ text: label }, { text: "waiting", style: STYLES.muted }]);
      continue;
    }
    const ratio = p.totalBytes ? p.bytesRead / p.totalBytes : null;
    const amount = p.totalBytes
      ? `${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)}`
      : `${formatBytes(p.bytesRead)}`;
    const rate = progressRate(p);
    const done = p.totalBytes !== null && p.bytesRead >= p.totalBytes;
    const speed =
      rate === null || done
        ? ""
        : ` · ${formatBytes(rate.bytesPerSecond)}/s${rate.secondsLeft === null ? "" : ` · ${formatDuration(rate.secondsLeft)} left`}`;
    out.push([
      { text: label },
      { text: bar(ratio ?? 0, barW), style: STYLES.bar },
      {
        text: ` ${ratio === null ? "" : `${Math.floor(ratio * 100)}% `}${amount}${speed} · ${formatCount(p.entries)} entries`,
      },
    ]);
  }
  return out;
}

/** "name version" of the package owning `node` as of the selected layer, when the image has any. */
function ownerOf(s: ExplorerState, node: number): string | null {
  const session = s.session;
  if (!session || s.layersRead !== null || !session.hasPackageDatabases()) return null;
  const p = session.packages().ownerAt(node, s.layer);
  return p === null ? null : `${p.name} ${p.version}`;
}

/** The bottom line of the tree pane: the filter being typed, or what the cursor is on. */
function infoLine(s: ExplorerState): Line {
  if (s.filterEditing) {
    const mode = keysLabel(Command.FilterMode, s.keymap).split(", ")[0]!;
    return [
      { text: s.filterRegex ? "Regex: " : "Filter: ", style: STYLES.label },
      { text: `${sanitize(s.filter)}█` },
      { text: s.filter === "" ? "" : `  ${matchesText(s)}`, style: STYLES.warning },
      {
        text: `  Enter keeps it · Esc clears · ${mode} ${s.filterRegex ? "substring" : "regex"}`,
        style: STYLES.muted,
      },
    ];
  }
  const model = s.model;
  if (!model || s.cursor <= 0) return [];
  const f = rowFacts(model, s.layer, s.cursor, 0);
  const look = statusLook(f.status);
  const line: Line = [{ text: sanitize(model.paths.path(s.cursor)) }];
  const typeName = ENTRY_TYPE_NAMES[f.type];
  line.push({ text: ` · ${typeName} ${formatMode(f.type, f.mode)} ${f.uid}:${f.gid}`, style: STYLES.muted });
  if (f.status !== NodeStatus.Unchanged) line.push({ text: ` · ${look.label}`, style: look.style });
  if (f.hiddenBy !== null) {
    line.push({
      text: ` · ${HIDDEN_LATER.marker} ${hiddenReasonText(f.hiddenReason)} in layer ${f.hiddenBy}`,
      style: HIDDEN_LATER.style,
    });
  }
  const owner = f.type === EntryType.Dir ? null : ownerOf(s, s.cursor);
  if (owner !== null) line.push({ text: ` · package ${sanitize(owner)}`, style: STYLES.label });
  return line;
}

export function fileTreeLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const w = rect.width;
  const focused = s.focus === "tree";
  const lines = [titleLine("Files", titleExtra(s), w, focused, color)];
  const t = treeOf(s);
  const body = Math.max(0, rect.height - 2);
  if (!t || !s.model) {
    for (const l of progressLines(s, w, body)) lines.push(paintLine(l, w, color));
    return lines;
  }
  const attrs = attributesShown(s);
  const sizeColumn = !attrs && s.sort === "size";
  if (attrs || sizeColumn)
    lines.push(paintLine([{ text: attributesHeader(attrs, sizeColumn), style: STYLES.muted }], w, color));
  const h = treeBodyHeight(s);
  const rows = t.rows(s.treeTop, h);
  const size = t.layerTree.size;
  const paths = s.model.paths;
  for (const row of rows) {
    const f = rowFacts(s.model, s.layer, row.node, size[row.node] ?? 0);
    const line = treeRowLine(row, paths.name(row.node), f, w, { attributes: attrs, sizeColumn });
    const cursor = row.node === s.cursor ? (focused ? STYLES.cursor : STYLES.cursorUnfocused) : undefined;
    lines.push(paintLine(line, w, color, cursor));
  }
  if (rows.length === 0) {
    const why =
      s.filter !== ""
        ? `No path matches "${sanitize(s.filter)}"`
        : s.changesOnly
          ? `Layer ${s.layer} changes no files`
          : "No files to show";
    lines.push(paintLine([{ text: why, style: STYLES.muted }], w, color));
  }
  while (lines.length < rect.height - 1) lines.push(" ".repeat(w));
  const info = infoLine(s);
  if (!s.filterEditing && t.total > 0) {
    info.unshift({
      text: `${formatCount(Math.min(t.total, s.cursorRow + 1))}/${formatCount(t.total)} `,
      style: STYLES.muted,
    });
  }
  lines.push(paintLine(info, w, color));
  return lines;
}
