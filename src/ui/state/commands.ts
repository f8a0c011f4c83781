/**
 * Commands (keymap.ts) applied to the explorer state: overlays first (help, viewer, advice), then
 * the range view, then the focused pane.
 */
import type { ImageModel } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { ROOT } from "../../model/path-table.js";
import { Command, keysLabel } from "../keymap/keymap.js";
import { formatBytes } from "../render/format.js";
import { SHOW_ALL } from "../tree/visible-tree.js";
import { compareCommand, settleCompare } from "./compare-state.js";
import {
  clamp,
  moveTreeTo,
  selectLayer,
  setExpanded,
  settleLayers,
  settleTree,
  toggleDir,
  windowTop,
} from "./cursor.js";
import type { AdviceView, ExplorerState, FileViewer } from "./explorer-state.js";
import { fileHistoryCommand, openFileHistory } from "./file-history-view.js";
import {
  adviceListHeight,
  attributesShown,
  comparing,
  diffBodyHeight,
  layerCount,
  layersBodyHeight,
  treeBodyHeight,
  treeOf,
  viewerBodyHeight,
  viewerLineCount,
} from "./geometry.js";
import { listMove } from "./list-move.js";
import { openPackages, packagesCommand } from "./packages-view.js";

/** What a key may spend on the advisor: one short slice; idle time does the rest (the overlay waits). */
const ADVICE_KEY_WORK_MS = 8;

/** The findings, if the advisor's job finishes within one short slice now (small images do). */
function withFindings(s: ExplorerState): ExplorerState {
  const jobs = s.session?.analysis;
  if (s.findings !== null || !jobs || !jobs.prepareAdvice(ADVICE_KEY_WORK_MS)) return s;
  return { ...s, findings: jobs.adviceIfReady() };
}

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
  const findings = s.findings ?? [];
  const h = adviceListHeight(s);
  const select = (i: number): ExplorerState => {
    const selected = clamp(i, 0, Math.max(0, findings.length - 1));
    return { ...s, advice: { selected, top: windowTop(a.top, selected, h, findings.length) } };
  };
  const moved = listMove(c, a.selected, h, findings.length);
  if (moved !== null) return select(moved);
  switch (c) {
    case Command.Advice:
    case Command.Clear:
      return { ...s, advice: null };
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
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
  const f = s.findings?.[index];
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
  if (s.compareFrom >= 0)
    return { ...s, compareFrom: -1, diffTop: 0, diffRow: 0, notice: "Compare mark cleared" };
  if (!s.model || s.layer < 0) return { ...s, notice: "The image is still being read" };
  return {
    ...s,
    compareFrom: s.layer,
    diffTop: 0,
    diffRow: 0,
    notice: `Comparing from layer ${s.layer}: select another layer to see what changed (Esc clears)`,
  };
}

function diffCommand(s: ExplorerState, c: Command): ExplorerState | null {
  if (!comparing(s) || s.focus !== "tree") return null;
  const total = s.rangeDiff?.nodes.length ?? 0;
  const h = diffBodyHeight(s);
  if (c === Command.ToggleDir || c === Command.Expand) return showDiffPath(s);
  const last = Math.max(0, total - 1);
  const row = (() => {
    switch (c) {
      case Command.Up:
        return s.diffRow - 1;
      case Command.Down:
        return s.diffRow + 1;
      case Command.PageUp:
        return s.diffRow - h;
      case Command.PageDown:
        return s.diffRow + h;
      case Command.First:
        return 0;
      case Command.Last:
        return last;
      default:
        return null;
    }
  })();
  if (row === null) return null;
  const diffRow = clamp(row, 0, last);
  return { ...s, diffRow, diffTop: windowTop(s.diffTop, diffRow, h, total) };
}

/** Enter on a path of the range diff: the tree as of the selected layer, on that path. */
function showDiffPath(s: ExplorerState): ExplorerState {
  const node = s.rangeDiff?.nodes[s.diffRow];
  if (!s.model || node === undefined) return s;
  return revealNode({ ...s, compareFrom: -1, diffTop: 0, diffRow: 0 }, node, `Layer ${s.layer}`);
}

/**
 * Put the tree's cursor on `node` as of the selected layer: its directories expanded, and the
 * filters and hidden kinds reset when they hide it. A removed path is shown where it was removed.
 */
function revealNode(s: ExplorerState, node: number, what: string): ExplorerState {
  const model = s.model!;
  let next: ExplorerState = { ...s, focus: "tree" };
  let expansion = next.expansion;
  for (let p = model.paths.parent(node); p > ROOT; p = model.paths.parent(p))
    expansion = setExpanded(expansion, p, true);
  next = { ...next, expansion };
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
  if (!t || row < 0) return { ...next, notice: `${path} is not in the tree of layer ${s.layer}` };
  const moved = moveTreeTo(next, t, row, row - Math.floor(treeBodyHeight(next) / 2));
  return { ...moved, notice: `${reset ? "Filters cleared · " : ""}${what}: ${path}` };
}

