/** Sizes and derived views of the explorer state: pane rects and bodies, the layer rows, the shown tree. */

import { regexFilter } from "../tree/path-filter.js";
import type { TreeQuery, VisibleTree } from "../tree/visible-tree.js";
import { hexLineCount } from "../viewer/file-view.js";
import type { ExplorerState, FileViewer } from "./explorer-state.js";
import { type LayerListRow, layerListRows } from "./layer-list.js";
import { computePaneLayout, type PaneLayout } from "./pane-layout.js";

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

/** The layer's summary, once the layer is read (a partly read image's later layers are not). */
export function readLayerSummary(s: ExplorerState, layer: number) {
  return s.layersRead !== null && layer >= s.layersRead ? undefined : s.model?.layers[layer];
}

export function layerCount(s: ExplorerState): number {
  return s.model?.layerCount ?? s.outline?.layers.length ?? 0;
}

export function treeQueryOf(s: ExplorerState): TreeQuery {
  return {
    layer: s.layer,
    changesOnly: s.changesOnly,
    hide: s.hide,
    filter: filterOf(s),
    only: s.packageFilter && {
      key: `package ${s.packageFilter.layer} ${s.packageFilter.key}`,
      mask: s.packageFilter.mask,
    },
    sort: s.sort,
    expansion: s.expansion,
  };
}

/** The filter as the tree is asked for it: the typed text, marked as a regex in regex mode. */
export function filterOf(s: ExplorerState): string {
  return s.filterRegex ? regexFilter(s.filter) : s.filter;
}

/** The shown tree, once the model is ready and a layer is selected. */
export function treeOf(s: ExplorerState): VisibleTree | null {
  if (!s.session || s.layer < 0 || s.layer >= s.session.model.layerCount) return null;
  return s.session.views.visibleTree(treeQueryOf(s));
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
