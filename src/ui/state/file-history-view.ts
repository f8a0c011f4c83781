/**
 * The file-history overlay: every version of the path under the tree cursor across the layers.
 * Enter shows the selected event's layer with the cursor on the path; `v` opens that version in
 * the viewer (closing the viewer comes back here).
 */
import { type FileHistory, fileHistory, type HistoryEvent } from "../../model/file-history.js";
import type { ImageModel } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { ROOT } from "../../model/path-table.js";
import { Command } from "../keymap/keymap.js";
import { SHOW_ALL } from "../tree/visible-tree.js";
import { clamp, moveTreeTo, selectLayer, setExpanded, windowTop } from "./cursor.js";
import type { ExplorerState, FileHistoryView, FileViewer } from "./explorer-state.js";
import { comparing, treeBodyHeight, treeOf } from "./geometry.js";
import { listMove } from "./list-move.js";

/** Events listed at once (the selected one's details go below). */
export function historyListHeight(s: ExplorerState): number {
  const n = s.fileHistory?.history.events.length ?? 1;
  return Math.max(1, Math.min(n, Math.floor((s.rows - 2) / 2)));
}

/** The last event at or below `layer`: what the tree shows of the path as of that layer. */
export function eventAsOf(h: FileHistory, layer: number): number {
  let at = -1;
  h.events.forEach((e, i) => {
    if (e.layer <= layer) at = i;
  });
  return at;
}

/** The history key on a tree row (removed rows too): open the overlay on the event of the selected layer. */
export function openFileHistory(s: ExplorerState): ExplorerState {
  const model = s.model;
  // A partly read image would tell only part of the story.
  if (!model || !s.session || s.layersRead !== null) {
    return { ...s, notice: "The history is ready once the image is read" };
  }
  if (s.focus !== "tree" || comparing(s) || s.cursor < ROOT) {
    return { ...s, notice: "Select a path in the file tree to see its history" };
  }
  const history = fileHistory(model, s.cursor);
  if (history.events.length === 0) return { ...s, notice: `No layer wrote ${history.path}` };
  const selected = Math.max(0, eventAsOf(history, s.layer));
  const view: FileHistoryView = { node: s.cursor, history, selected, top: 0 };
  const next = { ...s, fileHistory: view };
  const h = historyListHeight(next);
  return { ...next, fileHistory: { ...view, top: windowTop(0, selected, h, history.events.length) } };
}

/** The layer holding the version an event wrote or removed. */
function versionLayer(model: ImageModel, e: HistoryEvent): number {
  return model.versions.layer[e.version]!;
}

function viewVersion(s: ExplorerState, v: FileHistoryView): ExplorerState {
  const model = s.model!;
  const e = v.history.events[v.selected];
  if (!e) return s;
  if (e.version < 0) return { ...s, notice: "This whiteout deleted nothing: there is no file to view" };
  const path = v.history.path;
  if (e.type === EntryType.Dir) return { ...s, notice: `${path} is a directory in layer ${e.layer}` };
  if (e.type !== EntryType.File && e.type !== EntryType.Symlink && e.type !== EntryType.Hardlink) {
    return { ...s, notice: `${path} is not a regular file in layer ${e.layer}` };
  }
  const layer = versionLayer(model, e);
  const request = s.viewerRequests + 1;
  const viewer: FileViewer = {
    request,
    node: v.node,
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

/** Enter on an event: its layer in the tree, the cursor on the path (views that hide it are reset). */
function jumpToEvent(s: ExplorerState, v: FileHistoryView): ExplorerState {
  const model = s.model!;
  const e = v.history.events[v.selected];
  if (!e) return s;
  const node = v.node;
  const paths = model.paths;
  let next = selectLayer({ ...s, fileHistory: null, compareFrom: -1, focus: "tree" }, e.layer);
  const expand = (x: ExplorerState): ExplorerState => {
    let expansion = x.expansion;
    for (let p = paths.parent(node); p > ROOT; p = paths.parent(p))
      expansion = setExpanded(expansion, p, true);
    return { ...x, expansion };
  };
  next = expand(next);
  let t = treeOf(next);
  let row = t && node > ROOT ? t.indexOf(node) : -1;
  let reset = false;
  if (row < 0 && node > ROOT) {
    next = { ...next, filter: "", filterEditing: false, hide: SHOW_ALL, changesOnly: false };
    t = treeOf(next);
    row = t ? t.indexOf(node) : -1;
    reset = true;
  }
  // A path deleted with a directory above it shows as that directory's removal.
  let shown = node;
  for (let a = paths.parent(node); row < 0 && t && a > ROOT; a = paths.parent(a)) {
    row = t.indexOf(a);
    shown = a;
  }
  const where = `Layer ${e.layer}: ${paths.path(shown)}${shown !== node ? ` (holding ${v.history.path})` : ""}`;
  if (!t || row < 0) return { ...next, notice: `Layer ${e.layer}` };
  const moved = moveTreeTo(next, t, row, row - Math.floor(treeBodyHeight(next) / 2));
  return { ...moved, notice: `${reset ? "Filters cleared · " : ""}${where}` };
}

/** A command while the history overlay is open. */
export function fileHistoryCommand(s: ExplorerState, v: FileHistoryView, c: Command): ExplorerState {
  const total = v.history.events.length;
  const h = historyListHeight(s);
  const select = (i: number): ExplorerState => {
    const selected = clamp(i, 0, Math.max(0, total - 1));
    return { ...s, fileHistory: { ...v, selected, top: windowTop(v.top, selected, h, total) } };
  };
  const moved = listMove(c, v.selected, h, total);
  if (moved !== null) return select(moved);
  switch (c) {
    case Command.FileHistory:
    case Command.Clear:
      return { ...s, fileHistory: null };
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    case Command.ToggleDir:
    case Command.Expand:
      return jumpToEvent(s, v);
    case Command.ViewFile:
      return viewVersion(s, v);
    default:
      return s;
  }
}
