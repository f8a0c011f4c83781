/**
 * What the merged tree looks like as of one layer, for every node at once, in typed arrays: which
 * version of each path is current, whether it is shown (present, or removed by this very layer),
 * the bytes under it, and the rows under it when everything is shown. No objects per path.
 *
 * The first tree is built in two linear passes (versions, then nodes in reverse id order — a
 * parent's id is always smaller than its children's). Any other layer is derived from the nearest
 * cached one: only paths with a version written or hidden in between can differ, so only they and
 * their ancestors are patched — a layer step costs the layers' changes, not the image's size.
 */
import { type ImageModel, NodeStatus } from "../model/image-model.js";
import { ROOT } from "../model/path-table.js";
import { ChangeKind, HiddenReason } from "../model/stack.js";

/** Node classes: not in the tree, present, or deleted by this layer (shown in place). */
export const ABSENT = 0;
export const PRESENT = 1;
export const REMOVED = 2;

const STATUS_OF_CHANGE = new Uint8Array(4);
STATUS_OF_CHANGE[ChangeKind.Added] = NodeStatus.Added;
STATUS_OF_CHANGE[ChangeKind.Modified] = NodeStatus.Modified;
STATUS_OF_CHANGE[ChangeKind.Same] = NodeStatus.Same;

/** Where each layer's versions start, and which versions each layer hides; built once per model. */
class VersionIndex {
  /** Versions of layer k are layerStart[k] .. layerStart[k+1] (versions are appended layer by layer). */
  readonly layerStart: Int32Array;
  readonly hiddenStart: Int32Array;
  readonly hiddenList: Int32Array;
  /** The previous version of the same node, or -1. */
  readonly prevVer: Int32Array;
  /** False if versions were not in layer order (then every tree is built in full). */
  readonly ordered: boolean;
  /** Scratch for patching, by node: a visit stamp and the deltas summed from changed children. */
  readonly stamp: Int32Array;
  readonly sizeDelta: Float64Array;
  readonly rowsDelta: Int32Array;
  readonly ownBefore: Float64Array;
  generation = 0;

  constructor(model: ImageModel) {
    const vs = model.versions;
    const layers = model.layerCount;
    const layerStart = new Int32Array(layers + 1);
    const hiddenCount = new Int32Array(layers + 1);
    let ordered = true;
    for (let v = 0; v < vs.count; v++) {
      const L = vs.layer[v]!;
      if (v > 0 && L < vs.layer[v - 1]!) ordered = false;
      layerStart[L + 1]!++;
      const h = vs.hiddenAt[v]!;
      if (h < layers) hiddenCount[h + 1]!++;
    }
    for (let k = 0; k < layers; k++) {
      layerStart[k + 1]! += layerStart[k]!;
      hiddenCount[k + 1]! += hiddenCount[k]!;
    }
    const hiddenList = new Int32Array(hiddenCount[layers]!);
    const fill = hiddenCount.slice(0, layers);
    for (let v = 0; v < vs.count; v++) {
      const h = vs.hiddenAt[v]!;
      if (h < layers) hiddenList[fill[h]!++] = v;
    }
    const n = model.paths.size;
    const last = new Int32Array(n).fill(-1);
    const prevVer = new Int32Array(vs.count);
    for (let v = 0; v < vs.count; v++) {
      const node = vs.node[v]!;
      prevVer[v] = last[node]!;
      last[node] = v;
    }
    this.layerStart = layerStart;
    this.hiddenStart = hiddenCount;
    this.hiddenList = hiddenList;
    this.prevVer = prevVer;
    this.ordered = ordered;
    this.stamp = new Int32Array(n);
    this.sizeDelta = new Float64Array(n);
    this.rowsDelta = new Int32Array(n);
    this.ownBefore = new Float64Array(n);
  }

  /** Versions written in (lo, hi] plus versions hidden in [lo, hi]: what can differ between lo and hi. */
  changesBetween(lo: number, hi: number): number {
    return (
      this.layerStart[hi + 1]! - this.layerStart[lo + 1]! + this.hiddenStart[hi + 1]! - this.hiddenStart[lo]!
    );
  }
}

/**
 * A full build in three linear passes that can stop and resume anywhere, so idle time can prepare
 * the neighbouring layers a slice at a time without holding up a key press.
 */
export class FullBuild {
  readonly ver: Int32Array;
  readonly cls: Uint8Array;
  readonly size: Float64Array;
  readonly below: Int32Array;
  private pass = 0;
  private i = 0;

