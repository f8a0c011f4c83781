/**
 * The file tree as rows on screen, without ever building the rows: for each node, whether it is
 * shown (`inc`) and how many rows its shown descendants take (`below`; a node takes 1 + below
 * when expanded, else 1). Any row is then found by walking down from the root skipping whole
 * subtrees, and a window of rows is produced by a depth-first walk from there — work proportional
 * to depth × siblings and to the window, never to the tree.
 *
 * Expanding or collapsing one directory patches the counts along its ancestors; the default view
 * borrows the layer's own counts; typing more of a filter recounts only what the shorter filter
 * showed; anything else recounts in one reverse pass over node ids.
 */
import { type ImageModel, NodeStatus } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { ROOT } from "../../model/path-table.js";
import { ABSENT, type LayerTree, layerTreeOf, REMOVED } from "./layer-tree.js";
import { filterKind, filterMask, matchesByName, nameHitMask } from "./path-filter.js";

export interface HideFlags {
  added: boolean;
  removed: boolean;
  modified: boolean;
  /** Unchanged and rewritten-identical paths. */
  unmodified: boolean;
}

export const SHOW_ALL: HideFlags = { added: false, removed: false, modified: false, unmodified: false };

/** Directories differ from `defaultExpanded` exactly when they are in `toggled`. */
export interface Expansion {
  defaultExpanded: boolean;
  toggled: ReadonlySet<number>;
}

export type SortOrder = "name" | "size";

export interface TreeQuery {
  layer: number;
  /** Only what this layer changed (plus the directories leading to it). */
  changesOnly: boolean;
  hide: HideFlags;
  filter: string;
  sort: SortOrder;
  expansion: Expansion;
}

export interface VisibleRow {
  node: number;
  index: number;
  depth: number;
  /** Has shown children (so it can be expanded or collapsed). */
  hasChildren: boolean;
  expanded: boolean;
  /** Tree guides before the name: "│  ├─ ", with "⊕" for a collapsed directory. */
  guide: string;
}

/**
 * Counts for one (layer, view, hidden kinds, filter, default expansion); follows toggles in place.
 * A node's rows are `1 + below[n]` when it is expanded, else 1. The default view (everything
 * shown, all expanded) borrows the layer's own arrays and copies them only when a directory is
 * first collapsed.
 */
class Counts {
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

  /**
   * `narrowFrom`: counts of the same view for a filter that `q.filter` contains; only the nodes
   * it showed can match the longer filter, so only they are looked at.
   */
  constructor(
    readonly model: ImageModel,
    readonly tree: LayerTree,
    readonly q: TreeQuery,
    narrowFrom?: Counts,
    unfiltered?: Counts,
  ) {
    tree.ensure();
    const n = model.paths.size;
    const hide = q.hide;
    const hidesAny = hide.added || hide.removed || hide.modified || hide.unmodified;
    this.applied = EMPTY;
    if (!q.changesOnly && !hidesAny && q.filter === "" && q.expansion.defaultExpanded) {
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
      exp = takeBytes(n).fill(q.expansion.defaultExpanded ? 1 : 0);
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
    const inc = takeBytes(n);
    const below = takeInts(n);
    if (q.changesOnly && q.filter === "" && tree.changeCount() < n / 8) {
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
    const order = candidates ?? descendingIds(n);
    let mask: Uint8Array | null;
    if (matchesByName(q.filter)) {
      // One pass, parents first: a node matches if its name does or its parent matches, and is
      // shown for itself if it matches and its kind is shown (the candidates: only those a
      // shorter filter showed can match a longer one).
      const hit = nameHitMask(model.paths, q.filter);
      const { nameIds } = model.paths.columns();
      mask = takeBytes(n);
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
          giveBack(below);
          return;
        }
      }
    } else {
      mask = filterMask(model.paths, q.filter);
      if (status !== null) {
        if (mask !== null) showByStatusMatching(inc, order, status, allowed, mask);
        else showByStatus(inc, order, status, allowed);
      } else if (mask !== null) showByClassMatching(inc, order, cls, mask);
      else showByClass(inc, order, cls);
    }
    const list = takeInts(n);
    const listed =
      exp === null
        ? countExpanded(inc, order, parents, below, list)
        : countRows(inc, order, parents, below, exp, list);
    inc[ROOT] = 1;
    this.match = mask;
    // Kept for narrowing a longer filter: only these can match it.
    this.shownList = mask !== null ? list.slice(0, listed) : null;
    giveBack(list);
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
    base: Counts,
    inc: Uint8Array,
    cls: Uint8Array,
    exp: Uint8Array | null,
  ): Int32Array | null {
    const n = inc.length;
    const unmatched = takeInts(n);
    const count = listUnmatched(inc, cls, unmatched, n >> 2);
    if (count < 0) {
      giveBack(unmatched);
      return null;
    }
    base.follow(this.q.expansion.toggled);
    const below = takeInts(n);
    below.set(base.below);
    const removed = takeInts(n);
    const { parents } = this.model.paths.columns();
    subtractRows(unmatched, count, inc, below, removed, exp, parents);
    giveBack(unmatched);
    giveBack(removed);
    return below;
  }

