/**
 * Counts of one view of a layer: for each node whether it is shown (`inc`) and how many rows its
 * shown descendants take (`below`). Expanding or collapsing one directory patches the counts along
 * its ancestors; the default view borrows the layer's own counts; typing more of a filter recounts
 * only what the shorter filter showed; anything else recounts in one reverse pass over node ids.
 */
import type { ImageModel } from "../../model/image-model.js";
import { NodeStatus } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { ROOT } from "../../model/path-table.js";
import type { ArrayPool } from "./array-pool.js";
import {
  countExpanded,
  countRows,
  listUnmatched,
  markAllByClass,
  markAllByStatus,
  markCandidatesByClass,
  markCandidatesByStatus,
  showByClass,
  showByClassMatching,
  showByStatus,
  showByStatusMatching,
  subtractRows,
  withAncestors,
} from "./count-kernels.js";
import type { LayerTree } from "./layer-tree.js";
import { matchesByName, type PathFilter } from "./path-filter.js";
import { largestLeaves } from "./top-k.js";
import type { TreeQuery } from "./tree-query.js";

/** What views of one image share: its model, its array pool and its filter index (all its session's). */
export interface ViewDeps {
  readonly model: ImageModel;
  readonly pool: ArrayPool;
  readonly filter: PathFilter;
}

const EMPTY: ReadonlySet<number> = new Set();

/**
 * Counts for one (layer, view, hidden kinds, filter, default expansion); follows toggles in place.
 * A node's rows are `1 + below[n]` when it is expanded, else 1. The default view (everything
 * shown, all expanded) borrows the layer's own arrays and copies them only when a directory is
 * first collapsed.
 */
export class ViewCounts {
  readonly model: ImageModel;
  /** Non-zero where the node is shown (for the default view: the layer's class array). */
  readonly inc: Uint8Array;
  below: Int32Array;
  /** null: every directory expanded. */
  exp: Uint8Array | null;
  private shared: boolean;
  applied: ReadonlySet<number>;
  /** The filter's matches (a path or an ancestor matches), at least wherever shown; null: no filter. */
  readonly match: Uint8Array | null = null;
  /** Shown nodes, descending ids, when a filter is on: what a longer filter can still show. */
  readonly shownList: Int32Array | null = null;
  private largest: Int32Array | null = null;
  /** The filter mask was made for this view (not the filter module's cached one). */
  private ownMask = false;
  /** Shown paths that match the filter themselves, once counted. */
  private matchTotal = -1;

