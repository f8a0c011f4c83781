/**
 * Two images compared in the explorer (`layerview IMAGE --compare OTHER`): the second image's load,
 * the comparison's view state (cursor, folds, sort, hidden kinds) and the commands on it. IMAGE is
 * A, OTHER is B, as in `layerview diff A B`: sizes are B − A. The filter is the explorer's own
 * (`ExplorerState.filter`), for whichever view is on screen.
 */
import { EntryType } from "../../model/layer-contents.js";
import { hasPackageDatabases } from "../../model/packages.js";
import { ROOT } from "../../model/path-table.js";
import type { CompareView } from "../compare/compare-tree.js";
import { Command } from "../keymap/keymap.js";
import { CompareSession } from "../session/compare-session.js";
import type { HideFlags } from "../tree/tree-query.js";
import { openPackageChanges, packageChangesCommand } from "./compare-packages.js";
import type { CompareState } from "./compare-types.js";
import { clamp, setExpanded, windowTop } from "./cursor.js";

export { type CompareState, initialCompare } from "./compare-types.js";

import type { ExplorerState, FileViewer } from "./explorer-state.js";
import { listMove } from "./list-move.js";
import type { ImageOutline, LoadEvent } from "./load-events.js";
import { computePaneLayout, type PaneLayout } from "./pane-layout.js";

/** The name an image goes by on screen: its reference, else what the user named. */
export function imageName(outline: ImageOutline | null, fallback: string): string {
  return outline?.reference ?? outline?.source ?? fallback;
}

export function nameA(s: ExplorerState): string {
  return imageName(s.outline, "IMAGE");
}

export function nameB(c: CompareState): string {
  return imageName(c.outline, c.source);
}

/** A load event of the second image. */
export function compareLoad(c: CompareState, e: LoadEvent): CompareState {
  switch (e.kind) {
    case "image": {
      const { kind: _, ...outline } = e;
      return { ...c, outline, progress: outline.layers.map(() => null) };
    }
    case "progress": {
      if (e.layer < 0) return c;
      const progress = c.progress.slice();
      while (progress.length <= e.layer) progress.push(null);
      const before = progress[e.layer];
      progress[e.layer] = {
        bytesRead: e.bytesRead,
        totalBytes: e.totalBytes,
        entries: e.entries,
        startedAt: before?.startedAt ?? e.at,
        at: e.at,
      };
      return { ...c, progress };
    }
    case "partial":
    case "pull":
      return c;
    case "ready":
      return { ...c, model: e.model };
    case "error":
      return { ...c, error: e.message };
    case "compare":
      return c;
  }
}

/**
 * Comparisons of images this small are finished on the key that makes them (well under 10 ms) —
 * unless one has package databases: working out its packages takes tens of milliseconds (idle time).
 */
const SMALL_PATHS = 20_000;

/** Once both images are read: their session (and, for small images, the comparison at once). */
export function withCompareSession(s: ExplorerState): ExplorerState {
  const c = s.compare;
  if (!c || c.session || !c.model || !s.model || s.layersRead !== null) return s;
  const session = new CompareSession(s.model, c.model, s.session ?? undefined);
  const small =
    s.model.paths.size + c.model.paths.size < SMALL_PATHS &&
    !hasPackageDatabases(s.model) &&
    !hasPackageDatabases(c.model);
  const comparison = small && session.prepare(Number.POSITIVE_INFINITY) ? session.comparison : null;
  return settleCompare({ ...s, compare: { ...c, session, comparison } });
}

/** The comparison finished in idle time. */
export function compareReady(s: ExplorerState, session: CompareSession): ExplorerState {
  const c = s.compare;
  if (!c || c.session !== session || c.comparison) return s;
  return settleCompare({ ...s, compare: { ...c, comparison: session.comparison } });
}

// ---- geometry -------------------------------------------------------------------------------

export type CompareLayerRow =
  | { kind: "image"; side: "a" | "b" }
  | { kind: "layer"; side: "a" | "b"; index: number; mark: "=" | "-" | "+" | " " };

/** The layers list: A's layers under A's name, then B's under B's, marked shared (=) or only in one (- / +). */
export function compareLayerRows(s: ExplorerState): CompareLayerRow[] {
  const c = s.compare;
  if (!c) return [];
  const match = c.comparison?.layers;
  const sharedA = new Set(match?.shared.map((l) => l.a));
  const sharedB = new Set(match?.shared.map((l) => l.b));
  const rows: CompareLayerRow[] = [{ kind: "image", side: "a" }];
  const countA = s.model?.layerCount ?? s.outline?.layers.length ?? 0;
  for (let i = 0; i < countA; i++)
    rows.push({ kind: "layer", side: "a", index: i, mark: !match ? " " : sharedA.has(i) ? "=" : "-" });
  rows.push({ kind: "image", side: "b" });
  const countB = c.model?.layerCount ?? c.outline?.layers.length ?? 0;
  for (let i = 0; i < countB; i++)
    rows.push({ kind: "layer", side: "b", index: i, mark: !match ? " " : sharedB.has(i) ? "=" : "+" });
  return rows;
}

