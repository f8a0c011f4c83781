import type { ImageOutline } from "./load-events.js";

export type LayerListRow =
  | { kind: "layer"; layer: number }
  /** An empty-layer history entry (ENV, CMD, …), or one no layer could be matched to. */
  | { kind: "history"; history: number; command: string }
  /** The line between the base image's layers and the image's own. */
  | { kind: "base"; name: string | null; method: string };

/**
 * The rows of the layers pane, oldest first: every layer, and (when `showHistory`) the history
 * entries that made no layer, where they happened. Layers no history entry names (squashed
 * images, builders that write none) come before the first layer that has one.
 */
export function layerListRows(outline: ImageOutline | null, showHistory: boolean): LayerListRow[] {
  if (!outline) return [];
  const count = outline.layers.length;
  const named = new Set<number>();
  for (const h of outline.history) if (!h.emptyLayer && h.layerIndex !== null) named.add(h.layerIndex);
  const rows: LayerListRow[] = [];
  let next = 0;
  const flushUnnamedBelow = (limit: number) => {
    for (; next < limit; next++) if (!named.has(next)) rows.push({ kind: "layer", layer: next });
  };
  outline.history.forEach((h, i) => {
    if (!h.emptyLayer && h.layerIndex !== null && h.layerIndex < count) {
      flushUnnamedBelow(h.layerIndex);
      rows.push({ kind: "layer", layer: h.layerIndex });
      next = Math.max(next, h.layerIndex + 1);
    } else if (showHistory) {
      rows.push({ kind: "history", history: i, command: h.command || "(no command recorded)" });
    }
  });
  flushUnnamedBelow(count);
  const base = outline.base;
  if (base) {
    const at = rowOfLayer(rows, base.layerCount);
    if (at >= 0) rows.splice(at, 0, { kind: "base", name: base.name, method: base.method });
  }
  return rows;
}

/** Row position of a layer in the list, or -1. */
export function rowOfLayer(rows: readonly LayerListRow[], layer: number): number {
  return rows.findIndex((r) => r.kind === "layer" && r.layer === layer);
}
