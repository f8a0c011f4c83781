/**
 * The file tree as rows on screen, without ever building the rows: for each node, whether it is
 * shown (`inc`) and how many rows its shown descendants take (`below`; a node takes 1 + below
 * when expanded, else 1). Any row is then found by walking down from the root skipping whole
 * subtrees, and a window of rows is produced by a depth-first walk from there — work proportional
 * to depth × siblings and to the window, never to the tree.
 * The counts are a view's (view-counts.ts), kept by the session's view cache (view-cache.ts).
 */
import { ROOT } from "../../model/path-table.js";
import type { LayerTree } from "./layer-tree.js";
import type { TreeQuery, VisibleRow } from "./tree-query.js";
import type { ViewCounts } from "./view-counts.js";

export type { Expansion, HideFlags, SortOrder, TreeQuery, VisibleRow } from "./tree-query.js";
export { SHOW_ALL } from "./tree-query.js";

interface Frame {
  list: Int32Array;
  pos: number;
  /** Position of the next shown sibling; -2 until looked for, -1 when there is none. */
  next: number;
}

/** A view of the counts in one sort order and expansion; cheap to make. */
/** Where a view gets counts again when its own were given back to the pool (the session's ViewCache). */
export interface CountsSource {
  countsOf(q: TreeQuery): ViewCounts;
}

export class VisibleTree {
  constructor(
    private counts: ViewCounts,
    readonly query: TreeQuery,
    private readonly views: CountsSource,
  ) {}

  get layerTree(): LayerTree {
    return this.counts.tree;
  }

  private sync(): ViewCounts {
    // Counts evicted from the cache gave their arrays back: this view gets them again.
    if (this.counts.released) this.counts = this.views.countsOf(this.query);
    // The layer's arrays are shared with the image's other layers: bring them back to this one.
    this.counts.tree.ensure();
    this.counts.follow(this.query.expansion.toggled);
    return this.counts;
  }

  /** Rows in the tree. */
  get total(): number {
    return this.sync().below[ROOT]!;
  }

  /** Whether the node is shown (it may still sit under a collapsed directory). */
  isIncluded(node: number): boolean {
    const c = this.sync();
    return node >= 0 && node < c.inc.length && c.inc[node] !== 0;
  }

  isExpanded(node: number): boolean {
    return this.sync().expanded(node);
  }

  hasChildren(node: number): boolean {
    return this.sync().below[node]! > 0;
  }

  children(dir: number): Int32Array {
    if (this.query.sort === "size") return this.counts.tree.childrenBySize(dir);
    const { start, list } = this.counts.model.sortedChildren();
    return list.subarray(start[dir]!, start[dir + 1]!);
  }

  /** The node on row `index`, or -1. */
  rowAt(index: number): number {
    const c = this.sync();
    if (index < 0 || index >= c.below[ROOT]!) return -1;
    let k = index;
    let dir = ROOT;
    for (;;) {
      const list = this.children(dir);
      let found = -1;
      for (let i = 0; i < list.length; i++) {
        const child = list[i]!;
        if (c.inc[child] === 0) continue;
        const r = c.rc(child);
        if (k < r) {
          found = child;
          break;
        }
        k -= r;
      }
      if (found < 0) return -1;
      if (k === 0) return found;
      k -= 1;
      dir = found;
    }
  }

  /** The row of `node`, or -1 when it is not shown or sits under a collapsed directory. */
  indexOf(node: number): number {
    const c = this.sync();
    if (node <= ROOT || node >= c.inc.length || c.inc[node] === 0) return -1;
    const paths = this.counts.model.paths;
    const chain: number[] = [];
    for (let x = node; x !== ROOT; x = paths.parent(x)) chain.push(x);
    let index = 0;
    for (let d = chain.length - 1; d >= 0; d--) {
      const x = chain[d]!;
      if (d > 0 && !c.expanded(x)) return -1;
      const list = this.children(paths.parent(x));
      for (let i = 0; i < list.length; i++) {
        const sib = list[i]!;
        if (sib === x) break;
        if (c.inc[sib] !== 0) index += c.rc(sib);
      }
      if (d > 0) index += 1;
    }
    return index;
  }