/**
 * n / N: the next or previous path that matches the filter itself, in tree order; one inside a
 * collapsed directory is shown by expanding its directories (as vim's search opens folds).
 */
function jumpMatch(s: ExplorerState, step: 1 | -1): ExplorerState {
  if (s.filter === "")
    return { ...s, notice: `No filter: ${keysLabel(Command.Filter, s.keymap).split(", ")[0]} starts one` };
  const t = treeOf(s);
  if (!t || !s.model) return s;
  const found = t.nextMatch(s.cursor > ROOT && t.isIncluded(s.cursor) ? s.cursor : ROOT, step);
  if (found === null) return { ...s, notice: "No path matches the filter" };
  let expansion = s.expansion;
  for (let p = s.model.paths.parent(found.node); p > ROOT; p = s.model.paths.parent(p))
    expansion = setExpanded(expansion, p, true);
  const next: ExplorerState = { ...s, expansion, focus: "tree" };
  const shown = expansion === s.expansion ? t : treeOf(next)!;
  const moved = moveTreeTo(next, shown, shown.indexOf(found.node));
  const count = shown.matchCount();
  return {
    ...moved,
    notice: `${count} match${count === 1 ? "" : "es"}${found.wrapped ? " · wrapped around" : ""}`,
  };
}

/** y / Y: the path under the cursor, or the selected layer's digest or instruction, to the clipboard. */
function copy(s: ExplorerState, what: "path" | "instruction"): ExplorerState {
  let text: string | null = null;
  let label = "";
  const layer = s.layer;
  if (s.viewer) {
    text = s.viewer.path;
    label = "path";
  } else if (what === "instruction" || s.focus === "layers") {
    const l = s.outline?.layers[layer];
    if (what === "instruction") {
      text = s.model?.layers[layer]?.command ?? l?.command ?? null;
      label = `layer ${layer}'s instruction`;
    } else {
      text = l?.digest ?? null;
      label = `layer ${layer}'s digest`;
    }
  } else if (comparing(s)) {
    const node = s.rangeDiff?.nodes[s.diffRow];
    if (node !== undefined && s.model) text = s.model.paths.path(node);
    label = "path";
  } else if (s.model && s.cursor > ROOT) {
    text = s.model.paths.path(s.cursor);
    label = "path";
  }
  if (text === null || text === "") return { ...s, notice: "Nothing to copy here" };
  const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  return {
    ...s,
    copy: { seq: (s.copy?.seq ?? 0) + 1, text },
    notice: `Copied ${label} (OSC 52): ${shown.replace(/\s+/g, " ")}`,
  };
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

/** A command applied to the state it arrives in (overlays first, then the focused pane). */
export function command(state: ExplorerState, c: Command): ExplorerState {
  const s = state.notice === null ? state : { ...state, notice: null };
  if (c === Command.Suspend) return { ...s, suspends: s.suspends + 1 };
  if (c === Command.Copy || c === Command.CopyInstruction) {
    return copy(s, c === Command.Copy ? "path" : "instruction");
  }
  if (s.help) return helpCommand(s, c);
  if (s.viewer) return viewerCommand(s, s.viewer, c);
  if (s.fileHistory) return fileHistoryCommand(s, s.fileHistory, c);
  if (s.advice) return adviceCommand(s, s.advice, c);
  if (s.packages) return packagesCommand(s, s.packages, c);
  if (s.compare?.shown) return compareCommand(s, c);
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
    case Command.FilterMode: {
      const regex = !s.filterRegex;
      const next = settleTree({ ...s, filterRegex: regex }, "first-match");
      return { ...next, notice: regex ? "Filter: a regular expression" : "Filter: a substring, or a glob" };
    }
    case Command.NextMatch:
      return jumpMatch(s, 1);
    case Command.PrevMatch:
      return jumpMatch(s, -1);
    case Command.Clear:
      if (s.packageFilter !== null && !s.filterEditing) return settleTree({ ...s, packageFilter: null });
      if (s.filter === "" && !s.filterEditing) {
        return s.compareFrom >= 0 ? { ...s, compareFrom: -1, diffTop: 0, diffRow: 0 } : s;
      }
      return settleTree({ ...s, filter: "", filterEditing: false });
    case Command.Advice:
      if (!s.session || s.layersRead !== null)
        return { ...s, notice: "The advice is ready once the image is read" };
      return { ...withFindings(s), advice: { selected: 0, top: 0 } };
    case Command.Packages:
      return openPackages(s);
    case Command.ViewFile:
      return openViewer(s);
    case Command.FileHistory:
      return openFileHistory(s);
    case Command.CompareMark:
      if (s.layersRead !== null) return { ...s, notice: "Layers can be compared once the image is read" };
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
    case Command.ToggleCompare:
      if (!s.compare) return { ...s, notice: "To compare two images: layerview IMAGE --compare OTHER" };
      return settleCompare({ ...s, compare: { ...s.compare, shown: true } });
    case Command.ViewFileA:
      return { ...s, notice: "V views image A's version when two images are compared (--compare)" };
    default:
      return keepRank(s.focus === "tree" ? treeCommand(s, c) : layersCommand(s, c));
  }
}
