/** Where the cursors go when the tree or the layer list changes under them. */
import { ROOT } from "../../model/path-table.js";
import type { Expansion, VisibleTree } from "../tree/visible-tree.js";
import type { ExplorerState } from "./explorer-state.js";
import { layerCount, layersBodyHeight, listRowsOf, treeBodyHeight, treeOf } from "./geometry.js";
import { rowOfLayer } from "./layer-list.js";

export const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

export function windowTop(top: number, row: number, height: number, total: number): number {
  let t = clamp(top, 0, Math.max(0, total - height));
  if (row < t) t = row;
  else if (row >= t + height) t = row - height + 1;
  return Math.max(0, t);
}

/** Put the cursor on `row` (clamped) and keep it in the window. */
export function moveTreeTo(s: ExplorerState, t: VisibleTree, row: number, top = s.treeTop): ExplorerState {
  const total = t.total;
  if (total === 0) return { ...s, cursor: -1, cursorRow: 0, treeTop: 0 };
  const r = clamp(row, 0, total - 1);
  return { ...s, cursor: t.rowAt(r), cursorRow: r, treeTop: windowTop(top, r, treeBodyHeight(s), total) };
}

/**
 * After the tree changed under the cursor (layer, view, filter, expansion, size): stay on the
 * same path if it is still shown, else on its nearest shown ancestor, else on the same row.
 */
export function settleTree(s: ExplorerState, onLost: "row" | "first-match" = "row"): ExplorerState {
  const t = treeOf(s);
  if (!t || !s.model) return s;
  let row = s.cursor > ROOT ? t.indexOf(s.cursor) : -1;
  if (row < 0 && onLost === "first-match" && s.filter !== "") row = firstMatchRow(t);
  if (row < 0 && s.cursor > ROOT && onLost === "row") {
    const paths = s.model.paths;
    for (let a = paths.parent(s.cursor); a > ROOT; a = paths.parent(a)) {
      row = t.indexOf(a);
      if (row >= 0) break;
    }
  }
  if (row < 0) row = s.cursorRow;
  return moveTreeTo(s, t, row);
}

/** The first row whose own path matches the filter (not just an ancestor of a match). */
export function firstMatchRow(t: VisibleTree): number {
  const total = Math.min(t.total, 100_000);
  for (let start = 0; start < total; start += 256) {
    for (const r of t.rows(start, 256)) if (t.matches(r.node)) return r.index;
  }
  return 0;
}

export function settleLayers(s: ExplorerState): ExplorerState {
  const rows = listRowsOf(s);
  const h = layersBodyHeight(s);
  const pos = rowOfLayer(rows, s.layer);
  if (pos < 0) return { ...s, layerTop: clamp(s.layerTop, 0, Math.max(0, rows.length - h)) };
  // Show the history lines just above the selected layer too, when they fit.
  let want = pos;
  while (want > 0 && rows[want - 1]?.kind === "history" && pos - (want - 1) < h) want--;
  let top = clamp(s.layerTop, 0, Math.max(0, rows.length - h));
  if (want < top) top = want;
  if (pos >= top + h) top = pos - h + 1;
  return { ...s, layerTop: top };
}

export function selectLayer(s: ExplorerState, layer: number): ExplorerState {
  const n = layerCount(s);
  if (n === 0) return s;
  const l = clamp(layer, 0, n - 1);
  if (l === s.layer) return s;
  return settleTree(settleLayers({ ...s, layer: l, largestRank: -1, diffTop: 0, diffRow: 0 }));
}

export function setExpanded(exp: Expansion, node: number, expanded: boolean): Expansion {
  const now = exp.defaultExpanded !== exp.toggled.has(node);
  if (now === expanded) return exp;
  const toggled = new Set(exp.toggled);
  if (toggled.has(node)) toggled.delete(node);
  else toggled.add(node);
  return { defaultExpanded: exp.defaultExpanded, toggled };
}

export function toggleDir(s: ExplorerState, node: number, expanded: boolean): ExplorerState {
  return settleTree({ ...s, expansion: setExpanded(s.expansion, node, expanded) });
}