  /** Hand the arrays this view owns to the pool; it must not be used after. */
  release(): void {
    // The default view borrows the layer's arrays (inc always, below until a first collapse).
    if (this.inc !== this.tree.state.cls) giveBack(this.inc);
    if (this.below !== this.tree.state.rows) giveBack(this.below);
    if (this.exp) giveBack(this.exp);
    if (this.ownMask && this.match) giveBack(this.match);
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
      const own = takeInts(n);
      own.set(this.below);
      this.below = own;
      this.shared = false;
    }
    if (this.exp === null) this.exp = takeBytes(n).fill(1);
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
    const cls = this.tree.cls;
    // A min-heap of the largest seen so far; most paths are rejected by one comparison with its top.
    // A file that replaced a directory may have children in the path table, so the few kept are
    // checked for type at the end (hence twice as many kept).
    const cap = limit * 2;
    const heapSize = new Float64Array(cap);
    const heapNode = new Int32Array(cap);
    let count = 0;
    const siftDown = (start: number) => {
      let i = start;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < count && heapSize[l]! < heapSize[m]!) m = l;
        if (r < count && heapSize[r]! < heapSize[m]!) m = r;
        if (m === i) return;
        const ts = heapSize[i]!;
        const tn = heapNode[i]!;
        heapSize[i] = heapSize[m]!;
        heapNode[i] = heapNode[m]!;
        heapSize[m] = ts;
        heapNode[m] = tn;
        i = m;
      }
    };
    const n = size.length;
    const inc = this.inc;
    const below = this.below;
    for (let node = 1; node < n; node++) {
      const sz = size[node]!;
      if (sz === 0 || (count === cap && sz <= heapSize[0]!)) continue;
      if (inc[node] === 0 || below[node] !== 0 || cls[node] === REMOVED) continue;
      if (count < cap) {
        let i = count++;
        heapSize[i] = sz;
        heapNode[i] = node;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (heapSize[p]! <= heapSize[i]!) break;
          const ts = heapSize[i]!;
          const tn = heapNode[i]!;
          heapSize[i] = heapSize[p]!;
          heapNode[i] = heapNode[p]!;
          heapSize[p] = ts;
          heapNode[p] = tn;
          i = p;
        }
      } else {
        heapSize[0] = sz;
        heapNode[0] = node;
        siftDown(0);
      }
    }
    const stack = this.model.stack;
    const files = Array.from(heapNode.subarray(0, count))
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

/** Node ids n-1 .. 1 (children before parents), shared between views of images of the same size. */
let descending: Int32Array = new Int32Array(0);
function descendingIds(n: number): Int32Array {
  if (descending.length !== n - 1) {
    descending = new Int32Array(Math.max(0, n - 1));
    for (let i = 0; i < n - 1; i++) descending[i] = n - 1 - i;
  }
  return descending;
}

function markAllByClass(
  inc: Uint8Array,
  mask: Uint8Array,
  n: number,
  hit: Uint8Array,
  nameIds: Int32Array,
  parents: Int32Array,
  cls: Uint8Array,
): void {
  for (let node = 1; node < n; node++) {
    const m = hit[nameIds[node]!]! | mask[parents[node]!]!;
    mask[node] = m;
    inc[node] = cls[node] === ABSENT ? 0 : m;
  }
}