  /**
   * `narrowFrom`: counts of the same view for a filter that `q.filter` contains; only the nodes
   * it showed can match the longer filter, so only they are looked at.
   */
  constructor(
    private readonly deps: ViewDeps,
    readonly tree: LayerTree,
    readonly q: TreeQuery,
    narrowFrom?: ViewCounts,
    unfiltered?: ViewCounts,
  ) {
    const model = deps.model;
    this.model = model;
    tree.ensure();
    const n = model.paths.size;
    const hide = q.hide;
    const hidesAny = hide.added || hide.removed || hide.modified || hide.unmodified;
    this.applied = EMPTY;
    const only = q.only?.mask ?? null;
    if (!q.changesOnly && !hidesAny && q.filter === "" && only === null && q.expansion.defaultExpanded) {
      this.inc = tree.cls;
      this.below = tree.rowsBelow;
      this.exp = null;
      this.shared = true;
      this.follow(q.expansion.toggled);
      return;
    }
    const { parents } = model.paths.columns();
    const cls = tree.cls;
    const candidates = narrowFrom?.shownList ?? null;
    let exp: Uint8Array | null = null;
    if (!q.expansion.defaultExpanded || q.expansion.toggled.size > 0) {
      exp = this.deps.pool.takeBytes(n).fill(q.expansion.defaultExpanded ? 1 : 0);
      for (const t of q.expansion.toggled) if (t < n) exp[t] = exp[t]! ^ 1;
      exp[ROOT] = 1;
    }
    const allowed = new Uint8Array(6);
    allowed[NodeStatus.Unchanged] = q.changesOnly || hide.unmodified ? 0 : 1;
    allowed[NodeStatus.Same] = hide.unmodified ? 0 : 1;
    allowed[NodeStatus.Added] = hide.added ? 0 : 1;
    allowed[NodeStatus.Modified] = hide.modified ? 0 : 1;
    allowed[NodeStatus.Removed] = hide.removed ? 0 : 1;
    // Small single-purpose loops: each is optimised on its own after a few thousand nodes, where one
    // loop with every case in it ran unoptimised for most of a million nodes on first use.
    const inc = this.deps.pool.takeBytes(n);
    const below = this.deps.pool.takeInts(n);
    if (q.changesOnly && q.filter === "" && only === null && tree.changeCount() < n / 8) {
      // This layer's changes only: start from what it wrote or removed, not from every path.
      const own = tree.changedNodes(allowed);
      const order = withAncestors(own, inc, parents);
      const list = new Int32Array(order.length);
      if (exp === null) countExpanded(inc, order, parents, below, list);
      else countRows(inc, order, parents, below, exp, list);
      inc[ROOT] = 1;
      this.inc = inc;
      this.below = below;
      this.exp = exp;
      this.shared = false;
      this.applied = q.expansion.toggled;
      return;
    }
    // Status is only needed to hide kinds of change; otherwise being shown is enough.
    const status = q.changesOnly || hidesAny ? tree.status() : null;
    const order = candidates ?? this.deps.pool.descendingIds(n);
    let mask: Uint8Array | null;
    if (matchesByName(q.filter) && only === null) {
      // One pass, parents first: a node matches if its name does or its parent matches, and is
      // shown for itself if it matches and its kind is shown (the candidates: only those a
      // shorter filter showed can match a longer one).
      const hit = deps.filter.nameHitMask(q.filter);
      const { nameIds } = model.paths.columns();
      mask = this.deps.pool.takeBytes(n);
      this.ownMask = true;
      if (candidates) {
        if (status !== null)
          markCandidatesByStatus(inc, mask, candidates, hit, nameIds, parents, status, allowed);
        else markCandidatesByClass(inc, mask, candidates, hit, nameIds, parents, cls);
      } else if (status !== null) markAllByStatus(inc, mask, n, hit, nameIds, parents, status, allowed);
      else {
        markAllByClass(inc, mask, n, hit, nameIds, parents, cls);
        // A broad filter hides few paths: start from the unfiltered view's counts and take off
        // what it hides (present paths that do not match, and hold nothing that does).
        const fewer = unfiltered ? this.subtractHidden(unfiltered, inc, cls, exp) : null;
        if (fewer) {
          inc[ROOT] = 1;
          this.match = mask;
          this.inc = inc;
          this.below = fewer;
          this.exp = exp;
          this.shared = false;
          this.applied = q.expansion.toggled;
          this.deps.pool.giveBack(below);
          return;
        }
      }
    } else {
      mask = deps.filter.mask(q.filter);
      if (only !== null) mask = mask === null ? only : both(mask, only);
      if (status !== null) {
        if (mask !== null) showByStatusMatching(inc, order, status, allowed, mask);
        else showByStatus(inc, order, status, allowed);
      } else if (mask !== null) showByClassMatching(inc, order, cls, mask);
      else showByClass(inc, order, cls);
    }
    const list = this.deps.pool.takeInts(n);
    const listed =
      exp === null
        ? countExpanded(inc, order, parents, below, list)
        : countRows(inc, order, parents, below, exp, list);
    inc[ROOT] = 1;
    this.match = mask;
    // Kept for narrowing a longer filter: only these can match it.
    this.shownList = mask !== null ? list.slice(0, listed) : null;
    this.deps.pool.giveBack(list);
    this.inc = inc;
    this.below = below;
    this.exp = exp;
    this.shared = false;
    this.applied = q.expansion.toggled;
  }