  constructor(
    readonly model: ImageModel,
    readonly layer: number,
  ) {
    const n = model.paths.size;
    this.ver = new Int32Array(n).fill(-1);
    this.cls = new Uint8Array(n);
    this.size = new Float64Array(n);
    this.below = new Int32Array(n);
  }

  get done(): boolean {
    return this.pass === 3;
  }

  /** Do about `work` steps; true once finished. */
  step(work: number): boolean {
    const { model, layer, ver, cls, size, below } = this;
    const vs = model.versions;
    const n = ver.length;
    let budget = work;
    if (this.pass === 0) {
      // Versions come layer by layer, so the last one seen per node (≤ layer) is its current one.
      const end = Math.min(vs.count, this.i + budget);
      for (let v = this.i; v < end; v++) if (vs.layer[v]! <= layer) ver[vs.node[v]!] = v;
      budget -= end - this.i;
      this.i = end;
      if (end < vs.count) return false;
      this.pass = 1;
      this.i = 0;
    }
    if (this.pass === 1) {
      const sizes = model.stack.layers.map((c) => c.size);
      const end = Math.min(n, this.i + Math.max(0, budget));
      for (let node = this.i; node < end; node++) {
        const v = ver[node]!;
        if (v < 0) continue;
        const c = classOf(vs.hiddenAt[v]!, vs.hiddenReason[v]!, layer);
        cls[node] = c;
        const e = vs.entry[v]!;
        if (c !== ABSENT && e >= 0) size[node] = sizes[vs.layer[v]!]![e]!;
      }
      budget -= end - this.i;
      this.i = end;
      if (end < n) return false;
      this.pass = 2;
      this.i = n - 1;
    }
    if (this.pass === 2) {
      const { parents } = model.paths.columns();
      const end = Math.max(ROOT, this.i - Math.max(0, budget));
      for (let node = this.i; node > end; node--) {
        const c = cls[node]!;
        if (c === ABSENT) continue;
        const p = parents[node]!;
        if ((c === REMOVED) === (p !== ROOT && cls[p] === REMOVED)) size[p]! += size[node]!;
        below[p]! += 1 + below[node]!;
      }
      this.i = end;
      if (end > ROOT) return false;
      this.pass = 3;
    }
    return true;
  }
}

export class LayerTree {
  /** The current version of each node as of the layer (-1: none yet). */
  readonly ver: Int32Array;
  /** ABSENT, PRESENT or REMOVED. */
  readonly cls: Uint8Array;
  /**
   * Bytes: a file's size; a directory's subtree as of the layer. A removed node (shown in place)
   * carries the bytes that were deleted, which do not count in its present parent.
   */
  readonly size: Float64Array;
  /**
   * Rows under each node when every present path is shown and every directory expanded (the
   * default view), so that view needs no pass of its own.
   */
  readonly rowsBelow: Int32Array;
  private statusCache: Uint8Array | null = null;
  private readonly bySize = new Map<number, Int32Array>();

  constructor(
    readonly model: ImageModel,
    readonly layer: number,
    from?: LayerTree | FullBuild,
    index?: VersionIndex,
  ) {
    if (from instanceof LayerTree && index) {
      this.ver = from.ver.slice();
      this.cls = from.cls.slice();
      this.size = from.size.slice();
      this.rowsBelow = from.rowsBelow.slice();
      this.patch(from, index);
      return;
    }
    const build = from instanceof FullBuild ? from : new FullBuild(model, layer);
    build.step(Number.POSITIVE_INFINITY);
    this.ver = build.ver;
    this.cls = build.cls;
    this.size = build.size;
    this.rowsBelow = build.below;
  }

  /** NodeStatus of every node as of the layer (computed on first use). */
  status(): Uint8Array {
    if (!this.statusCache) {
      const vs = this.model.versions;
      const n = this.cls.length;
      const out = new Uint8Array(n);
      for (let node = 0; node < n; node++) {
        const c = this.cls[node]!;
        if (c === ABSENT) continue;
        if (c === REMOVED) {
          out[node] = NodeStatus.Removed;
          continue;
        }
        const v = this.ver[node]!;
        out[node] = vs.layer[v] === this.layer ? STATUS_OF_CHANGE[vs.change[v]!]! : NodeStatus.Unchanged;
      }
      this.statusCache = out;
    }
    return this.statusCache;
  }

  /** Children of `dir` (all of them, present or not), largest subtree first, then by name. */
  childrenBySize(dir: number): Int32Array {
    let list = this.bySize.get(dir);
    if (!list) {
      const { start, list: all } = this.model.sortedChildren();
      const size = this.size;
      const part = Array.from(all.subarray(start[dir]!, start[dir + 1]!));
      part.sort((a, b) => size[b]! - size[a]!);
      list = Int32Array.from(part);
      this.bySize.set(dir, list);
    }
    return list;
  }