function markAllByStatus(
  inc: Uint8Array,
  mask: Uint8Array,
  n: number,
  hit: Uint8Array,
  nameIds: Int32Array,
  parents: Int32Array,
  status: Uint8Array,
  allowed: Uint8Array,
): void {
  for (let node = 1; node < n; node++) {
    const m = hit[nameIds[node]!]! | mask[parents[node]!]!;
    mask[node] = m;
    inc[node] = allowed[status[node]!]! & m;
  }
}

/** As markAllByClass over the candidates (descending ids, so walked from the end). */
function markCandidatesByClass(
  inc: Uint8Array,
  mask: Uint8Array,
  candidates: Int32Array,
  hit: Uint8Array,
  nameIds: Int32Array,
  parents: Int32Array,
  cls: Uint8Array,
): void {
  for (let i = candidates.length - 1; i >= 0; i--) {
    const node = candidates[i]!;
    const m = hit[nameIds[node]!]! | mask[parents[node]!]!;
    mask[node] = m;
    inc[node] = cls[node] === ABSENT ? 0 : m;
  }
}

function markCandidatesByStatus(
  inc: Uint8Array,
  mask: Uint8Array,
  candidates: Int32Array,
  hit: Uint8Array,
  nameIds: Int32Array,
  parents: Int32Array,
  status: Uint8Array,
  allowed: Uint8Array,
): void {
  for (let i = candidates.length - 1; i >= 0; i--) {
    const node = candidates[i]!;
    const m = hit[nameIds[node]!]! | mask[parents[node]!]!;
    mask[node] = m;
    inc[node] = allowed[status[node]!]! & m;
  }
}

/**
 * `own` (nodes shown for themselves) marked in `inc`, with their ancestors: every node the count
 * pass must visit, in descending ids (children before parents).
 */
function withAncestors(own: Int32Array, inc: Uint8Array, parents: Int32Array): Int32Array {
  const all: number[] = [];
  for (let i = 0; i < own.length; i++) {
    const node = own[i]!;
    if (inc[node] === 1) continue;
    inc[node] = 1;
    all.push(node);
  }
  const direct = all.length;
  for (let i = 0; i < direct; i++) {
    for (let p = parents[all[i]!]!; p > ROOT && inc[p] === 0; p = parents[p]!) {
      inc[p] = 2; // an ancestor: shown because of what it holds
      all.push(p);
    }
  }
  const order = Int32Array.from(all).sort().reverse();
  for (let i = 0; i < order.length; i++) inc[order[i]!] = 1;
  return order;
}

/** Present paths not shown for themselves, ascending, into `out`; -1 if there are more than `cap`. */
function listUnmatched(inc: Uint8Array, cls: Uint8Array, out: Int32Array, cap: number): number {
  let count = 0;
  for (let node = 1; node < inc.length; node++) {
    if (inc[node] !== 0 || cls[node] === ABSENT) continue;
    if (count === cap) return -1;
    out[count++] = node;
  }
  return count;
}

/**
 * Children first over the unmatched paths (ascending in `list`): each keeps the rows under it that
 * are still shown, is shown if any are, and passes what its parent loses up (in `removed`).
 * `below` starts as the unfiltered counts; paths shown for themselves already have `inc` 1.
 */
function subtractRows(
  list: Int32Array,
  count: number,
  inc: Uint8Array,
  below: Int32Array,
  removed: Int32Array,
  exp: Uint8Array | null,
  parents: Int32Array,
): void {
  for (let i = count - 1; i >= 0; i--) {
    const node = list[i]!;
    const before = below[node]!;
    const after = before - removed[node]!;
    below[node] = after;
    const open = exp === null || exp[node] === 1;
    const rowsBefore = open ? 1 + before : 1;
    const rowsAfter = after > 0 ? (open ? 1 + after : 1) : 0;
    inc[node] = after > 0 ? 1 : 0;
    removed[parents[node]!]! += rowsBefore - rowsAfter;
  }
  below[ROOT]! -= removed[ROOT]!;
}

function showByStatus(inc: Uint8Array, order: Int32Array, status: Uint8Array, allowed: Uint8Array): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = allowed[status[node]!]!;
  }
}

