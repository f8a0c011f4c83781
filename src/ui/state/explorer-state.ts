/**
 * Everything the explorer shows is a function of ExplorerState, and every key press, resize and
 * load event is an Action applied by the pure `reduce`. The tree is never stored here: the cursor
 * is a node id and a row, and rows are computed from the model on demand (visible-tree.ts).
 */

import type { Key } from "ink";
import type { ImageModel } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { ROOT } from "../../model/path-table.js";
import { Command, commandForKey, keySpecOf } from "../keymap/keymap.js";
import { formatBytes } from "../render/format.js";
import { adviceOf, rangeDiffIfReady } from "../session/analysis-jobs.js";
import {
  type Expansion,
  type HideFlags,
  SHOW_ALL,
  type SortOrder,
  type TreeQuery,
  type VisibleTree,
  visibleTreeOf,
} from "../tree/visible-tree.js";
import { hexLineCount, isBinary, textLines } from "../viewer/file-view.js";
import { type LayerListRow, layerListRows, rowOfLayer } from "./layer-list.js";
import { type ImageOutline, type LayerProgress, type LoadEvent, outlineOf } from "./load-events.js";
import { computePaneLayout, type PaneLayout } from "./pane-layout.js";

export type Pane = "layers" | "tree";

/** The advice overlay: which finding is selected and the first one on screen. */
export interface AdviceView {
  selected: number;
  top: number;
}

/** One file opened in the viewer; its bytes arrive asynchronously (request ties the answer to it). */
export interface FileViewer {
  request: number;
  node: number;
  layer: number;
  path: string;
  status: "loading" | "ready" | "error";
  data: Uint8Array | null;
  /** Text lines, or null for a hex dump of `data`. */
  lines: string[] | null;
  truncated: boolean;
  error: string | null;
  top: number;
}

export interface ExplorerState {
  columns: number;
  rows: number;
  focus: Pane;
  outline: ImageOutline | null;
  model: ImageModel | null;
  /** Per layer, while the tree is indexed. */
  progress: readonly (LayerProgress | null)[];
  error: string | null;
  /** The selected layer, -1 before any is known. */
  layer: number;
  /** First row of the layers list on screen. */
  layerTop: number;
  showHistory: boolean;
  changesOnly: boolean;
  hide: HideFlags;
  sort: SortOrder;
  /** null: shown when the tree pane is wide enough. */
  attributes: boolean | null;
  filter: string;
  filterEditing: boolean;
  expansion: Expansion;
  /** Node under the cursor (-1: none) and its row; the row is the fallback when the node goes. */
  cursor: number;
  cursorRow: number;
  treeTop: number;
  /** Position in the largest-files list of the last jump, -1 when not jumping. */
  largestRank: number;
  help: boolean;
  helpTop: number;
  /** The advice overlay, open or null. */
  advice: AdviceView | null;
  viewer: FileViewer | null;
  /** Requests made so far, to number the next one. */
  viewerRequests: number;
  /** Range view: the layer to compare from (-1: none); the selected layer is compared to it. */
  compareFrom: number;
  /** First row of the range diff on screen. */
  diffTop: number;
  /** A one-line message for the status line until the next key. */
  notice: string | null;
  quit: boolean;
}

export type Action =
  | { type: "command"; command: Command }
  | { type: "filter-input"; text: string }
  | { type: "filter-backspace" }
  | { type: "filter-done" }
  | { type: "resize"; columns: number; rows: number }
  | { type: "load"; event: LoadEvent }
  | { type: "viewer-loaded"; request: number; data: Uint8Array; truncated: boolean }
  | { type: "viewer-failed"; request: number; message: string }
  /** Work done off the key path (a range diff) is ready: draw again. */
  | { type: "computed" }
  /** Ctrl+C: quits from anywhere, the viewer and overlays included. */
  | { type: "quit" }
  /** A key as Ink reported it; resolved against the state it arrives in. */
  | { type: "key"; input: string; key: Partial<Key> };

