/**
 * The mouse: SGR reports (`ESC [ < b ; x ; y M`) read into events, and each event applied to the
 * pane under the pointer — the wheel scrolls it, a press selects the row (or layer) and focuses
 * the pane, a press on a directory's fold marker folds it. Positions are 0-based cells.
 */
import { ROOT } from "../../model/path-table.js";
import { clamp, moveTreeTo, selectLayer, toggleDir, windowTop } from "./cursor.js";
import type { ExplorerState } from "./explorer-state.js";
import {
  adviceListHeight,
  attributesShown,
  comparing,
  diffBodyHeight,
  layoutOf,
  listRowsOf,
  treeBodyHeight,
  treeOf,
  viewerBodyHeight,
  viewerLineCount,
} from "./geometry.js";
import type { Rect } from "./pane-layout.js";

import type { PointerEvent } from "./pointer-event.js";

export type { PointerEvent } from "./pointer-event.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's report starts with ESC
const SGR_MOUSE = /^(?:\u001b)?\[<(\d{1,4});(\d{1,5});(\d{1,5})([Mm])$/;

/** An SGR mouse report (with or without its ESC, as Ink passes it on) as an event, else null. */
export function parsePointer(seq: string): PointerEvent | null {
  const m = SGR_MOUSE.exec(seq);
  if (!m) return null;
  const code = Number(m[1]);
  const x = Number(m[2]) - 1;
  const y = Number(m[3]) - 1;
  if (x < 0 || y < 0) return null;
  const button = code & 3;
  if (code & 64) return { kind: button === 0 ? "wheel-up" : "wheel-down", button, x, y };
  if (code & 32) return { kind: "drag", button, x, y };
  return { kind: m[4] === "m" ? "release" : "press", button, x, y };
}

/** Lines a wheel notch scrolls. */
const WHEEL_LINES = 3;

const inside = (r: Rect | null, x: number, y: number) =>
  r !== null && x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;

/**
 * Cells before a tree row's name: the change marker (2), the attributes (32) or the size column
 * (9) when shown, then the guides. test/ui/state/pointer.test.ts checks it against treeRowLine.
 */
export function treeNameColumn(guide: string, columns: "attributes" | "size" | "none"): number {
  return 2 + (columns === "attributes" ? 32 : columns === "size" ? 9 : 0) + Array.from(guide).length;
}

export function applyPointer(s: ExplorerState, e: PointerEvent): ExplorerState {
  if (e.kind === "release" || e.kind === "drag") return s;
  const wheel = e.kind === "wheel-up" ? -WHEEL_LINES : e.kind === "wheel-down" ? WHEEL_LINES : 0;
  if (e.kind === "press" && e.button !== 0) return s;
  const next = s.notice === null ? s : { ...s, notice: null };
  if (s.help) return wheel === 0 ? next : { ...next, helpTop: Math.max(0, s.helpTop + wheel) };
  if (s.viewer) {
    if (wheel === 0) return next;
    const max = Math.max(0, viewerLineCount(s.viewer) - viewerBodyHeight(s));
    return { ...next, viewer: { ...s.viewer, top: clamp(s.viewer.top + wheel, 0, max) } };
  }
  if (s.advice) {
    if (wheel === 0) return next;
    const n = s.findings?.length ?? 0;
    const selected = clamp(s.advice.selected + Math.sign(wheel), 0, Math.max(0, n - 1));
    return { ...next, advice: { selected, top: windowTop(s.advice.top, selected, adviceListHeight(s), n) } };
  }
  const layout = layoutOf(s);
  if (layout.kind === "too-small") return next;
  if (inside(layout.tree, e.x, e.y))
    return comparing(s) ? diffPointer(next, layout.tree, e, wheel) : treePointer(next, layout.tree, e, wheel);
  const left = [layout.layers, layout.layerDetails, layout.imageDetails];
  if (inside(layout.layers, e.x, e.y)) return layersPointer(next, layout.layers, e, wheel);
  if (left.some((r) => inside(r, e.x, e.y)) && wheel === 0) return { ...next, focus: "layers" };
  return next;
}

function layersPointer(s: ExplorerState, r: Rect, e: PointerEvent, wheel: number): ExplorerState {
  // The wheel steps through the layers, as the arrow keys do.
  if (wheel !== 0) return selectLayer(s, s.layer + Math.sign(wheel));
  const focused = { ...s, focus: "layers" as const };
  const row = listRowsOf(s)[s.layerTop + (e.y - r.y - 1)];
  if (e.y === r.y || row === undefined || row.kind !== "layer") return focused;
  return selectLayer(focused, row.layer);
}

function treePointer(s: ExplorerState, r: Rect, e: PointerEvent, wheel: number): ExplorerState {
  const t = treeOf(s);
  if (!t) return wheel === 0 ? { ...s, focus: "tree" } : s;
  const h = treeBodyHeight(s);
  if (wheel !== 0) {
    const top = clamp(s.treeTop + wheel, 0, Math.max(0, t.total - h));
    // The cursor stays on its path when it is still on screen, else it moves to the nearest edge.
    const row = clamp(s.cursorRow, top, top + h - 1);
    return moveTreeTo({ ...s, treeTop: top }, t, row, top);
  }
  const focused = { ...s, focus: "tree" as const };
  const attrs = attributesShown(s);
  const header = attrs || s.sort === "size" ? 1 : 0;
  const bodyRow = e.y - r.y - 1 - header;
  if (bodyRow < 0 || bodyRow >= h) return focused;
  const index = s.treeTop + bodyRow;
  if (index >= t.total) return focused;
  const [row] = t.rows(index, 1);
  if (!row) return focused;
  const moved = moveTreeTo(focused, t, index);
  const x = e.x - r.x;
  const nameAt = treeNameColumn(row.guide, attrs ? "attributes" : s.sort === "size" ? "size" : "none");
  // The fold marker (⊕ or ├─) is the guide's last two cells before the name.
  if (row.hasChildren && row.node > ROOT && x >= nameAt - 3 && x < nameAt) {
    return toggleDir(moved, row.node, !row.expanded);
  }
  return moved;
}

function diffPointer(s: ExplorerState, r: Rect, e: PointerEvent, wheel: number): ExplorerState {
  const total = s.rangeDiff?.nodes.length ?? 0;
  const h = diffBodyHeight(s);
  if (wheel !== 0) {
    const diffTop = clamp(s.diffTop + wheel, 0, Math.max(0, total - h));
    return { ...s, diffTop, diffRow: clamp(s.diffRow, diffTop, Math.max(diffTop, diffTop + h - 1)) };
  }
  const index = s.diffTop + (e.y - r.y - 2);
  const focused = { ...s, focus: "tree" as const };
  return index >= s.diffTop && index < total ? { ...focused, diffRow: index } : focused;
}
