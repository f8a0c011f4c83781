/**
 * What the merged tree looks like as of one layer, for every node at once, in typed arrays: which
 * version of each path is current, whether it is shown (present, or removed by this very layer),
 * the bytes under it, and the rows under it when everything is shown. No objects per path.
 *
 * There is one such set of arrays per image, and it is moved from layer to layer in place. A move
 * by one layer touches only the paths with a version written or hidden in between, and their
 * ancestors. The first time a step between two neighbouring layers is taken it is computed (and
 * the values on both sides kept, within a byte budget); after that, crossing it is a sweep of
 * stores over the touched nodes in id order. So a layer change costs the layers' changes, never
 * the image's size, and memory is one tree plus the changes — not a tree per layer.
 */
import { type ImageModel, NodeStatus } from "./image-model.js";
import { ROOT } from "./path-table.js";
import { ChangeKind, HiddenReason } from "./stack.js";

/** Node classes: not in the tree, present, or deleted by this layer (shown in place). */
export const ABSENT = 0;
export const PRESENT = 1;
export const REMOVED = 2;

/** NodeStatus of a written version by its ChangeKind (a read-only lookup table). */
export const STATUS_OF_CHANGE: ArrayLike<number> = (() => {
  const t = new Uint8Array(4);
  t[ChangeKind.Added] = NodeStatus.Added;
  t[ChangeKind.Modified] = NodeStatus.Modified;
  t[ChangeKind.Same] = NodeStatus.Same;
  return t;
})();

/** The step between layer k and k + 1: its touched nodes (ascending) and their values on both sides. */
interface Step {
  nodes: Int32Array;
  clsLo: Uint8Array;
  clsHi: Uint8Array;
  sizeLo: Float64Array;
  sizeHi: Float64Array;
  rowsLo: Int32Array;
  rowsHi: Int32Array;
}

const STEP_BYTES_PER_NODE = 4 + 2 * (1 + 8 + 4);

export interface MergedTreeOptions {
  /** Bytes kept for computed steps (default: 32 per version, i.e. per tar entry; at least 16 MiB). */
  stepBudgetBytes?: number;
  /** Rebuild from scratch rather than step when stepping would touch more nodes (default: all paths). */
  rebuildAbove?: number;
}

/** Growable per-slot scratch for one step computation. */
class Scratch {
  list = new Int32Array(1024);
  direct = new Uint8Array(1024);
  oldCls = new Uint8Array(1024);
  oldSize = new Float64Array(1024);
  oldRows = new Int32Array(1024);
  ownOld = new Float64Array(1024);
  ownNew = new Float64Array(1024);
  dSize = new Float64Array(1024);
  dRows = new Int32Array(1024);

  ensure(cap: number): void {
    if (cap <= this.list.length) return;
    let n = this.list.length;
    while (n < cap) n *= 2;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, keep: boolean): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      if (keep) b.set(a);
      return b;
    };
    this.list = grow(this.list, true);
    this.direct = grow(this.direct, false);
    this.oldCls = grow(this.oldCls, false);
    this.oldSize = grow(this.oldSize, false);
    this.oldRows = grow(this.oldRows, false);
    this.ownOld = grow(this.ownOld, false);
    this.ownNew = grow(this.ownNew, false);
    this.dSize = grow(this.dSize, false);
    this.dRows = grow(this.dRows, false);
  }
}

/** The merged tree of one image as of `layer`, moved between layers in place. */
export class MergedTree {
  /** The current version of each node as of the layer (-1: none yet). */
  readonly ver: Int32Array;
  /** ABSENT, PRESENT or REMOVED. */
  readonly cls: Uint8Array;
  /**
   * Bytes: a file's size; a directory's subtree as of the layer. A removed node (shown in place)
   * carries the bytes that were deleted, which do not count in its present parent.
   */
  readonly size: Float64Array;
  /** Rows under each node when every present path is shown and every directory expanded. */
  readonly rows: Int32Array;
  layer = -1;
  /** Bumped on every move, so views can tell the arrays changed under them. */
  moves = 0;