  /** Turn a copy of `from` into this layer: recompute the paths that changed in between, then their ancestors. */
  private patch(from: LayerTree, index: VersionIndex): void {
    const vs = this.model.versions;
    const vNode = vs.node;
    const vLayer = vs.layer;
    const vEntry = vs.entry;
    const vHiddenAt = vs.hiddenAt;
    const vReason = vs.hiddenReason;
    const { parents } = this.model.paths.columns();
    const sizes = this.model.stack.layers.map((c) => c.size);
    const L = this.layer;
    const lo = Math.min(from.layer, L);
    const hi = Math.max(from.layer, L);
    const { stamp, sizeDelta, rowsDelta, ownBefore, prevVer } = index;
    const gen = ++index.generation;
    const ver = this.ver;
    const cls = this.cls;
    const own = (v: number, c: number) => {
      if (v < 0 || c === ABSENT) return 0;
      const e = vEntry[v]!;
      return e < 0 ? 0 : sizes[vLayer[v]!]![e]!;
    };
    // 1. Paths with a version written or hidden in between; remember their bytes before.
    const touched: number[] = [];
    const touch = (node: number) => {
      if (stamp[node] === gen) return;
      stamp[node] = gen;
      touched.push(node);
      ownBefore[node] = own(ver[node]!, cls[node]!);
      sizeDelta[node] = 0;
      rowsDelta[node] = 0;
    };
    const a = index.layerStart[lo + 1]!;
    const b = index.layerStart[hi + 1]!;
    for (let v = a; v < b; v++) touch(vNode[v]!);
    for (let i = index.hiddenStart[lo]!; i < index.hiddenStart[hi + 1]!; i++)
      touch(vNode[index.hiddenList[i]!]!);
    const changedCount = touched.length;
    // 2. Their version as of L: going up, the newest written in between; going down, the one before the earliest.
    if (L > from.layer) for (let v = a; v < b; v++) ver[vNode[v]!] = v;
    else for (let v = b - 1; v >= a; v--) ver[vNode[v]!] = prevVer[v]!;
    for (let i = 0; i < changedCount; i++) {
      const node = touched[i]!;
      const v = ver[node]!;
      cls[node] = v < 0 ? ABSENT : classOf(vHiddenAt[v]!, vReason[v]!, L);
    }
    // 3. Their ancestors' sums change too.
    for (let i = 0; i < changedCount; i++) {
      for (let p = parents[touched[i]!]!; p >= ROOT && stamp[p] !== gen; p = parents[p]!) {
        stamp[p] = gen;
        touched.push(p);
        ownBefore[p] = -1;
        sizeDelta[p] = 0;
        rowsDelta[p] = 0;
      }
    }
    // 4. Children before parents (descending ids): each node's new sums, then its change in its parent's.
    const order = Int32Array.from(touched).sort();
    const oldCls = from.cls;
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i]!;
      const before = ownBefore[node]!;
      const ownDelta = before < 0 ? 0 : own(ver[node]!, cls[node]!) - before;
      const oldSize = from.size[node]!;
      const oldRows = from.rowsBelow[node]!;
      const newSize = oldSize + ownDelta + sizeDelta[node]!;
      const newRows = oldRows + rowsDelta[node]!;
      this.size[node] = newSize;
      this.rowsBelow[node] = newRows;
      if (node === ROOT) continue;
      const p = parents[node]!;
      const co = oldCls[node]!;
      const cn = cls[node]!;
      const sizeBefore = counts(co, p === ROOT ? PRESENT : oldCls[p]!) ? oldSize : 0;
      const sizeAfter = counts(cn, p === ROOT ? PRESENT : cls[p]!) ? newSize : 0;
      sizeDelta[p]! += sizeAfter - sizeBefore;
      rowsDelta[p]! += (cn === ABSENT ? 0 : 1 + newRows) - (co === ABSENT ? 0 : 1 + oldRows);
    }
  }
}

function classOf(hiddenAt: number, reason: number, layer: number): number {
  if (hiddenAt > layer) return PRESENT;
  if (hiddenAt === layer && reason !== HiddenReason.Overwritten) return REMOVED;
  return ABSENT;
}

/** Whether a child's bytes count in its parent's: present under present, removed under removed. */
function counts(child: number, parent: number): boolean {
  return child !== ABSENT && (child === REMOVED) === (parent === REMOVED);
}

