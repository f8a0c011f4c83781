import { formatBytes } from "../render/format.js";
import { padStart, sanitize } from "../render/text.js";
import { type Line, paintLine, STYLES, type Style } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { layersBodyHeight, listRowsOf, readLayerSummary } from "../state/geometry.js";
import type { Rect } from "../state/pane-layout.js";
import { titleLine } from "./pane.js";

function sizeCell(s: ExplorerState, layer: number): { text: string; style?: Style } {
  const l = readLayerSummary(s, layer);
  if (l) return l.error ? { text: "error", style: STYLES.error } : { text: formatBytes(l.size) };
  const p = s.progress[layer];
  if (p?.totalBytes)
    return { text: `${Math.floor((100 * p.bytesRead) / p.totalBytes)}%`, style: STYLES.warning };
  if (p) return { text: formatBytes(p.bytesRead), style: STYLES.warning };
  const blob = s.outline?.layers[layer]?.blobSize;
  return { text: blob === null || blob === undefined ? "…" : formatBytes(blob), style: STYLES.muted };
}

/** The layers list: one row per layer (index, size, instruction), empty-layer history dimmed between. */
export function layersPaneLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const focused = s.focus === "layers";
  const count = s.outline?.layers.length ?? 0;
  const mark = s.compareFrom >= 0 ? ` · comparing from ${s.compareFrom}` : "";
  const extra = count === 0 ? "" : `${count}${mark}`;
  const lines = [titleLine("Layers", extra, rect.width, focused, color)];
  const rows = listRowsOf(s);
  const h = layersBodyHeight(s);
  const digits = String(Math.max(0, count - 1)).length;
  for (const row of rows.slice(s.layerTop, s.layerTop + h)) {
    if (row.kind === "base") {
      // Layers are listed bottom first: the base image's are above this line.
      // How it was decided and what the line means stay visible; a long name is what gets cut.
      const text = `── ▲ base (${row.method}) ▼ own${row.name ? ` · ${row.name}` : ""} `;
      const line: Line = [{ text: sanitize(text).padEnd(rect.width, "─"), style: STYLES.history }];
      lines.push(paintLine(line, rect.width, color));
      continue;
    }
    if (row.kind === "history") {
      const line: Line = [
        { text: `${" ".repeat(digits + 1)}${" ".repeat(8)} · `, style: STYLES.history },
        { text: sanitize(row.command), style: STYLES.history },
      ];
      lines.push(paintLine(line, rect.width, color));
      continue;
    }
    const layer = row.layer;
    const selected = layer === s.layer;
    const outside = s.changesOnly ? !selected : layer > s.layer;
    const size = sizeCell(s, layer);
    const command = s.model?.layers[layer]?.command ?? s.outline?.layers[layer]?.command ?? "";
    const base: Style | undefined = selected ? (focused ? STYLES.cursor : STYLES.cursorUnfocused) : undefined;
    const muted = outside ? STYLES.muted : undefined;
    const line: Line = [
      {
        text: `${selected ? "▸" : layer === s.compareFrom ? "◆" : " "}${padStart(String(layer), digits)} `,
        style: muted,
      },
      { text: `${padStart(size.text, 8)} `, style: { ...muted, ...size.style } },
      { text: sanitize(command) || "(no command recorded)", style: muted },
    ];
    lines.push(paintLine(line, rect.width, color, base));
  }
  return lines;
}