  /**
   * Counts as the unfiltered view's minus the paths the filter hides, when those are under a
   * quarter of the image (the new row counts; `inc` updated), else null. `inc` holds the paths shown for
   * themselves. Every ancestor of a hidden path is unmatched too (matches are inherited
   * downwards), so the hidden paths and their ancestors are one list, walked children first.
   */
  private subtractHidden(
    base: ViewCounts,
    inc: Uint8Array,
    cls: Uint8Array,
    exp: Uint8Array | null,
  ): Int32Array | null {
    const n = inc.length;
    const unmatched = this.deps.pool.takeInts(n);
    const count = listUnmatched(inc, cls, unmatched, n >> 2);
    if (count < 0) {
      this.deps.pool.giveBack(unmatched);
      return null;
    }
    base.follow(this.q.expansion.toggled);
    const below = this.deps.pool.takeInts(n);
    below.set(base.below);
    const removed = this.deps.pool.takeInts(n);
    const { parents } = this.model.paths.columns();
    subtractRows(unmatched, count, inc, below, removed, exp, parents);
    this.deps.pool.giveBack(unmatched);
    this.deps.pool.giveBack(removed);
    return below;
  }

  /** Set once the arrays went back to the pool: views holding these counts must get new ones. */
  released = false;

  /** Hand the arrays this view owns to the pool (views on it fetch new counts after). */
  /** 1 where a node's own path matches the filter (not only an ancestor's); null without a filter. */
  ownMatches(): Uint8Array | null {
    return this.deps.filter.ownMatches(this.q.filter);
  }

  /** How many shown paths match the filter themselves (0 without a filter); counted once per view. */
  matchCount(): number {
    if (this.matchTotal >= 0) return this.matchTotal;
    const own = this.ownMatches();
    let n = 0;
    if (own !== null) {
      const inc = this.inc;
      for (let i = 1; i < own.length; i++) n += own[i]! & (inc[i]! === 0 ? 0 : 1);
    }
    this.matchTotal = n;
    return n;
  }

  release(): void {
    this.released = true;
    // The default view borrows the layer's arrays (inc always, below until a first collapse).
    if (this.inc !== this.tree.state.cls) this.deps.pool.giveBack(this.inc);
    if (this.below !== this.tree.state.rows) this.deps.pool.giveBack(this.below);
    if (this.exp) this.deps.pool.giveBack(this.exp);
    if (this.ownMask && this.match) this.deps.pool.giveBack(this.match);
  }

  expanded(node: number): boolean {
    return this.exp === null || this.exp[node] === 1;
  }

  /** Rows a shown node takes: itself, plus its shown descendants when expanded. */
  rc(node: number): number {
    return this.exp === null || this.exp[node] === 1 ? 1 + this.below[node]! : 1;
  }

  /** Bring the counts in line with another toggled set (same default). */
  follow(toggled: ReadonlySet<number>): void {
    if (toggled === this.applied) return;
    for (const t of this.applied) if (!toggled.has(t)) this.flip(t);
    for (const t of toggled) if (!this.applied.has(t)) this.flip(t);
    this.applied = toggled;
  }

  private flip(node: number): void {
    const n = this.below.length;
    if (node <= ROOT || node >= n) return;
    if (this.shared) {
      const own = this.deps.pool.takeInts(n);
      own.set(this.below);
      this.below = own;
      this.shared = false;
    }
    if (this.exp === null) this.exp = this.deps.pool.takeBytes(n).fill(1);
    const exp = this.exp;
    exp[node] = exp[node]! ^ 1;
    if (this.inc[node] === 0) return;
    const delta = exp[node] === 1 ? this.below[node]! : -this.below[node]!;
    if (delta === 0) return;
    const paths = this.model.paths;
    for (let p = paths.parent(node); ; p = paths.parent(p)) {
      this.below[p]! += delta;
      if (p === ROOT || exp[p] === 0) break;
    }
  }

  /** Shown non-directories, largest first (at most `limit`), as of the layer. */
  largestFiles(limit: number): Int32Array {
    if (this.largest) return this.largest;
    const size = this.tree.size;
    // A file that replaced a directory may have children in the path table, so the few kept are
    // checked for type at the end (hence twice as many kept).
    const found = largestLeaves(size, this.inc, this.below, this.tree.cls, limit * 2);
    const stack = this.model.stack;
    const files = Array.from(found)
      .filter((node) => {
        const v = this.tree.ver[node]!;
        return v >= 0 && stack.type(v) !== EntryType.Dir;
      })
      .sort((a, b) => size[b]! - size[a]! || a - b)
      .slice(0, limit);
    this.largest = Int32Array.from(files);
    return this.largest;
  }
}

/** 1 where both masks are. */
function both(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & (b[i] ?? 0);
  return out;
}