  /** Versions of layer k are layerStart[k] .. layerStart[k+1] (versions come layer by layer). */
  private readonly layerStart: Int32Array;
  /** Versions deleted (not overwritten) at layer h are hiddenList[hiddenStart[h] .. hiddenStart[h+1]]. */
  private readonly hiddenStart: Int32Array;
  private readonly hiddenList: Int32Array;
  /** False if versions were not in layer order; then every move is a full build. */
  readonly ordered: boolean;
  /** -1, or a node's slot while a step is computed. */
  private readonly slotOf: Int32Array;
  private readonly scratch = new Scratch();
  /** Each version's own bytes (0 for implied directories). */
  private readonly versionBytes: VersionBytes;
  private readonly steps: (Step | null)[];
  private stepBytes = 0;
  private readonly stepBudget: number;
  private readonly rebuildAbove: number;

  constructor(
    readonly model: ImageModel,
    opts: MergedTreeOptions = {},
  ) {
    const n = model.paths.size;
    const vs = model.versions;
    const layers = model.layerCount;
    this.ver = new Int32Array(n);
    this.cls = new Uint8Array(n);
    this.size = new Float64Array(n);
    this.rows = new Int32Array(n);
    const layerStart = new Int32Array(layers + 1);
    const hiddenStart = new Int32Array(layers + 1);
    // Overwritten versions need no list: the node has a new version in that very layer.
    const removedAt = (v: number) =>
      vs.hiddenReason[v] === HiddenReason.Overwritten ? NOT_LISTED : vs.hiddenAt[v]!;
    const NOT_LISTED = layers;
    let ordered = true;
    for (let v = 0; v < vs.count; v++) {
      const L = vs.layer[v]!;
      if (v > 0 && L < vs.layer[v - 1]!) ordered = false;
      layerStart[L + 1]!++;
      const h = removedAt(v);
      if (h < layers) hiddenStart[h + 1]!++;
    }
    for (let k = 0; k < layers; k++) {
      layerStart[k + 1]! += layerStart[k]!;
      hiddenStart[k + 1]! += hiddenStart[k]!;
    }
    const hiddenList = new Int32Array(hiddenStart[layers]!);
    const fill = hiddenStart.slice(0, layers);
    for (let v = 0; v < vs.count; v++) {
      const h = removedAt(v);
      if (h < layers) hiddenList[fill[h]!++] = v;
    }
    this.layerStart = layerStart;
    this.hiddenStart = hiddenStart;
    this.hiddenList = hiddenList;
    this.ordered = ordered;
    this.slotOf = new Int32Array(n).fill(-1);
    this.versionBytes = new VersionBytes(model);
    this.steps = new Array<Step | null>(Math.max(0, layers - 1)).fill(null);
    // Steps hold ~30 bytes per path they touch, and a version is touched by at most the step that
    // writes it and the one that deletes it: 32 bytes per version keeps every step of most images.
    this.stepBudget = opts.stepBudgetBytes ?? Math.max(16 * 2 ** 20, 32 * vs.count);
    this.rebuildAbove = opts.rebuildAbove ?? n;
  }

  /** Bytes held by the tree, its index and the kept steps. */
  get memoryBytes(): number {
    const n = this.ver.length;
    return n * (4 + 1 + 8 + 4 + 4) + this.hiddenList.length * 4 + this.stepBytes;
  }

  /** Forget every kept step (as if none had been prepared); the arrays stay at their layer. */
  dropSteps(): void {
    this.steps.fill(null);
    this.stepBytes = 0;
  }

  /** Is the step between `k` and `k + 1` known (crossing it is a sweep of stores)? */
  hasStep(k: number): boolean {
    return this.steps[k] != null;
  }

  /** Versions that can differ between layer k and k + 1: written in k + 1, deleted at k or k + 1. */
  stepChanges(k: number): number {
    return (
      this.layerStart[k + 2]! - this.layerStart[k + 1]! + this.hiddenStart[k + 2]! - this.hiddenStart[k]!
    );
  }

  /** Versions written by `layer`: [start, end) in version order. */
  versionsOfLayer(layer: number): [number, number] {
    return [this.layerStart[layer]!, this.layerStart[layer + 1]!];
  }