function showByClass(inc: Uint8Array, order: Int32Array, cls: Uint8Array): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = cls[node] === ABSENT ? 0 : 1;
  }
}

function showByStatusMatching(
  inc: Uint8Array,
  order: Int32Array,
  status: Uint8Array,
  allowed: Uint8Array,
  mask: Uint8Array,
): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = allowed[status[node]!]! & mask[node]!;
  }
}

function showByClassMatching(inc: Uint8Array, order: Int32Array, cls: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = cls[node] === ABSENT ? 0 : mask[node]!;
  }
}

/**
 * Rows under each shown node, children before parents (`order` descending); a shown node's parent
 * is shown. Every directory expanded. Lists the shown nodes in `list`; returns how many.
 */
function countExpanded(
  inc: Uint8Array,
  order: Int32Array,
  parents: Int32Array,
  below: Int32Array,
  list: Int32Array,
): number {
  let listed = 0;
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    if (inc[node] === 0) continue;
    const p = parents[node]!;
    below[p]! += 1 + below[node]!;
    inc[p] = 1;
    list[listed++] = node;
  }
  return listed;
}

/** As countExpanded, where a collapsed directory (`exp` 0) takes one row. */
function countRows(
  inc: Uint8Array,
  order: Int32Array,
  parents: Int32Array,
  below: Int32Array,
  exp: Uint8Array,
  list: Int32Array,
): number {
  let listed = 0;
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    if (inc[node] === 0) continue;
    const p = parents[node]!;
    below[p]! += exp[node] === 1 ? 1 + below[node]! : 1;
    inc[p] = 1;
    list[listed++] = node;
  }
  return listed;
}

/**
 * Arrays of one path-table size, returned by evicted views and handed out zeroed, so a keystroke
 * does not allocate (and later collect) megabytes. At most a few of each are kept.
 */
const pool = { size: -1, bytes: [] as Uint8Array[], ints: [] as Int32Array[] };
const POOL_MAX = 4;

function takeBytes(n: number): Uint8Array {
  const a = pool.size === n ? pool.bytes.pop() : undefined;
  return a ? a.fill(0) : new Uint8Array(n);
}

function takeInts(n: number): Int32Array {
  const a = pool.size === n ? pool.ints.pop() : undefined;
  return a ? a.fill(0) : new Int32Array(n);
}

function giveBack(a: Uint8Array | Int32Array): void {
  if (pool.size !== a.length) {
    pool.size = a.length;
    pool.bytes = [];
    pool.ints = [];
  }
  if (a instanceof Uint8Array) {
    if (pool.bytes.length < POOL_MAX) pool.bytes.push(a);
  } else if (pool.ints.length < POOL_MAX) pool.ints.push(a);
}

interface Frame {
  list: Int32Array;
  pos: number;
  /** Position of the next shown sibling; -2 until looked for, -1 when there is none. */
  next: number;
}

/** A view of the counts in one sort order and expansion; cheap to make. */
export class VisibleTree {
  constructor(
    private readonly counts: Counts,
    readonly query: TreeQuery,
  ) {}

  get layerTree(): LayerTree {
    return this.counts.tree;
  }