export function compareLayoutOf(s: ExplorerState): PaneLayout {
  return computePaneLayout(s.columns, s.rows, compareLayerRows(s).length);
}

/** Tree pane rows: title, column header, the rows, and the info/filter line. */
export function compareTreeHeight(s: ExplorerState, layout = compareLayoutOf(s)): number {
  return Math.max(1, layout.tree.height - 3);
}

export function compareLayersHeight(s: ExplorerState, layout = compareLayoutOf(s)): number {
  return Math.max(1, layout.layers.height - 1);
}

/** The comparison's tree as the state asks for it, once the comparison is ready. */
export function compareViewOf(s: ExplorerState): CompareView | null {
  const c = s.compare;
  const tree = c?.comparison ? c.session?.tree : null;
  if (!c || !tree) return null;
  return tree.view({ hide: c.hide, filter: s.filter, sort: c.sort, expansion: c.expansion });
}

// ---- cursor ---------------------------------------------------------------------------------

function withCompare(s: ExplorerState, c: CompareState): ExplorerState {
  return { ...s, compare: c };
}

function moveTo(s: ExplorerState, v: CompareView, row: number, top = s.compare!.treeTop): ExplorerState {
  const c = s.compare!;
  const total = v.total;
  if (total === 0) return withCompare(s, { ...c, cursor: -1, cursorRow: 0, treeTop: 0 });
  const r = clamp(row, 0, total - 1);
  const treeTop = windowTop(top, r, compareTreeHeight(s), total);
  return withCompare(s, { ...c, cursor: v.rowAt(r), cursorRow: r, treeTop });
}

/** After the comparison's tree changed under the cursor: the same path, else its nearest shown ancestor, else the same row. */
export function settleCompare(s: ExplorerState): ExplorerState {
  const c = s.compare;
  const v = compareViewOf(s);
  if (!c || !v) return s;
  const paths = v.comparison.paths;
  let row = c.cursor > ROOT ? v.indexOf(c.cursor) : -1;
  for (let a = c.cursor > ROOT ? paths.parent(c.cursor) : ROOT; row < 0 && a > ROOT; a = paths.parent(a)) {
    row = v.indexOf(a);
  }
  return moveTo(s, v, row < 0 ? c.cursorRow : row);
}

function fold(s: ExplorerState, node: number, expanded: boolean): ExplorerState {
  const c = s.compare!;
  return settleCompare(withCompare(s, { ...c, expansion: setExpanded(c.expansion, node, expanded) }));
}

// ---- commands -------------------------------------------------------------------------------

function treeCommand(s: ExplorerState, c: CompareState, command: Command): ExplorerState {
  const v = compareViewOf(s);
  if (!v) return s;
  const h = compareTreeHeight(s);
  const row = c.cursor > ROOT ? Math.max(0, v.indexOf(c.cursor)) : c.cursorRow;
  const node = c.cursor;
  switch (command) {
    case Command.Up:
      return moveTo(s, v, row - 1);
    case Command.Down:
      return moveTo(s, v, row + 1);
    case Command.PageUp:
      return moveTo(s, v, row - h, c.treeTop - h);
    case Command.PageDown:
      return moveTo(s, v, row + h, c.treeTop + h);
    case Command.First:
      return moveTo(s, v, 0);
    case Command.Last:
      return moveTo(s, v, v.total - 1);
    case Command.Collapse: {
      if (node <= ROOT) return s;
      if (v.hasChildren(node) && v.isExpanded(node)) return fold(s, node, false);
      const parent = v.comparison.paths.parent(node);
      return parent <= ROOT ? s : moveTo(s, v, v.indexOf(parent));
    }
    case Command.Expand:
      if (node <= ROOT || !v.hasChildren(node)) return s;
      return v.isExpanded(node) ? moveTo(s, v, row + 1) : fold(s, node, true);
    case Command.ToggleDir:
      if (node <= ROOT || !v.hasChildren(node)) return s;
      return fold(s, node, !v.isExpanded(node));
    default:
      return s;
  }
}

function layersCommand(s: ExplorerState, c: CompareState, command: Command): ExplorerState {
  const total = compareLayerRows(s).length;
  const h = compareLayersHeight(s);
  const at = (row: number) => {
    const r = clamp(row, 0, Math.max(0, total - 1));
    const next = withCompare(s, { ...c, layerRow: r, layerTop: windowTop(c.layerTop, r, h, total) });
    return { ...next, notice: layerNotice(next, r) };
  };
  const moved = listMove(command, c.layerRow, h, total);
  if (moved !== null) return at(moved);
  switch (command) {
    case Command.Expand:
    case Command.ToggleDir:
      return withCompare(s, { ...c, focus: "tree" });
    default:
      return s;
  }
}