  /** Versions deleted (not overwritten) at `layer`: they show there as removed in place. */
  deletedAt(layer: number): Int32Array {
    return this.hiddenList.subarray(this.hiddenStart[layer]!, this.hiddenStart[layer + 1]!);
  }

  /** Bring the arrays to `layer`. */
  moveTo(layer: number): void {
    if (layer === this.layer) return;
    this.moves++;
    const from = this.layer;
    if (from < 0 || !this.ordered || this.moveCost(from, layer) > this.rebuildAbove) {
      this.build(layer);
      return;
    }
    if (layer > from) for (let k = from; k < layer; k++) this.cross(k, true);
    else for (let k = from - 1; k >= layer; k--) this.cross(k, false);
  }

  /** Work of moving step by step (known steps cost their nodes, unknown ones ~3× their changes). */
  private moveCost(from: number, to: number): number {
    let cost = 0;
    for (let k = Math.min(from, to); k < Math.max(from, to); k++) {
      const s = this.steps[k];
      cost += s ? s.nodes.length : 3 * this.stepChanges(k);
    }
    return cost;
  }

  /**
   * Compute (and keep, within the budget) the step between `k` and `k + 1` in idle time: move to a
   * side of it, cross it, come back. True if the step is kept now; false if there was nothing to do
   * or it did not fit (then preparing more is pointless: callers stop).
   */
  prepareStep(k: number): boolean {
    if (k < 0 || k >= this.steps.length || this.steps[k] || !this.ordered) return false;
    if (this.stepBytes >= this.stepBudget) return false;
    const back = this.layer;
    if (back < 0) return false;
    this.moveTo(back <= k ? k : k + 1);
    this.cross(k, this.layer === k);
    this.moveTo(back);
    return this.steps[k] !== null;
  }

  /** Steps not yet known, nearest to `layer` first, within `reach` layers. */
  missingStepsNear(layer: number, reach: number): number[] {
    const out: number[] = [];
    for (let d = 0; d < reach; d++) {
      for (const k of [layer + d, layer - 1 - d]) {
        if (k >= 0 && k < this.steps.length && !this.steps[k]) out.push(k);
      }
    }
    return out;
  }

  private cross(k: number, up: boolean): void {
    const s = this.steps[k];
    if (s) this.apply(s, k, up);
    else this.compute(k, up);
    this.layer = up ? k + 1 : k;
  }