  private sync(): Counts {
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

  /** Shown files, largest first. */
  largestFiles(limit = 100): Int32Array {
    return this.sync().largestFiles(limit);
  }
}

const EMPTY: ReadonlySet<number> = new Set();
/**
 * Views kept: a few, so that erasing a filter while typing finds the earlier ones; each costs up
 * to ~11 bytes per path, so big images keep fewer (36 bytes per path in all, at least 2 views).
 */
const MAX_CACHED_COUNTS = 8;
const COUNTS_BYTES_PER_PATH = 11;
const COUNTS_BUDGET_PER_PATH = 36;
const COUNTS_MIN_BYTES = 32 * 2 ** 20;

export function cachedCountsLimit(paths: number): number {
  const n = Math.max(1, paths);
  const fit = Math.floor(
    Math.max(COUNTS_MIN_BYTES, COUNTS_BUDGET_PER_PATH * n) / (COUNTS_BYTES_PER_PATH * n),
  );
  return Math.max(2, Math.min(MAX_CACHED_COUNTS, fit));
}
const countsCache = new WeakMap<ImageModel, Map<string, Counts>>();

function baseKey(q: TreeQuery): string {
  const h = q.hide;
  return [
    q.layer,
    q.changesOnly ? 1 : 0,
    h.added ? 1 : 0,
    h.removed ? 1 : 0,
    h.modified ? 1 : 0,
    h.unmodified ? 1 : 0,
    q.expansion.defaultExpanded ? 1 : 0,
    q.filter,
  ].join("|");
}

/** Cached counts of the same view whose filter the query's contains (typing narrows), if any. */
function narrowingBase(m: Map<string, Counts>, q: TreeQuery): Counts | undefined {
  if (!matchesByName(q.filter) || filterKind(q.filter) !== "substring") return undefined;
  const same = (a: TreeQuery) =>
    a.layer === q.layer &&
    a.changesOnly === q.changesOnly &&
    a.expansion.defaultExpanded === q.expansion.defaultExpanded &&
    a.hide.added === q.hide.added &&
    a.hide.removed === q.hide.removed &&
    a.hide.modified === q.hide.modified &&
    a.hide.unmodified === q.hide.unmodified;
  let best: Counts | undefined;
  for (const c of m.values()) {
    const f = c.q.filter;
    if (
      !c.shownList ||
      !matchesByName(f) ||
      filterKind(f) !== "substring" ||
      !q.filter.includes(f) ||
      !same(c.q)
    )
      continue;
    if (!best || c.shownList.length < best.shownList!.length) best = c;
  }
  return best;
}

/**
 * Compute a few views once and throw them away, in idle time after the image opens: V8 compiles
 * the passes over every path on their first run (~25 ms more on a million paths), which would
 * otherwise land on the user's first filter keystroke or view toggle.
 */
export function warmUpViews(model: ImageModel, layer: number): void {
  const tree = layerTreeOf(model, layer);
  const { start, list } = model.sortedChildren();
  const first = list[start[ROOT]!];
  const name = first === undefined ? "a" : model.paths.name(first);
  const base: TreeQuery = {
    layer,
    changesOnly: false,
    hide: SHOW_ALL,
    filter: name.slice(0, 1),
    sort: "name",
    expansion: { defaultExpanded: true, toggled: new Set() },
  };
  const wide = new Counts(model, tree, base);
  const narrow = new Counts(model, tree, { ...base, filter: name.slice(0, 2) }, wide);
  const changes = new Counts(model, tree, { ...base, filter: "", changesOnly: true });
  const folded = new Counts(model, tree, {
    ...base,
    hide: { ...SHOW_ALL, unmodified: true },
    expansion: { defaultExpanded: true, toggled: new Set(first === undefined ? [] : [first]) },
  });
  for (const c of [wide, narrow, changes, folded]) c.release();
}

/** Forget every cached view of `model` (with `dropLayerTrees`, for benchmarks and tests that need cold layers). */
export function dropViews(model: ImageModel): void {
  countsCache.delete(model);
}

/** The shown tree for a query; counts are cached per model for the last few queries. */
export function visibleTreeOf(model: ImageModel, q: TreeQuery): VisibleTree {
  let m = countsCache.get(model);
  if (!m) {
    m = new Map();
    countsCache.set(model, m);
  }
  const key = baseKey(q);
  let counts = m.get(key);
  if (counts) {
    m.delete(key);
  } else {
    // The same view without the filter, if at hand: a broad filter is counted from it.
    const unfiltered = q.filter !== "" ? m.get(baseKey({ ...q, filter: "" })) : undefined;
    counts = new Counts(model, layerTreeOf(model, q.layer), q, narrowingBase(m, q), unfiltered);
  }
  m.set(key, counts);
  const limit = cachedCountsLimit(model.paths.size);
  while (m.size > limit) {
    const oldest = m.keys().next().value!;
    // Views are made per query and not kept by callers beyond the current update, so the oldest
    // of the cached ones is no longer in use: its arrays serve the next view (no allocation, and
    // none of the collections that allocating ~10 MB per keystroke brought on).
    m.get(oldest)!.release();
    m.delete(oldest);
  }
  return new VisibleTree(counts, q);
}
