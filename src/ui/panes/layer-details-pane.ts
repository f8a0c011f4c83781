import { NodeStatus } from "../../model/image-model.js";
import { formatBytes, formatCount } from "../render/format.js";
import { sanitize, wrap } from "../render/text.js";
import { type Line, paintLine, STYLES, statusLook } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { readLayerSummary } from "../state/geometry.js";
import type { Rect } from "../state/pane-layout.js";
import { titleLine } from "./pane.js";

const LABEL = 8;

function labelled(label: string, value: Line): Line {
  return [{ text: label.padEnd(LABEL), style: STYLES.label }, ...value];
}

/** The selected layer: full command (wrapped), digest, DiffID, sizes, and what it changed. */
export function layerDetailsLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const w = rect.width;
  const h = rect.height - 1;
  const layer = s.layer;
  const lines = [titleLine(layer >= 0 ? `Layer ${layer}` : "Layer", "", w, false, color)];
  if (layer < 0) return lines;
  const summary = readLayerSummary(s, layer);
  const outline = s.outline?.layers[layer];
  const facts: Line[] = [];
  facts.push(labelled("Digest", [{ text: summary?.digest ?? outline?.digest ?? "—" }]));
  facts.push(labelled("DiffID", [{ text: summary?.diffId ?? "—" }]));
  if (summary) {
    const compressed =
      summary.compressedSize !== null
        ? ` · ${formatBytes(summary.compressedSize)} ${summary.compression}`
        : "";
    facts.push(labelled("Size", [{ text: `${formatBytes(summary.size)}${compressed}` }]));
    const mark = (status: NodeStatus, n: number) => ({
      text: `${statusLook(status).marker}${formatCount(n)} `,
      style: statusLook(status).style,
    });
    facts.push(
      labelled("Files", [
        { text: `${formatCount(summary.fileCount)} · ` },
        mark(NodeStatus.Added, summary.added),
        mark(NodeStatus.Modified, summary.modified),
        mark(NodeStatus.Removed, summary.removed),
      ]),
    );
    const created = s.model?.history[summary.historyIndex]?.created;
    if (created) facts.push(labelled("Created", [{ text: formatCreated(created) }]));
    const base = s.model?.base;
    if (base?.layerCount != null && base.layerCount > 0) {
      const from = s.model!.isBaseLayer(layer)
        ? `the base image${base.name ? ` ${base.name}` : ""} (${base.method})`
        : `this image (above the base, ${base.method})`;
      facts.push(labelled("From", [{ text: sanitize(from) }]));
    }
    if (summary.error)
      facts.push(labelled("Error", [{ text: sanitize(summary.error), style: STYLES.error }]));
  } else {
    const blob = outline?.blobSize;
    facts.push(labelled("Blob", [{ text: blob === null || blob === undefined ? "—" : formatBytes(blob) }]));
    const p = s.progress[layer];
    facts.push(
      labelled("Files", [
        { text: p ? `${formatCount(p.entries)} entries read so far` : "not read yet", style: STYLES.muted },
      ]),
    );
  }
  const command = sanitize(summary?.command ?? outline?.command ?? "") || "(no command recorded)";
  const commandLines = wrap(command, w, Math.max(1, h - facts.length));
  for (const c of commandLines) lines.push(paintLine([{ text: c }], w, color));
  for (const f of facts.slice(0, Math.max(0, h - commandLines.length))) lines.push(paintLine(f, w, color));
  return lines;
}

/** RFC 3339 as engines write it (nanoseconds, Z or an offset) shown in UTC to the second. */
export function formatCreated(created: string): string {
  const t = Date.parse(created.replace(/(\.\d{3})\d+/, "$1"));
  if (Number.isNaN(t)) return created;
  return `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