  private apply(s: Step, k: number, up: boolean): void {
    const a = this.layerStart[k + 1]!;
    const b = this.layerStart[k + 2]!;
    moveVersions(this.ver, this.model, a, b, up);
    const { nodes } = s;
    const cls = up ? s.clsHi : s.clsLo;
    const size = up ? s.sizeHi : s.sizeLo;
    const rows = up ? s.rowsHi : s.rowsLo;
    const tc = this.cls;
    const ts = this.size;
    const tr = this.rows;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      tc[node] = cls[i]!;
      ts[node] = size[i]!;
      tr[node] = rows[i]!;
    }
  }

  private own(v: number, c: number): number {
    return v < 0 || c === ABSENT ? 0 : this.versionBytes.of(v);
  }

  /** Cross the step between k and k + 1 the long way, keeping it if the budget allows. */
  private compute(k: number, up: boolean): void {
    const vs = this.model.versions;
    const { parents } = this.model.paths.columns();
    const { ver, cls, size, rows, slotOf, versionBytes } = this;
    const sc = this.scratch;
    // 1. Nodes with a version written in k + 1 or deleted at k or k + 1, then their ancestors.
    const a = this.layerStart[k + 1]!;
    const b = this.layerStart[k + 2]!;
    const ha = this.hiddenStart[k]!;
    const hb = this.hiddenStart[k + 2]!;
    sc.ensure(b - a + hb - ha);
    let m = markDirect(sc.list, slotOf, vs.node, a, b, this.hiddenList, ha, hb);
    m = addAncestors(sc, m, parents, slotOf);
    const order = sc.list.subarray(0, m).sort();
    // 2. Old values by slot (the node's position in id order), 3. new versions and classes,
    // 4. children before parents: new sums and the change in the parent's.
    saveOld(sc, order, slotOf, ver, cls, size, rows, versionBytes);
    moveVersions(ver, this.model, a, b, up);
    newClasses(sc, order, ver, cls, vs.hiddenAt, vs.hiddenReason, versionBytes, up ? k + 1 : k);
    sumUp(sc, order, slotOf, parents, cls, size, rows);
    for (let i = 0; i < m; i++) slotOf[order[i]!] = -1;
    // 5. Keep both sides of the step, if there is room.
    const bytes = m * STEP_BYTES_PER_NODE;
    if (this.stepBytes + bytes > this.stepBudget) return;
    const now = gather(order, cls, size, rows);
    const old = { cls: sc.oldCls.slice(0, m), size: sc.oldSize.slice(0, m), rows: sc.oldRows.slice(0, m) };
    const lo = up ? old : now;
    const hi = up ? now : old;
    this.steps[k] = {
      nodes: order.slice(),
      clsLo: lo.cls,
      clsHi: hi.cls,
      sizeLo: lo.size,
      sizeHi: hi.size,
      rowsLo: lo.rows,
      rowsHi: hi.rows,
    };
    this.stepBytes += bytes;
  }

  /** Build the arrays for `layer` from scratch: versions, classes and own bytes, then sums upwards. */
  private build(layer: number): void {
    const { model, ver, cls, size, rows } = this;
    const vs = model.versions;
    const n = ver.length;
    ver.fill(-1);
    cls.fill(ABSENT);
    size.fill(0);
    rows.fill(0);
    // Versions come layer by layer, so the last one seen per node (≤ layer) is its current one.
    for (let v = 0; v < vs.count; v++) if (vs.layer[v]! <= layer) ver[vs.node[v]!] = v;
    for (let node = 0; node < n; node++) {
      const v = ver[node]!;
      if (v < 0) continue;
      const c = classOf(vs.hiddenAt[v]!, vs.hiddenReason[v]!, layer);
      cls[node] = c;
      size[node] = this.own(v, c);
    }
    const { parents } = model.paths.columns();
    for (let node = n - 1; node > ROOT; node--) {
      const c = cls[node]!;
      if (c === ABSENT) continue;
      const p = parents[node]!;
      if ((c === REMOVED) === (p !== ROOT && cls[p] === REMOVED)) size[p]! += size[node]!;
      rows[p]! += 1 + rows[node]!;
    }
    this.layer = layer;
  }
}

/*
 * The passes of a step, one small function per loop: V8 optimises each on its own within a few
 * thousand iterations, where one function holding every loop was recompiled and deoptimised loop
 * by loop on its first calls (the calls a user waits for).
 */
const DIRECT = -2;
const ANCESTOR = -3;

/** Versions a..b (one layer's) become current going up; going down, the one before each does. */
function moveVersions(ver: Int32Array, model: ImageModel, a: number, b: number, up: boolean) {
  const vNode = model.versions.node;
  if (up) for (let v = a; v < b; v++) ver[vNode[v]!] = v;
  else for (let v = b - 1; v >= a; v--) ver[vNode[v]!] = model.previousVersion(v);
}

/** A version's own bytes, read from its layer (0 for implied directories). */
class VersionBytes {
  private readonly entry: Int32Array;
  private readonly layer: Uint16Array;
  private readonly sizes: Float64Array[];

  constructor(model: ImageModel) {
    this.entry = model.versions.entry;
    this.layer = model.versions.layer;
    this.sizes = model.stack.layers.map((c) => c.size);
  }

  of(v: number): number {
    const e = this.entry[v]!;
    return e < 0 ? 0 : this.sizes[this.layer[v]!]![e]!;
  }
}

/** List the nodes of versions a..b and of hiddenList[ha..hb], once each; returns how many. */
function markDirect(
  list: Int32Array,
  slotOf: Int32Array,
  vNode: Int32Array,
  a: number,
  b: number,
  hiddenList: Int32Array,
  ha: number,
  hb: number,
): number {
  let m = 0;
  for (let v = a; v < b; v++) {
    const node = vNode[v]!;
    if (slotOf[node] !== -1) continue;
    slotOf[node] = DIRECT;
    list[m++] = node;
  }
  for (let i = ha; i < hb; i++) {
    const node = vNode[hiddenList[i]!]!;
    if (slotOf[node] !== -1) continue;
    slotOf[node] = DIRECT;
    list[m++] = node;
  }
  return m;
}