interface ModelTrees {
  index: VersionIndex | null;
  byLayer: Map<number, LayerTree>;
  /** Builds started by prefetching, finished on demand if asked for first. */
  pending: Map<number, FullBuild>;
}

const cache = new WeakMap<ImageModel, ModelTrees>();
/** A cached tree costs ~18 bytes per path (ver, cls, size, rowsBelow, status). */
const TREE_BYTES_PER_PATH = 18;
/**
 * The process must stay near 400 bytes per tar entry (the archive reader's budget) and the model
 * takes about half of that: cached trees get 64 bytes per path (3 layers: the selected one and
 * the two prefetched neighbours), small images at least 32 MiB.
 */
const CACHE_BYTES_PER_PATH = 64;
const CACHE_MIN_BYTES = 32 * 2 ** 20;
const MIN_CACHED_TREES = 3;

/** How many layer trees `model` may keep cached. */
export function cachedTreeLimit(paths: number): number {
  const budget = Math.max(CACHE_MIN_BYTES, CACHE_BYTES_PER_PATH * paths);
  return Math.max(MIN_CACHED_TREES, Math.floor(budget / (TREE_BYTES_PER_PATH * Math.max(1, paths))));
}

/** Is `layer`'s tree still cached (views built on an evicted tree should go too)? */
export function hasLayerTree(model: ImageModel, layer: number): boolean {
  return cache.get(model)?.byLayer.has(layer) ?? false;
}

/**
 * The (cached) tree of `model` as of `layer`, derived from the nearest cached layer when at most
 * `patchLimit` versions differ (patching costs several times a full pass per path it touches).
 */
export function layerTreeOf(model: ImageModel, layer: number, patchLimit = model.paths.size / 16): LayerTree {
  let trees = cache.get(model);
  if (!trees) {
    trees = { index: null, byLayer: new Map(), pending: new Map() };
    cache.set(model, trees);
  }
  const { byLayer } = trees;
  let t = byLayer.get(layer);
  if (t) {
    byLayer.delete(layer);
    byLayer.set(layer, t);
    return t;
  }
  let base: LayerTree | undefined;
  if (byLayer.size > 0) {
    trees.index ??= new VersionIndex(model);
    const index = trees.index;
    let best = Number.POSITIVE_INFINITY;
    if (index.ordered) {
      for (const c of byLayer.values()) {
        const cost = index.changesBetween(Math.min(c.layer, layer), Math.max(c.layer, layer));
        if (cost < best) {
          best = cost;
          base = c;
        }
      }
    }
    if (best > patchLimit) base = undefined;
  }
  const started = trees.pending.get(layer);
  trees.pending.delete(layer);
  t = base ? new LayerTree(model, layer, base, trees.index!) : new LayerTree(model, layer, started);
  remember(model, trees, t);
  return t;
}

function remember(model: ImageModel, trees: ModelTrees, t: LayerTree): void {
  const { byLayer } = trees;
  byLayer.set(t.layer, t);
  const keep = cachedTreeLimit(model.paths.size);
  while (byLayer.size > keep) byLayer.delete(byLayer.keys().next().value!);
}

/** Forget every cached tree of `model` (for benchmarks and tests that need cold layers). */
export function dropLayerTrees(model: ImageModel): void {
  cache.delete(model);
}

/** Layers worth preparing: big trees only (small ones build in no time). */
const PREFETCH_MIN_PATHS = 100_000;
/** Steps per slice: a few milliseconds, so a key press never waits long behind it. */
const PREFETCH_SLICE = 40_000;

/**
 * In idle time, build the trees of the layers next to `layer` a slice at a time (the layers a user
 * steps to next). Returns a function that stops; partial work is kept and finished on demand.
 */
export function prefetchNeighbours(model: ImageModel, layer: number, delayMs = 40): () => void {
  if (model.paths.size < PREFETCH_MIN_PATHS) return () => {};
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const targets = [layer + 1, layer - 1].filter((l) => l >= 0 && l < model.layerCount);
  const run = () => {
    timer = null;
    if (stopped) return;
    layerTreeOf(model, layer);
    const trees = cache.get(model)!;
    for (const l of trees.pending.keys()) if (!targets.includes(l)) trees.pending.delete(l);
    const target = targets.find((l) => !trees.byLayer.has(l));
    if (target === undefined) return;
    let build = trees.pending.get(target);
    if (!build) {
      build = new FullBuild(model, target);
      trees.pending.set(target, build);
    }
    if (build.step(PREFETCH_SLICE)) {
      trees.pending.delete(target);
      remember(model, trees, new LayerTree(model, target, build));
    }
    timer = setTimeout(run, 0);
  };
  timer = setTimeout(run, delayMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