export function initialState(columns = 80, rows = 24): ExplorerState {
  return {
    columns,
    rows,
    focus: "layers",
    outline: null,
    model: null,
    progress: [],
    error: null,
    layer: -1,
    layerTop: 0,
    showHistory: true,
    changesOnly: false,
    hide: SHOW_ALL,
    sort: "name",
    attributes: null,
    filter: "",
    filterEditing: false,
    expansion: { defaultExpanded: true, toggled: new Set() },
    cursor: -1,
    cursorRow: 0,
    treeTop: 0,
    largestRank: -1,
    help: false,
    helpTop: 0,
    advice: null,
    viewer: null,
    viewerRequests: 0,
    compareFrom: -1,
    diffTop: 0,
    notice: null,
    quit: false,
  };
}

// ---------------------------------------------------------------- geometry

export function listRowsOf(s: ExplorerState): LayerListRow[] {
  return layerListRows(s.outline, s.showHistory);
}

export function layoutOf(s: ExplorerState): PaneLayout {
  return computePaneLayout(s.columns, s.rows, listRowsOf(s).length);
}

/** Attributes column (mode, uid:gid, size) shown? By default when the tree pane is wide. */
export function attributesShown(s: ExplorerState, layout = layoutOf(s)): boolean {
  return s.attributes ?? layout.tree.width >= 64;
}

/** Rows of the tree pane: title, optional column header, the rows, and the info/filter line. */
export function treeBodyHeight(s: ExplorerState, layout = layoutOf(s)): number {
  return Math.max(1, layout.tree.height - 2 - (attributesShown(s, layout) ? 1 : 0));
}

export function layersBodyHeight(s: ExplorerState, layout = layoutOf(s)): number {
  return Math.max(1, layout.layers.height - 1);
}

export function layerCount(s: ExplorerState): number {
  return s.model?.layerCount ?? s.outline?.layers.length ?? 0;
}

export function treeQueryOf(s: ExplorerState): TreeQuery {
  return {
    layer: s.layer,
    changesOnly: s.changesOnly,
    hide: s.hide,
    filter: s.filter,
    sort: s.sort,
    expansion: s.expansion,
  };
}

/** The shown tree, once the model is ready and a layer is selected. */
export function treeOf(s: ExplorerState): VisibleTree | null {
  if (!s.model || s.layer < 0 || s.layer >= s.model.layerCount) return null;
  return visibleTreeOf(s.model, treeQueryOf(s));
}

/** Range view shown: a compare mark on another layer than the selected one. */
export function comparing(s: ExplorerState): boolean {
  return s.model !== null && s.compareFrom >= 0 && s.compareFrom !== s.layer && s.layer >= 0;
}

/** Rows of the range diff in the tree pane: title, totals line, the entries. */
export function diffBodyHeight(s: ExplorerState, layout = layoutOf(s)): number {
  return Math.max(1, layout.tree.height - 2);
}

/** Findings listed at once in the advice overlay (the selected one's details go below). */
export function adviceListHeight(s: ExplorerState): number {
  return Math.max(1, Math.floor((s.rows - 2) / 2));
}

/** Lines of the file viewer's body: the whole screen but its title and the status line. */
export function viewerBodyHeight(s: ExplorerState): number {
  return Math.max(1, s.rows - 2);
}

/** Lines the viewer scrolls through: the content's, plus the "truncated" note after them. */
export function viewerLineCount(v: FileViewer): number {
  const content = v.lines ? v.lines.length : v.data ? hexLineCount(v.data) : 0;
  return content + (v.truncated ? 1 : 0);
}

// ---------------------------------------------------------------- helpers

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

function windowTop(top: number, row: number, height: number, total: number): number {
  let t = clamp(top, 0, Math.max(0, total - height));
  if (row < t) t = row;
  else if (row >= t + height) t = row - height + 1;
  return Math.max(0, t);
}

/** Put the cursor on `row` (clamped) and keep it in the window. */
function moveTreeTo(s: ExplorerState, t: VisibleTree, row: number, top = s.treeTop): ExplorerState {
  const total = t.total;
  if (total === 0) return { ...s, cursor: -1, cursorRow: 0, treeTop: 0 };
  const r = clamp(row, 0, total - 1);
  return { ...s, cursor: t.rowAt(r), cursorRow: r, treeTop: windowTop(top, r, treeBodyHeight(s), total) };
}