/** Append the ancestors of the first `direct` listed nodes, once each; returns the new length. */
function addAncestors(sc: Scratch, direct: number, parents: Int32Array, slotOf: Int32Array): number {
  let list = sc.list;
  let m = direct;
  for (let i = 0; i < direct; i++) {
    for (let p = parents[list[i]!]!; p >= ROOT && slotOf[p] === -1; p = parents[p]!) {
      slotOf[p] = ANCESTOR;
      if (m === list.length) {
        sc.ensure(m + 1);
        list = sc.list;
      }
      list[m++] = p;
    }
  }
  return m;
}

function saveOld(
  sc: Scratch,
  order: Int32Array,
  slotOf: Int32Array,
  ver: Int32Array,
  cls: Uint8Array,
  size: Float64Array,
  rows: Int32Array,
  bytes: VersionBytes,
): void {
  const { direct: isDirect, oldCls, oldSize, oldRows, ownOld, dSize, dRows } = sc;
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    const d = slotOf[node] === DIRECT ? 1 : 0;
    slotOf[node] = i;
    isDirect[i] = d;
    const c = cls[node]!;
    oldCls[i] = c;
    oldSize[i] = size[node]!;
    oldRows[i] = rows[node]!;
    const v = ver[node]!;
    ownOld[i] = d === 0 || v < 0 || c === ABSENT ? 0 : bytes.of(v);
    dSize[i] = 0;
    dRows[i] = 0;
  }
}

function newClasses(
  sc: Scratch,
  order: Int32Array,
  ver: Int32Array,
  cls: Uint8Array,
  hiddenAt: Uint16Array,
  reason: Uint8Array,
  bytes: VersionBytes,
  layer: number,
): void {
  const { direct: isDirect, ownNew } = sc;
  for (let i = 0; i < order.length; i++) {
    if (isDirect[i] === 0) continue;
    const node = order[i]!;
    const v = ver[node]!;
    const c = v < 0 ? ABSENT : classOf(hiddenAt[v]!, reason[v]!, layer);
    cls[node] = c;
    ownNew[i] = v < 0 || c === ABSENT ? 0 : bytes.of(v);
  }
}

/** Children before parents (descending ids): each node's new sums, then its change in its parent's. */
function sumUp(
  sc: Scratch,
  order: Int32Array,
  slotOf: Int32Array,
  parents: Int32Array,
  cls: Uint8Array,
  size: Float64Array,
  rows: Int32Array,
): void {
  const { direct: isDirect, oldCls, oldSize, oldRows, ownOld, ownNew, dSize, dRows } = sc;
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    const ownDelta = isDirect[i] === 1 ? ownNew[i]! - ownOld[i]! : 0;
    const before = oldSize[i]!;
    const newSize = before + ownDelta + dSize[i]!;
    const newRows = oldRows[i]! + dRows[i]!;
    size[node] = newSize;
    rows[node] = newRows;
    if (node === ROOT) continue;
    const p = parents[node]!;
    const pi = slotOf[p]!;
    const co = oldCls[i]!;
    const cn = cls[node]!;
    const sizeBefore = counts(co, p === ROOT ? PRESENT : oldCls[pi]!) ? before : 0;
    const sizeAfter = counts(cn, p === ROOT ? PRESENT : cls[p]!) ? newSize : 0;
    dSize[pi]! += sizeAfter - sizeBefore;
    dRows[pi]! += (cn === ABSENT ? 0 : 1 + newRows) - (co === ABSENT ? 0 : 1 + oldRows[i]!);
  }
}

/** The listed nodes' current values. */
function gather(order: Int32Array, cls: Uint8Array, size: Float64Array, rows: Int32Array) {
  const m = order.length;
  const out = { cls: new Uint8Array(m), size: new Float64Array(m), rows: new Int32Array(m) };
  for (let i = 0; i < m; i++) {
    const node = order[i]!;
    out.cls[i] = cls[node]!;
    out.size[i] = size[node]!;
    out.rows[i] = rows[node]!;
  }
  return out;
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