/** What the status line says about the layer under the cursor: its DiffID, and where the other image has it. */
function layerNotice(s: ExplorerState, row: number): string | null {
  const c = s.compare!;
  const r = compareLayerRows(s)[row];
  if (r?.kind !== "layer") return null;
  const model = r.side === "a" ? s.model : c.model;
  const diffId = model?.layers[r.index]?.diffId ?? null;
  const label = r.side === "a" ? "A" : "B";
  const shared = c.comparison?.layers.shared.find((l) => (r.side === "a" ? l.a : l.b) === r.index);
  const where = !c.comparison
    ? ""
    : shared
      ? ` · shared: layer ${r.side === "a" ? shared.b : shared.a} of ${r.side === "a" ? "B" : "A"}`
      : ` · only in ${label}`;
  return `${label} layer ${r.index} · DiffID ${diffId ?? "unknown"}${where}`;
}

/** The viewer on one side's version of the path under the cursor (B's, or A's when asked or when only A has it). */
function openSide(s: ExplorerState, c: CompareState, wantA: boolean): ExplorerState {
  const cmp = c.comparison;
  if (!cmp || c.focus !== "tree" || c.cursor <= ROOT) {
    return { ...s, notice: "Select a file in the comparison to view it" };
  }
  const u = c.cursor;
  const path = cmp.paths.path(u);
  const inA = cmp.nodeA[u]! >= 0;
  const inB = cmp.nodeB[u]! >= 0;
  const sideA = wantA || !inB;
  if (wantA && !inA) return { ...s, notice: `${path} is not in image A (${nameA(s)}); v views B's` };
  const model = sideA ? cmp.a : cmp.b;
  const node = sideA ? cmp.nodeA[u]! : cmp.nodeB[u]!;
  const type = model.stack.type(model.stack.top(node));
  if (type === EntryType.Dir) return { ...s, notice: `${path} is a directory: press Enter to fold it` };
  if (type !== EntryType.File && type !== EntryType.Symlink && type !== EntryType.Hardlink)
    return { ...s, notice: `${path} is not a regular file` };
  const request = s.viewerRequests + 1;
  const layer = model.layerCount - 1;
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
    image: sideA ? "main" : "compare",
    label: `image ${sideA ? "A" : "B"} (${sideA ? nameA(s) : nameB(c)})`,
  };
  return { ...s, viewer, viewerRequests: request };
}

/** Keys while the comparison is on screen (help, the viewer and the filter prompt come first, as elsewhere). */
export function compareCommand(s: ExplorerState, command: Command): ExplorerState {
  const c = s.compare!;
  const set = (next: Partial<CompareState>) => settleCompare(withCompare(s, { ...c, ...next }));
  const hide = (key: keyof HideFlags) => set({ hide: { ...c.hide, [key]: !c.hide[key] } });
  if (c.packagesTop !== null) return packageChangesCommand(s, c, command);
  switch (command) {
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    case Command.ToggleCompare:
      return {
        ...s,
        compare: { ...c, shown: false },
        notice: `Exploring ${nameA(s)} alone · d compares again`,
      };
    case Command.NextPane:
      return withCompare(s, { ...c, focus: c.focus === "tree" ? "layers" : "tree" });
    case Command.Filter:
      return { ...s, filterEditing: true, compare: { ...c, focus: "tree" } };
    case Command.Clear:
      return s.filter === "" && !s.filterEditing
        ? s
        : settleCompare({ ...s, filter: "", filterEditing: false });
    case Command.ToggleSort:
      return set({ sort: c.sort === "name" ? "delta" : "name" });
    case Command.HideAdded:
      return hide("added");
    case Command.HideRemoved:
      return hide("removed");
    case Command.HideModified:
      return hide("modified");
    case Command.HideUnmodified:
      return hide("unmodified");
    case Command.CollapseAll:
      return set({ expansion: { defaultExpanded: false, toggled: new Set() } });
    case Command.ExpandAll:
      return set({ expansion: { defaultExpanded: true, toggled: new Set() } });
    case Command.Packages:
      return openPackageChanges(s, c);
    case Command.ViewFile:
      return openSide(s, c, false);
    case Command.ViewFileA:
      return openSide(s, c, true);
    case Command.Up:
    case Command.Down:
    case Command.PageUp:
    case Command.PageDown:
    case Command.First:
    case Command.Last:
    case Command.Collapse:
    case Command.Expand:
    case Command.ToggleDir:
      return c.focus === "tree" ? treeCommand(s, c, command) : layersCommand(s, c, command);
    default:
      return { ...s, notice: `That key works on one image: press d to explore ${nameA(s)} alone` };
  }
}