/**
 * After the tree changed under the cursor (layer, view, filter, expansion, size): stay on the
 * same path if it is still shown, else on its nearest shown ancestor, else on the same row.
 */
function settleTree(s: ExplorerState, onLost: "row" | "first-match" = "row"): ExplorerState {
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
function firstMatchRow(t: VisibleTree): number {
  const total = Math.min(t.total, 100_000);
  for (let start = 0; start < total; start += 256) {
    for (const r of t.rows(start, 256)) if (t.matches(r.node)) return r.index;
  }
  return 0;
}

function settleLayers(s: ExplorerState): ExplorerState {
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

function selectLayer(s: ExplorerState, layer: number): ExplorerState {
  const n = layerCount(s);
  if (n === 0) return s;
  const l = clamp(layer, 0, n - 1);
  if (l === s.layer) return s;
  return settleTree(settleLayers({ ...s, layer: l, largestRank: -1, diffTop: 0 }));
}

function setExpanded(exp: Expansion, node: number, expanded: boolean): Expansion {
  const now = exp.defaultExpanded !== exp.toggled.has(node);
  if (now === expanded) return exp;
  const toggled = new Set(exp.toggled);
  if (toggled.has(node)) toggled.delete(node);
  else toggled.add(node);
  return { defaultExpanded: exp.defaultExpanded, toggled };
}

function toggleDir(s: ExplorerState, node: number, expanded: boolean): ExplorerState {
  return settleTree({ ...s, expansion: setExpanded(s.expansion, node, expanded) });
}

// ---------------------------------------------------------------- commands

function treeCommand(s: ExplorerState, command: Command): ExplorerState {
  const t = treeOf(s);
  if (!t) return s;
  const h = treeBodyHeight(s);
  const row = s.cursor > ROOT ? Math.max(0, t.indexOf(s.cursor)) : s.cursorRow;
  const node = s.cursor;
  switch (command) {
    case Command.Up:
      return moveTreeTo(s, t, row - 1);
    case Command.Down:
      return moveTreeTo(s, t, row + 1);
    case Command.PageUp:
      return moveTreeTo(s, t, row - h, s.treeTop - h);
    case Command.PageDown:
      return moveTreeTo(s, t, row + h, s.treeTop + h);
    case Command.First:
      return moveTreeTo(s, t, 0);
    case Command.Last:
      return moveTreeTo(s, t, t.total - 1);
    case Command.Collapse: {
      if (node <= ROOT) return s;
      if (t.hasChildren(node) && t.isExpanded(node)) return toggleDir(s, node, false);
      const parent = s.model!.paths.parent(node);
      if (parent <= ROOT) return s;
      return moveTreeTo(s, t, t.indexOf(parent));
    }
    case Command.Expand:
      if (node <= ROOT || !t.hasChildren(node)) return s;
      if (!t.isExpanded(node)) return toggleDir(s, node, true);
      return moveTreeTo(s, t, row + 1);
    case Command.ToggleDir:
      if (node <= ROOT || !t.hasChildren(node)) return s;
      return toggleDir(s, node, !t.isExpanded(node));
    default:
      return s;
  }
}

function layersCommand(s: ExplorerState, command: Command): ExplorerState {
  const page = Math.max(1, layersBodyHeight(s) - 1);
  switch (command) {
    case Command.Up:
      return selectLayer(s, s.layer - 1);
    case Command.Down:
      return selectLayer(s, s.layer + 1);
    case Command.PageUp:
      return selectLayer(s, s.layer - page);
    case Command.PageDown:
      return selectLayer(s, s.layer + page);
    case Command.First:
      return selectLayer(s, 0);
    case Command.Last:
      return selectLayer(s, layerCount(s) - 1);
    case Command.Expand:
    case Command.ToggleDir:
      return { ...s, focus: "tree" };
    default:
      return s;
  }
}

function jumpLargest(s: ExplorerState): ExplorerState {
  const t = treeOf(s);
  if (!t || !s.model) return s;
  const list = t.largestFiles(100);
  if (list.length === 0) return { ...s, notice: "No files to jump to" };
  const rank = (s.largestRank + 1) % list.length;
  const node = list[rank]!;
  let expansion = s.expansion;
  const paths = s.model.paths;
  for (let a = paths.parent(node); a > ROOT; a = paths.parent(a)) expansion = setExpanded(expansion, a, true);
  const next = { ...s, expansion, focus: "tree" as const, largestRank: rank };
  const t2 = treeOf(next)!;
  const row = t2.indexOf(node);
  const h = treeBodyHeight(next);
  const moved = moveTreeTo(next, t2, row, row - Math.floor(h / 2));
  const bytes = t2.layerTree.size[node] ?? 0;
  return {
    ...moved,
    notice: `Largest file ${rank + 1} of ${list.length}: ${formatBytes(bytes)} ${paths.path(node)}`,
  };
}

/** Scroll position after a moving command, for a list of `total` lines `h` high. */
function scrolled(c: Command, top: number, total: number, h: number): number | null {
  const max = Math.max(0, total - h);
  switch (c) {
    case Command.Up:
      return clamp(top - 1, 0, max);
    case Command.Down:
      return clamp(top + 1, 0, max);
    case Command.PageUp:
      return clamp(top - h, 0, max);
    case Command.PageDown:
      return clamp(top + h, 0, max);
    case Command.First:
      return 0;
    case Command.Last:
      return max;
    default:
      return null;
  }
}

function viewerCommand(s: ExplorerState, v: FileViewer, c: Command): ExplorerState {
  switch (c) {
    case Command.Clear:
    case Command.Quit:
    case Command.ViewFile:
      return { ...s, viewer: null };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    default: {
      const top = scrolled(c, v.top, viewerLineCount(v), viewerBodyHeight(s));
      return top === null ? s : { ...s, viewer: { ...v, top } };
    }
  }
}

/** The layer whose version of `node` to show: the selected one, or for a removed path the last one holding it. */
function viewLayerOf(model: ImageModel, node: number, layer: number): number {
  for (let l = layer; l >= 0; l--) if (model.visibleAt(node, l) >= 0) return l;
  return -1;
}

function openViewer(s: ExplorerState): ExplorerState {
  const model = s.model;
  if (!model || s.focus !== "tree" || comparing(s) || s.cursor <= ROOT) {
    return { ...s, notice: "Select a file in the file tree to view it" };
  }
  const node = s.cursor;
  const layer = viewLayerOf(model, node, s.layer);
  const path = model.paths.path(node);
  if (layer < 0) return { ...s, notice: `No layer up to ${s.layer} holds ${path}` };
  const type = model.stack.type(model.visibleAt(node, layer));
  if (type === EntryType.Dir) return { ...s, notice: `${path} is a directory: press Enter to fold it` };
  if (type !== EntryType.File && type !== EntryType.Symlink && type !== EntryType.Hardlink) {
    return { ...s, notice: `${path} is not a regular file` };
  }
  const request = s.viewerRequests + 1;
  const viewer: FileViewer = {
    request,
    node,
    layer,
    path,
    status: "loading",
    data: null,
    lines: null,
    truncated: false,
    error: null,
    top: 0,
  };
  return { ...s, viewer, viewerRequests: request };
}

function adviceCommand(s: ExplorerState, a: AdviceView, c: Command): ExplorerState {
  const findings = s.model ? adviceOf(s.model) : [];
  const h = adviceListHeight(s);
  const select = (i: number): ExplorerState => {
    const selected = clamp(i, 0, Math.max(0, findings.length - 1));
    return { ...s, advice: { selected, top: windowTop(a.top, selected, h, findings.length) } };
  };
  switch (c) {
    case Command.Advice:
    case Command.Clear:
      return { ...s, advice: null };
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    case Command.Up:
      return select(a.selected - 1);
    case Command.Down:
      return select(a.selected + 1);
    case Command.PageUp:
      return select(a.selected - h);
    case Command.PageDown:
      return select(a.selected + h);
    case Command.First:
      return select(0);
    case Command.Last:
      return select(findings.length - 1);
    case Command.ToggleDir:
    case Command.Expand:
      return jumpToFinding(s, a.selected);
    default:
      return s;
  }
}

/** Enter on a finding: its layer, its first path in the tree (views that hide it are reset). */
function jumpToFinding(s: ExplorerState, index: number): ExplorerState {
  const model = s.model;
  const f = model ? adviceOf(model)[index] : undefined;
  if (!model || !f) return s;
  if (f.layer === null) return { ...s, notice: "This finding is about the image config, not a layer" };
  let next = selectLayer({ ...s, advice: null, compareFrom: -1, focus: "layers" }, f.layer);
  const node = f.nodes[0];
  if (node === undefined || node <= ROOT)
    return { ...next, notice: `Layer ${f.layer}: ${f.instruction ?? ""}` };
  const expand = (x: ExplorerState): ExplorerState => {
    let expansion = x.expansion;
    for (let p = model.paths.parent(node); p > ROOT; p = model.paths.parent(p)) {
      expansion = setExpanded(expansion, p, true);
    }
    return { ...x, expansion, focus: "tree" };
  };
  next = expand(next);
  let t = treeOf(next);
  let row = t ? t.indexOf(node) : -1;
  let reset = false;
  if (row < 0) {
    next = { ...next, filter: "", filterEditing: false, hide: SHOW_ALL, changesOnly: false };
    t = treeOf(next);
    row = t ? t.indexOf(node) : -1;
    reset = true;
  }
  const path = model.paths.path(node);
  if (!t || row < 0) return { ...next, notice: `${path} is not in the tree of layer ${f.layer}` };
  const moved = moveTreeTo(next, t, row, row - Math.floor(treeBodyHeight(next) / 2));
  return { ...moved, notice: `${reset ? "Filters cleared · " : ""}Layer ${f.layer}: ${path}` };
}

function compareMark(s: ExplorerState): ExplorerState {
  if (s.compareFrom >= 0) return { ...s, compareFrom: -1, diffTop: 0, notice: "Compare mark cleared" };
  if (!s.model || s.layer < 0) return { ...s, notice: "The image is still being read" };
  return {
    ...s,
    compareFrom: s.layer,
    diffTop: 0,
    notice: `Comparing from layer ${s.layer}: select another layer to see what changed (Esc clears)`,
  };
}

function diffCommand(s: ExplorerState, c: Command): ExplorerState | null {
  if (!comparing(s) || s.focus !== "tree") return null;
  const total = rangeDiffIfReady(s.model!, s.compareFrom, s.layer)?.nodes.length ?? 0;
  const top = scrolled(c, s.diffTop, total, diffBodyHeight(s));
  return top === null ? null : { ...s, diffTop: top };
}

function helpCommand(s: ExplorerState, command: Command): ExplorerState {
  switch (command) {
    case Command.Help:
    case Command.Clear:
      return { ...s, help: false };
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Up:
      return { ...s, helpTop: Math.max(0, s.helpTop - 1) };
    case Command.Down:
      return { ...s, helpTop: s.helpTop + 1 };
    case Command.PageUp:
      return { ...s, helpTop: Math.max(0, s.helpTop - (s.rows - 3)) };
    case Command.PageDown:
      return { ...s, helpTop: s.helpTop + (s.rows - 3) };
    case Command.First:
      return { ...s, helpTop: 0 };
    default:
      return s;
  }
}

function command(state: ExplorerState, c: Command): ExplorerState {
  const s = state.notice === null ? state : { ...state, notice: null };
  if (s.help) return helpCommand(s, c);
  if (s.viewer) return viewerCommand(s, s.viewer, c);
  if (s.advice) return adviceCommand(s, s.advice, c);
  const inDiff = diffCommand(s, c);
  if (inDiff) return inDiff;
  const keepRank = (x: ExplorerState) => (c === Command.JumpLargest ? x : { ...x, largestRank: -1 });
  switch (c) {
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    case Command.NextPane:
      return { ...s, focus: s.focus === "layers" ? "tree" : "layers" };
    case Command.Filter:
      return { ...s, filterEditing: true, focus: "tree" };
    case Command.Clear:
      if (s.filter === "" && !s.filterEditing) {
        return s.compareFrom >= 0 ? { ...s, compareFrom: -1, diffTop: 0 } : s;
      }
      return settleTree({ ...s, filter: "", filterEditing: false });
    case Command.Advice:
      if (!s.model) return { ...s, notice: "The advice is ready once the image is read" };
      adviceOf(s.model);
      return { ...s, advice: { selected: 0, top: 0 } };
    case Command.ViewFile:
      return openViewer(s);
    case Command.CompareMark:
      return compareMark(s);
    case Command.PrevLayer:
      return selectLayer(s, s.layer - 1);
    case Command.NextLayer:
      return selectLayer(s, s.layer + 1);
    case Command.ToggleChangesOnly:
      return keepRank(settleTree({ ...s, changesOnly: !s.changesOnly }));
    case Command.ToggleHistory:
      return settleTree(settleLayers({ ...s, showHistory: !s.showHistory }));
    case Command.ToggleSort:
      return settleTree({ ...s, sort: s.sort === "name" ? "size" : "name" });
    case Command.ToggleAttributes:
      return settleTree({ ...s, attributes: !attributesShown(s) });
    case Command.HideAdded:
      return keepRank(settleTree({ ...s, hide: { ...s.hide, added: !s.hide.added } }));
    case Command.HideRemoved:
      return keepRank(settleTree({ ...s, hide: { ...s.hide, removed: !s.hide.removed } }));
    case Command.HideModified:
      return keepRank(settleTree({ ...s, hide: { ...s.hide, modified: !s.hide.modified } }));
    case Command.HideUnmodified:
      return keepRank(settleTree({ ...s, hide: { ...s.hide, unmodified: !s.hide.unmodified } }));
    case Command.CollapseAll:
      return settleTree({ ...s, expansion: { defaultExpanded: false, toggled: new Set() } });
    case Command.ExpandAll:
      return settleTree({ ...s, expansion: { defaultExpanded: true, toggled: new Set() } });
    case Command.JumpLargest:
      return jumpLargest(s);
    default:
      return keepRank(s.focus === "tree" ? treeCommand(s, c) : layersCommand(s, c));
  }
}

function load(s: ExplorerState, e: LoadEvent): ExplorerState {
  switch (e.kind) {
    case "image": {
      const { kind: _, ...outline } = e;
      const next = {
        ...s,
        outline,
        progress: outline.layers.map(() => null),
        layer: s.layer < 0 ? outline.layers.length - 1 : Math.min(s.layer, outline.layers.length - 1),
      };
      return settleLayers(next);
    }
    case "progress": {
      if (e.layer < 0) return s;
      const progress = s.progress.slice();
      while (progress.length <= e.layer) progress.push(null);
      const before = progress[e.layer];
      progress[e.layer] = {
        bytesRead: e.bytesRead,
        totalBytes: e.totalBytes,
        entries: e.entries,
        startedAt: before?.startedAt ?? e.at,
        at: e.at,
      };
      return { ...s, progress };
    }
    case "ready": {
      const n = e.model.layerCount;
      const layer = s.layer < 0 || s.layer >= n ? n - 1 : s.layer;
      const next = {
        ...s,
        model: e.model,
        outline: outlineOf(e.model),
        layer,
        cursor: -1,
        cursorRow: 0,
        treeTop: 0,
      };
      return settleTree(settleLayers(next));
    }
    case "error":
      return { ...s, error: e.message };
  }
}

export function reduce(s: ExplorerState, a: Action): ExplorerState {
  switch (a.type) {
    case "command":
      return command(s, a.command);
    case "filter-input": {
      if (a.text === "") return s;
      return settleTree(
        { ...s, filter: s.filter + a.text, filterEditing: true, notice: null },
        "first-match",
      );
    }
    case "filter-backspace": {
      const chars = Array.from(s.filter);
      chars.pop();
      return settleTree({ ...s, filter: chars.join(""), notice: null }, "first-match");
    }
    case "filter-done":
      return { ...s, filterEditing: false, focus: "tree" };
    case "resize":
      if (a.columns === s.columns && a.rows === s.rows) return s;
      return settleTree(settleLayers({ ...s, columns: a.columns, rows: a.rows }));
    case "load":
      return load(s, a.event);
    case "quit":
      return { ...s, quit: true };
    case "viewer-loaded": {
      const v = s.viewer;
      if (!v || v.request !== a.request) return s;
      const lines = isBinary(a.data) ? null : textLines(a.data);
      return { ...s, viewer: { ...v, status: "ready", data: a.data, lines, truncated: a.truncated } };
    }
    case "computed":
      return { ...s };
    case "viewer-failed": {
      const v = s.viewer;
      if (!v || v.request !== a.request) return s;
      return { ...s, viewer: { ...v, status: "error", error: a.message } };
    }
    case "key": {
      // Keys typed faster than they are read arrive as one string (Ink reports it like a paste):
      // outside the filter prompt, each character is a key of its own.
      const chars = Array.from(a.input);
      if (chars.length > 1 && !a.key.ctrl && !a.key.meta) {
        let next = s;
        let run = "";
        const typeRun = () => {
          if (run !== "") next = reduce(next, { type: "filter-input", text: run });
          run = "";
        };
        for (const ch of chars) {
          if (next.filterEditing && !next.help && ch >= " " && ch !== "\u007f") {
            run += ch;
            continue;
          }
          typeRun();
          next = reduce(next, { type: "key", ...keyOfChar(ch) });
        }
        typeRun();
        return next;
      }
      const resolved = actionForKey(s, a.input, a.key);
      return resolved ? reduce(s, resolved) : s;
    }
  }
}

export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** One character of coalesced input as the key it is (Tab, Enter, Backspace, Esc, Ctrl+letter). */
export function keyOfChar(ch: string): { input: string; key: Partial<Key> } {
  if (ch === "\t") return { input: "", key: { tab: true } };
  if (ch === "\r" || ch === "\n") return { input: "", key: { return: true } };
  if (ch === "\u007f") return { input: "", key: { delete: true } };
  if (ch === "\b") return { input: "", key: { backspace: true } };
  if (ch === "\u001b") return { input: "", key: { escape: true, meta: true } };
  const code = ch.charCodeAt(0);
  if (code > 0 && code < 0x20) return { input: String.fromCharCode(code + 96), key: { ctrl: true } };
  return { input: ch, key: { shift: ch !== ch.toLowerCase() } };
}

/** While the filter is edited, these keys keep moving in the tree instead of typing. */
const MOVES_WHILE_TYPING = new Set<Command>([
  Command.Up,
  Command.Down,
  Command.PageUp,
  Command.PageDown,
  Command.First,
  Command.Last,
  Command.Collapse,
  Command.Expand,
]);

/** What a key means in this state: a command, or text for the filter being typed. */
export function actionForKey(s: ExplorerState, input: string, partial: Partial<Key>): Action | null {
  const key: Key = { ...NO_KEY, ...partial };
  if (key.ctrl && input === "c") return { type: "quit" };
  if (s.filterEditing && !s.help) {
    if (key.return) return { type: "filter-done" };
    if (key.escape) return { type: "command", command: Command.Clear };
    if (key.backspace || key.delete) return { type: "filter-backspace" };
    if (key.tab) return { type: "filter-done" };
    const spec = keySpecOf(input, key);
    if (spec && spec.name !== "char" && spec.name !== "space") {
      const c = commandForKey(spec);
      return c && MOVES_WHILE_TYPING.has(c) ? { type: "command", command: c } : null;
    }
    if (key.ctrl || key.meta || input === "") return null;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: typed text must not carry control characters
    const text = input.replace(/[\u0000-\u001f\u007f]/g, "");
    return text === "" ? null : { type: "filter-input", text };
  }
  const spec = keySpecOf(input, key);
  if (!spec) return null;
  const c = commandForKey(spec);
  return c ? { type: "command", command: c } : null;
}
