/**
 * The comparison of two images (model/compare.ts) as a file tree on screen: which merged paths are
 * shown (hidden kinds, filter), how many rows each directory takes under an expansion, and any
 * window of rows — without building the rows. Counts are one pass over the merged paths per view;
 * folding a directory redoes only the row counts.
 */
import { byDelta, type ImageComparison, Presence } from "../../model/compare.js";
import { ROOT, sortedChildrenOf } from "../../model/path-table.js";
import type { PathFilter } from "../tree/path-filter.js";
import type { Expansion, HideFlags, VisibleRow } from "../tree/tree-query.js";

/** How a merged path shows: only in B, only in A, in both but different, or the same. */
export const CompareStatus = { Same: 0, Added: 1, Removed: 2, Changed: 3 } as const;
export type CompareStatus = (typeof CompareStatus)[keyof typeof CompareStatus];

export type CompareSort = "name" | "delta";

export interface CompareQuery {
  hide: HideFlags;
  filter: string;
  sort: CompareSort;
  expansion: Expansion;
}

export function compareStatusOf(c: ImageComparison, u: number): CompareStatus {
  const p = c.presence[u]!;
  if (p === Presence.B) return CompareStatus.Added;
  if (p === Presence.A) return CompareStatus.Removed;
  return c.code[u] !== 0 ? CompareStatus.Changed : CompareStatus.Same;
}

interface Frame {
  list: Int32Array;
  pos: number;
  next: number;
}

/** The comparison's tree views: children orders and the counts of the view asked for last. */
export class CompareTree {
  private byName: { start: Int32Array; list: Int32Array } | null = null;
  private readonly deltaOrder = new Map<number, Int32Array>();
  private incFor: { hide: HideFlags; filter: string; inc: Uint8Array } | null = null;
  private belowFor: { inc: Uint8Array; expansion: Expansion; below: Int32Array } | null = null;

  constructor(
    readonly comparison: ImageComparison,
    private readonly filters: PathFilter,
  ) {}

  /** Children of a merged directory, in the query's order. */
  children(dir: number, sort: CompareSort): Int32Array {
    this.byName ??= sortedChildrenOf(this.comparison.paths);
    const { start, list } = this.byName;
    const names = list.subarray(start[dir]!, start[dir + 1]!);
    if (sort === "name") return names;
    let d = this.deltaOrder.get(dir);
    if (!d) {
      d = byDelta(this.comparison, names);
      this.deltaOrder.set(dir, d);
    }
    return d;
  }

  /** The view of a query: rows and lookups. */
  view(q: CompareQuery): CompareView {
    return new CompareView(this, q, this.included(q), this.rowsBelow(q));
  }

  /** 1 for a shown path: its kind is not hidden and it matches the filter, or something under it is shown. */
  private included(q: CompareQuery): Uint8Array {
    const hit = this.incFor;
    if (hit && sameHide(hit.hide, q.hide) && hit.filter === q.filter) return hit.inc;
    const c = this.comparison;
    const n = c.paths.size;
    const mask = this.filters.mask(q.filter);
    // Which statuses are shown, by CompareStatus.
    const allowed = [!q.hide.unmodified, !q.hide.added, !q.hide.removed, !q.hide.modified];
    const { presence, code } = c;
    const parents = c.paths.columns().parents;
    const inc = new Uint8Array(n);
    // Children have larger ids than their parents: one pass from the end carries "something shown below" up.
    for (let u = n - 1; u > ROOT; u--) {
      if (inc[u] === 0 && (mask === null || mask[u] === 1)) {
        const p = presence[u]!;
        const st = p === Presence.B ? 1 : p === Presence.A ? 2 : code[u] !== 0 ? 3 : 0;
        if (allowed[st]) inc[u] = 1;
      }
      if (inc[u] === 1) inc[parents[u]!] = 1;
    }
    this.incFor = { hide: q.hide, filter: q.filter, inc };
    return inc;
  }

  /**
   * Rows each shown directory takes below itself when expanded: one pass for a new view; folding
   * a few directories from the last view changes only their ancestors' counts.
   */
  private rowsBelow(q: CompareQuery): Int32Array {
    const inc = this.included(q);
    const hit = this.belowFor;
    if (hit && hit.inc === inc && hit.expansion === q.expansion) return hit.below;
    const paths = this.comparison.paths;
    const e = q.expansion;
    if (hit && hit.inc === inc && hit.expansion.defaultExpanded === e.defaultExpanded) {
      const flips: number[] = [];
      for (const t of e.toggled) if (!hit.expansion.toggled.has(t)) flips.push(t);
      for (const t of hit.expansion.toggled) if (!e.toggled.has(t)) flips.push(t);
      if (flips.length <= MAX_FLIPS) {
        const below = hit.below.slice();
        const now = new Set(hit.expansion.toggled);
        const open = (u: number) => e.defaultExpanded !== now.has(u);
        for (const x of flips) {
          const was = open(x);
          if (now.has(x)) now.delete(x);
          else now.add(x);
          if (x <= ROOT || x >= inc.length || inc[x] === 0) continue;
          // x's own rows go from 1 (+ below when open) to the other; every open ancestor passes it on.
          const delta = was ? -below[x]! : below[x]!;
          for (let p = paths.parent(x); p >= ROOT; p = paths.parent(p)) {
            below[p]! += delta;
            if (p === ROOT || !open(p)) break;
          }
        }
        this.belowFor = { inc, expansion: e, below };
        return below;
      }
    }
    const n = paths.size;
    const parents = paths.columns().parents;
    const flip = new Uint8Array(n);
    for (const t of e.toggled) if (t >= 0 && t < n) flip[t] = 1;
    const open = e.defaultExpanded ? 1 : 0;
    const below = new Int32Array(n);
    for (let u = n - 1; u > ROOT; u--) {
      if (inc[u] === 0) continue;
      const rows = (open ^ flip[u]!) === 1 ? 1 + below[u]! : 1;
      below[parents[u]!]! += rows;
    }
    this.belowFor = { inc, expansion: e, below };
    return below;
  }