  /** Up to `count` rows from row `start`. */
  rows(start: number, count: number): VisibleRow[] {
    const c = this.sync();
    const out: VisibleRow[] = [];
    if (count <= 0 || start < 0 || start >= c.below[ROOT]!) return out;
    // Walk down to the first row, keeping the sibling position at every level.
    const frames: Frame[] = [];
    let k = start;
    let dir = ROOT;
    for (;;) {
      const list = this.children(dir);
      let pos = -1;
      for (let i = 0; i < list.length; i++) {
        const child = list[i]!;
        if (c.inc[child] === 0) continue;
        const r = c.rc(child);
        if (k < r) {
          pos = i;
          break;
        }
        k -= r;
      }
      if (pos < 0) return out;
      frames.push({ list, pos, next: -2 });
      if (k === 0) break;
      k -= 1;
      dir = list[pos]!;
    }
    const nextOf = (f: Frame): number => {
      if (f.next === -2) {
        f.next = -1;
        for (let i = f.pos + 1; i < f.list.length; i++) {
          if (c.inc[f.list[i]!] !== 0) {
            f.next = i;
            break;
          }
        }
      }
      return f.next;
    };
    let index = start;
    while (out.length < count && frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const node = top.list[top.pos]!;
      const hasChildren = c.below[node]! > 0;
      const expanded = c.expanded(node);
      let guide = "";
      for (let d = 0; d < frames.length - 1; d++) guide += nextOf(frames[d]!) >= 0 ? "│  " : "   ";
      const last = nextOf(top) < 0;
      guide += hasChildren && !expanded ? (last ? "└⊕ " : "├⊕ ") : last ? "└─ " : "├─ ";
      out.push({ node, index, depth: frames.length - 1, hasChildren, expanded, guide });
      index++;
      if (hasChildren && expanded) {
        const list = this.children(node);
        let pos = -1;
        for (let i = 0; i < list.length; i++) {
          if (c.inc[list[i]!] !== 0) {
            pos = i;
            break;
          }
        }
        if (pos >= 0) {
          frames.push({ list, pos, next: -2 });
          continue;
        }
      }
      while (frames.length > 0) {
        const f = frames[frames.length - 1]!;
        const nx = nextOf(f);
        if (nx >= 0) {
          f.pos = nx;
          f.next = -2;
          break;
        }
        frames.pop();
      }
    }
    return out;
  }

  /** Whether the node's path (or an ancestor's) matches the filter; true without a filter. */
  matches(node: number): boolean {
    const m = this.counts.match;
    return m === null || m[node] === 1;
  }

  /** Shown paths that match the filter themselves (not only through a directory that does). */
  matchCount(): number {
    return this.sync().matchCount();
  }

  /** Whether the node's own path matches the filter (false without a filter). */
  isOwnMatch(node: number): boolean {
    const own = this.sync().ownMatches();
    return own !== null && own[node] === 1;
  }

  /**
   * The next (`step` 1) or previous (-1) shown path whose own path matches the filter, after node
   * `from` (ROOT: from the top, or from the bottom going back) in the tree's order as if every
   * directory were expanded — matches inside collapsed directories count — wrapping around; null
   * when nothing matches. Walks the shown nodes, each at most once.
   */
  nextMatch(from: number, step: 1 | -1): { node: number; wrapped: boolean } | null {
    const c = this.sync();
    const own = c.ownMatches();
    if (own === null || c.matchCount() === 0) return null;
    const paths = this.counts.model.paths;
    const inc = c.inc;
    /** The first shown entry of `list` from `i` on in direction `d`, or -1. */
    const shownFrom = (list: Int32Array, i: number, d: 1 | -1) => {
      for (let k = i; k >= 0 && k < list.length; k += d) if (inc[list[k]!] !== 0) return k;
      return -1;
    };
    // The path from the root to the current node: each level's sibling list and position.
    const frames: { list: Int32Array; pos: number }[] = [];
    if (from > ROOT && from < inc.length && inc[from] !== 0) {
      const chain: number[] = [];
      for (let x = from; x !== ROOT; x = paths.parent(x)) chain.push(x);
      for (let d = chain.length - 1; d >= 0; d--) {
        const list = this.children(paths.parent(chain[d]!));
        frames.push({ list, pos: list.indexOf(chain[d]!) });
      }
    }
    const current = () => {
      const f = frames.at(-1);
      return f === undefined ? ROOT : f.list[f.pos]!;
    };
    /** Down to the last shown descendant of the current node. */
    const deepestLast = () => {
      for (;;) {
        const kids = this.children(current());
        const k = shownFrom(kids, kids.length - 1, -1);
        if (k < 0) return;
        frames.push({ list: kids, pos: k });
      }
    };
    /** One node on in pre-order; false when the walk ran off the end (the frames are then empty). */
    const forward = () => {
      const kids = this.children(current());
      const k = shownFrom(kids, 0, 1);
      if (k >= 0) {
        frames.push({ list: kids, pos: k });
        return true;
      }
      while (frames.length > 0) {
        const f = frames[frames.length - 1]!;
        const next = shownFrom(f.list, f.pos + 1, 1);
        if (next >= 0) {
          f.pos = next;
          return true;
        }
        frames.pop();
      }
      return false;
    };
    /** One node back in pre-order; false when the walk ran off the start (the frames are then empty). */
    const backward = () => {
      if (frames.length === 0) {
        deepestLast();
        return frames.length > 0;
      }
      const f = frames[frames.length - 1]!;
      const prev = shownFrom(f.list, f.pos - 1, -1);
      if (prev >= 0) {
        f.pos = prev;
        deepestLast();
        return true;
      }
      frames.pop();
      return frames.length > 0;
    };
    let wrapped = false;
    // Every shown node once, plus the start again when it is the only match.
    for (let left = inc.length + 1; left > 0; left--) {
      if (!(step === 1 ? forward() : backward())) {
        // Off one end: round to the other, once (from ROOT the walk began at an end already).
        if (from <= ROOT || wrapped) return null;
        wrapped = true;
        if (!(step === 1 ? forward() : backward())) return null;
      }
      const node = current();
      if (own[node] === 1) return { node, wrapped };
    }
    return null;
  }

  /** Shown files, largest first. */
  largestFiles(limit = 100): Int32Array {
    return this.sync().largestFiles(limit);
  }
}