  /** The children orders by name, made once (a sort of every directory's names). */
  prepareOrder(): void {
    this.byName ??= sortedChildrenOf(this.comparison.paths);
  }
}

/** Folds since the last view worth an update of their ancestors rather than a pass over every path. */
const MAX_FLIPS = 256;

function sameHide(x: HideFlags, y: HideFlags): boolean {
  return (
    x.added === y.added &&
    x.removed === y.removed &&
    x.modified === y.modified &&
    x.unmodified === y.unmodified
  );
}

/** One view of the comparison's tree (a query's counts): rows, and where a path is. */
export class CompareView {
  constructor(
    private readonly tree: CompareTree,
    readonly query: CompareQuery,
    private readonly inc: Uint8Array,
    private readonly below: Int32Array,
  ) {}

  get comparison(): ImageComparison {
    return this.tree.comparison;
  }

  /** Rows in the tree. */
  get total(): number {
    return this.below[ROOT]!;
  }

  isIncluded(u: number): boolean {
    return u > ROOT && u < this.inc.length && this.inc[u] === 1;
  }

  isExpanded(u: number): boolean {
    const e = this.query.expansion;
    return e.defaultExpanded !== e.toggled.has(u);
  }

  hasChildren(u: number): boolean {
    return this.below[u]! > 0;
  }

  private rowsOf(u: number): number {
    return this.isExpanded(u) ? 1 + this.below[u]! : 1;
  }

  private children(dir: number): Int32Array {
    return this.tree.children(dir, this.query.sort);
  }

  /** The path on row `index`, or -1. */
  rowAt(index: number): number {
    if (index < 0 || index >= this.total) return -1;
    let k = index;
    let dir = ROOT;
    for (;;) {
      const list = this.children(dir);
      let found = -1;
      for (let i = 0; i < list.length; i++) {
        const child = list[i]!;
        if (this.inc[child] === 0) continue;
        const r = this.rowsOf(child);
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

  /** The row of a path, or -1 when it is not shown or sits under a folded directory. */
  indexOf(u: number): number {
    if (!this.isIncluded(u)) return -1;
    const paths = this.comparison.paths;
    const chain: number[] = [];
    for (let x = u; x !== ROOT; x = paths.parent(x)) chain.push(x);
    let index = 0;
    for (let d = chain.length - 1; d >= 0; d--) {
      const x = chain[d]!;
      if (d > 0 && !this.isExpanded(x)) return -1;
      const list = this.children(paths.parent(x));
      for (let i = 0; i < list.length; i++) {
        const sib = list[i]!;
        if (sib === x) break;
        if (this.inc[sib] !== 0) index += this.rowsOf(sib);
      }
      if (d > 0) index += 1;
    }
    return index;
  }

  /** Up to `count` rows from row `start`, with their tree guides. */
  rows(start: number, count: number): VisibleRow[] {
    const out: VisibleRow[] = [];
    if (count <= 0 || start < 0 || start >= this.total) return out;
    const inc = this.inc;
    const frames: Frame[] = [];
    let k = start;
    let dir = ROOT;
    for (;;) {
      const list = this.children(dir);
      let pos = -1;
      for (let i = 0; i < list.length; i++) {
        const child = list[i]!;
        if (inc[child] === 0) continue;
        const r = this.rowsOf(child);
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
          if (inc[f.list[i]!] !== 0) {
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
      const hasChildren = this.below[node]! > 0;
      const expanded = this.isExpanded(node);
      let guide = "";
      for (let d = 0; d < frames.length - 1; d++) guide += nextOf(frames[d]!) >= 0 ? "│  " : "   ";
      const last = nextOf(top) < 0;
      guide += hasChildren && !expanded ? (last ? "└⊕ " : "├⊕ ") : last ? "└─ " : "├─ ";
      out.push({ node, index, depth: frames.length - 1, hasChildren, expanded, guide });
      index++;
      if (hasChildren && expanded) {
        const list = this.children(node);
        const pos = list.findIndex((x) => inc[x] !== 0);
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
}
