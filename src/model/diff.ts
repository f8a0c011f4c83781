/**
 * Comparing two filesystem trees: the final trees of two images (`diffImages`), or one image's tree
 * as of two layers (`diffLayers`, the explorer's range view). Pure: reads models only.
 *
 * Paths are compared by name. Non-directories are listed when added, removed or changed (content,
 * type, link target, mode, owner); directories only when their own mode or owner changed or they
 * turned into something else (added and removed directories show through their contents).
 */
import {
  type ComparisonTotals,
  compareImages,
  deltaOf,
  differencesUnder,
  type ImageComparison,
  type LayerMatch,
  type LayerRef,
  type PackageChanges,
} from "./compare.js";
import {
  ADDED,
  CHANGED,
  type ChangeAspect,
  changeAspectsOf,
  type DiffKind,
  differenceOf,
  diffKindOf,
  REMOVED,
} from "./difference.js";
import type { ImageModel } from "./image-model.js";
import { ENTRY_TYPE_NAMES, EntryType } from "./layer-contents.js";
import type { PathTable } from "./path-table.js";
import { NOT_HIDDEN } from "./stack.js";
import type { Steps } from "./steps.js";

export type { LayerMatch, LayerRef, SharedLayer } from "./compare.js";
export { type ChangeAspect, changeAspectsOf, type DiffKind, diffKindOf } from "./difference.js";

export interface DiffEntry {
  path: string;
  kind: DiffKind;
  /** Entry type on each side ("file", "dir", "symlink", "hardlink", …), null where absent. */
  typeA: string | null;
  typeB: string | null;
  /** Regular-file bytes on each side (0 when absent or not a regular file). */
  sizeA: number;
  sizeB: number;
  /** sizeB − sizeA. */
  delta: number;
  /** What differs, for a changed path. */
  changes: ChangeAspect[];
  /** Node ids in model A and B (the same model for diffLayers); -1 where absent. */
  nodeA: number;
  nodeB: number;
}

export interface DirectoryTotals {
  /** A directory at the chosen depth ("/" for files at the top). */
  path: string;
  added: number;
  removed: number;
  changed: number;
  addedBytes: number;
  removedBytes: number;
  /** Change in regular-file bytes under this directory (B − A). */
  delta: number;
}

export interface ImageDiff {
  /** Sorted by path. */
  entries: DiffEntry[];
  totals: ComparisonTotals;
  /** Totals per directory at `depth` (1 = top-level directories), largest change first. */
  directories: DirectoryTotals[];
  depth: number;
  layers: LayerMatch;
  /** Package changes, when the comparison has them (package readers: issue 11 §2); absent otherwise. */
  packages?: PackageChanges;
}

export interface DiffOptions {
  /** Depth of the per-directory totals (default 1: /usr, /etc, …). */
  depth?: number;
}

/** One side of a comparison: a model and which version of a node it shows. */
interface Side {
  model: ImageModel;
  version(node: number): number;
}

/**
 * Compare the final trees of two images, and their layers by DiffID: compareImages (the comparison
 * the explorer's --compare view shows) as lists.
 */
export function diffImages(a: ImageModel, b: ImageModel, opts: DiffOptions = {}): ImageDiff {
  return diffOfComparison(compareImages(a, b), opts);
}

/** A comparison's entries (sorted by path), totals, per-directory totals at `depth` and layer match. */
export function diffOfComparison(c: ImageComparison, opts: DiffOptions = {}): ImageDiff {
  const depth = opts.depth ?? 1;
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be 1 or more, not ${depth}`);
  const { a, b, paths } = c;
  const entries: DiffEntry[] = [];
  const level = new Int32Array(paths.size);
  const groups = new Map<number, DirectoryTotals>();
  const group = (node: number): DirectoryTotals => {
    let d = groups.get(node);
    if (!d) {
      d = {
        path: paths.path(node),
        added: 0,
        removed: 0,
        changed: 0,
        addedBytes: 0,
        removedBytes: 0,
        delta: 0,
      };
      groups.set(node, d);
    }
    return d;
  };
  for (let u = 1; u < paths.size; u++) {
    const d = level[paths.parent(u)]! + 1;
    level[u] = d;
    // A directory at the depth asked for totals everything under it (the comparison's subtree sums).
    if (d === depth && differencesUnder(c, u) > (c.code[u] !== 0 ? 1 : 0)) {
      const own = c.code[u]! & 3;
      const g = group(u);
      g.added += c.added[u]! - (own === ADDED ? 1 : 0);
      g.removed += c.removed[u]! - (own === REMOVED ? 1 : 0);
      g.changed += c.changed[u]! - (own === CHANGED ? 1 : 0);
      g.addedBytes += c.addedBytes[u]! - (own === ADDED ? c.sizeB[u]! : 0);
      g.removedBytes += c.removedBytes[u]! - (own === REMOVED ? c.sizeA[u]! : 0);
      g.delta += deltaOf(c, u) - (c.sizeB[u]! - c.sizeA[u]!);
    }
    const code = c.code[u]!;
    if (code === 0) continue;
    const va = c.nodeA[u]! >= 0 ? a.stack.top(c.nodeA[u]!) : -1;
    const vb = c.nodeB[u]! >= 0 ? b.stack.top(c.nodeB[u]!) : -1;
    const kind = diffKindOf(code);
    const e: DiffEntry = {
      path: paths.path(u),
      kind,
      typeA: va < 0 ? null : ENTRY_TYPE_NAMES[a.stack.type(va)],
      typeB: vb < 0 ? null : ENTRY_TYPE_NAMES[b.stack.type(vb)],
      sizeA: c.sizeA[u]!,
      sizeB: c.sizeB[u]!,
      delta: c.sizeB[u]! - c.sizeA[u]!,
      changes: changeAspectsOf(code),
      nodeA: va >= 0 ? c.nodeA[u]! : -1,
      nodeB: vb >= 0 ? c.nodeB[u]! : -1,
    };
    entries.push(e);
    // Entries no deeper than the depth asked for count in their directory ("/" for the top).
    if (d <= depth) {
      const g = group(paths.parent(u));
      g.delta += e.delta;
      if (kind === "added") {
        g.added++;
        g.addedBytes += e.sizeB;
      } else if (kind === "removed") {
        g.removed++;
        g.removedBytes += e.sizeA;
      } else g.changed++;
    }
  }
  entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return {
    entries,
    totals: { ...c.totals },
    directories: sortDirectories([...groups.values()]),
    depth,
    layers: c.layers,
    ...(c.packages ? { packages: c.packages } : {}),
  };
}

function sortDirectories(dirs: DirectoryTotals[]): DirectoryTotals[] {
  return dirs.sort(
    (x, y) =>
      Math.abs(y.delta) - Math.abs(x.delta) ||
      y.added + y.removed + y.changed - (x.added + x.removed + x.changed) ||
      (x.path < y.path ? -1 : 1),
  );
}

/**
 * Compare one image's tree as of layer `from` with the tree as of layer `to` (either order; -1 is the
 * empty tree before the first layer). Only paths some layer in between touched are examined.
 */
export function diffLayers(model: ImageModel, from: number, to: number, opts: DiffOptions = {}): ImageDiff {
  const last = model.layerCount - 1;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < -1 || to < -1 || from > last || to > last) {
    throw new RangeError(`layers ${from}..${to} are outside -1..${last}`);
  }
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const touched = touchedBetween(model, lo, hi);
  const collector = new Collector(opts.depth ?? 1);
  const sa: Side = { model, version: (n) => model.visibleAt(n, from) };
  const sb: Side = { model, version: (n) => model.visibleAt(n, to) };
  for (let n = 1; n < touched.length; n++) if (touched[n]) collector.compare(sa, n, sb, n);
  const refs = model.layers.map((l) => layerRef(model, l.index));
  const between = refs.slice(lo + 1, hi + 1);
  const content = contentByLayer(model);
  return collector.finish(contentAt(content, from), contentAt(content, to), {
    shared: refs
      .slice(0, lo + 1)
      .map((r) => ({ diffId: r.diffId ?? "", a: r.index, b: r.index, size: r.size })),
    onlyA: from > to ? between : [],
    onlyB: from < to ? between : [],
    commonBase: lo + 1,
  });
}

/** Regular-file bytes visible as of each layer, from one pass over the versions (callers keep it per image). */
export function contentByLayer(model: ImageModel): Float64Array {
  // A file version counts from its layer until the layer that hides it: add there, take off here.
  const vs = model.versions;
  const change = new Float64Array(model.layerCount + 1);
  for (let v = 0; v < vs.count; v++) {
    if (model.stack.type(v) !== EntryType.File) continue;
    const size = model.stack.size(v);
    change[vs.layer[v]!]! += size;
    const h = vs.hiddenAt[v]!;
    if (h !== NOT_HIDDEN && h < model.layerCount) change[h]! -= size;
  }
  const content = new Float64Array(model.layerCount);
  let total = 0;
  for (let L = 0; L < model.layerCount; L++) {
    total += change[L]!;
    content[L] = total;
  }
  return content;
}

/** Regular-file bytes visible as of `layer` (-1: none), from contentByLayer's figures. */
export function contentAt(content: Float64Array, layer: number): number {
  return layer < 0 || content.length === 0 ? 0 : content[Math.min(layer, content.length - 1)]!;
}

function layerRef(model: ImageModel, index: number): LayerRef {
  const l = model.layers[index]!;
  return { index, diffId: l.diffId, size: l.size, command: l.command };
}

class Collector {
  readonly entries: DiffEntry[] = [];

  constructor(readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be 1 or more, not ${depth}`);
  }

  compare(a: Side, na: number, b: Side, nb: number): void {
    const va = na >= 0 ? a.version(na) : -1;
    const vb = nb >= 0 ? b.version(nb) : -1;
    const code = differenceOf(a.model, va, b.model, vb);
    if (code === 0) return;
    const sta = a.model.stack;
    const stb = b.model.stack;
    const ta = va >= 0 ? sta.type(va) : null;
    const tb = vb >= 0 ? stb.type(vb) : null;
    const sizeA = ta === EntryType.File ? sta.size(va) : 0;
    const sizeB = tb === EntryType.File ? stb.size(vb) : 0;
    const paths = (nb >= 0 ? b.model.paths : a.model.paths) as PathTable;
    this.entries.push({
      path: paths.path(nb >= 0 ? nb : na),
      kind: diffKindOf(code),
      typeA: ta === null ? null : ENTRY_TYPE_NAMES[ta],
      typeB: tb === null ? null : ENTRY_TYPE_NAMES[tb],
      sizeA,
      sizeB,
      delta: sizeB - sizeA,
      changes: changeAspectsOf(code),
      nodeA: va >= 0 ? na : -1,
      nodeB: vb >= 0 ? nb : -1,
    });
  }

  finish(sizeA: number, sizeB: number, layers: ImageDiff["layers"]): ImageDiff {
    const entries = this.entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
    const totals = {
      added: 0,
      removed: 0,
      changed: 0,
      addedBytes: 0,
      removedBytes: 0,
      sizeA,
      sizeB,
      delta: sizeB - sizeA,
    };
    const dirs = new Map<string, DirectoryTotals>();
    for (const e of entries) {
      const key = directoryOf(e.path, this.depth);
      let d = dirs.get(key);
      if (!d) {
        d = { path: key, added: 0, removed: 0, changed: 0, addedBytes: 0, removedBytes: 0, delta: 0 };
        dirs.set(key, d);
      }
      d.delta += e.delta;
      if (e.kind === "added") {
        totals.added++;
        totals.addedBytes += e.sizeB;
        d.added++;
        d.addedBytes += e.sizeB;
      } else if (e.kind === "removed") {
        totals.removed++;
        totals.removedBytes += e.sizeA;
        d.removed++;
        d.removedBytes += e.sizeA;
      } else {
        totals.changed++;
        d.changed++;
      }
    }
    const directories = sortDirectories([...dirs.values()]);
    return { entries, totals, directories, depth: this.depth, layers };
  }
}

/** The directory holding `path` at `depth` segments ("/usr" for /usr/lib/x at depth 1), "/" for files at the top. */
function directoryOf(path: string, depth: number): string {
  // Paths are absolute and normalised ("/a/b/c"): the directory ends at the (depth + 1)-th "/",
  // unless the file itself comes first.
  let end = 0;
  for (let d = 0; d < depth; d++) {
    const next = path.indexOf("/", end + 1);
    if (next < 0) break;
    end = next;
  }
  return end === 0 ? "/" : path.slice(0, end);
}

/**
 * One image's tree as of two layers compared, for the explorer: typed arrays, no object or path
 * string per entry (a million-path image can differ in a hundred thousand), in tree order.
 */
export interface CompactRangeDiff {
  from: number;
  to: number;
  /** The differing paths, in the explorer's tree order (depth first, children by name). */
  nodes: Int32Array;
  /** Difference codes (see diffKindOf, changeAspectsOf). */
  codes: Uint8Array;
  /** Regular-file bytes on each side. */
  sizeA: Float64Array;
  sizeB: Float64Array;
  totals: ImageDiff["totals"];
}

/** Nodes some layer in (lo, hi] wrote or hid: the only ones that can differ. */
function touchedBetween(model: ImageModel, lo: number, hi: number): Uint8Array {
  const vs = model.versions;
  const touched = new Uint8Array(model.paths.size);
  for (let v = 0; v < vs.count; v++) {
    const L = vs.layer[v]!;
    const h = vs.hiddenAt[v]!;
    if ((L > lo && L <= hi) || (h !== NOT_HIDDEN && h > lo && h <= hi)) touched[vs.node[v]!] = 1;
  }
  return touched;
}

/** Nodes looked at between two pauses of compactRangeDiffSteps. */
const STEP_NODES = 65_536;

/** diffLayers for the explorer, compact and resumable (a pause every few thousand paths). */
export function* compactRangeDiffSteps(
  model: ImageModel,
  from: number,
  to: number,
  /** contentByLayer(model), when the caller keeps it (the explorer's session does); asked for in the last step. */
  content?: () => Float64Array,
): Steps<CompactRangeDiff> {
  const touched = touchedBetween(model, Math.min(from, to), Math.max(from, to));
  yield;
  const rank = model.treeOrder();
  yield;
  let nodes = new Int32Array(1024);
  let codes = new Uint8Array(1024);
  let count = 0;
  for (let n = 1; n < touched.length; n++) {
    if (n % STEP_NODES === 0) yield;
    if (!touched[n]) continue;
    const code = differenceOf(model, model.visibleAt(n, from), model, model.visibleAt(n, to));
    if (code === 0) continue;
    if (count === nodes.length) {
      const grownNodes = new Int32Array(count * 2);
      grownNodes.set(nodes);
      nodes = grownNodes;
      const grownCodes = new Uint8Array(count * 2);
      grownCodes.set(codes);
      codes = grownCodes;
    }
    nodes[count] = n;
    codes[count++] = code;
  }
  yield;
  const byLayer = content ? content() : contentByLayer(model);
  // Tree order: (rank, index) pairs packed as rank × 2^k + index, exact in a double for any image.
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(count + 1)));
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = rank[nodes[i]!]! * scale + i;
  keys.sort();
  const out: CompactRangeDiff = {
    from,
    to,
    nodes: new Int32Array(count),
    codes: new Uint8Array(count),
    sizeA: new Float64Array(count),
    sizeB: new Float64Array(count),
    totals: {
      added: 0,
      removed: 0,
      changed: 0,
      addedBytes: 0,
      removedBytes: 0,
      sizeA: contentAt(byLayer, from),
      sizeB: contentAt(byLayer, to),
      delta: 0,
    },
  };
  const t = out.totals;
  t.delta = t.sizeB - t.sizeA;
  const fileBytes = (v: number) =>
    v >= 0 && model.stack.type(v) === EntryType.File ? model.stack.size(v) : 0;
  for (let j = 0; j < count; j++) {
    const i = keys[j]! % scale;
    const n = nodes[i]!;
    const code = codes[i]!;
    out.nodes[j] = n;
    out.codes[j] = code;
    const a = fileBytes(model.visibleAt(n, from));
    const b = fileBytes(model.visibleAt(n, to));
    out.sizeA[j] = a;
    out.sizeB[j] = b;
    const kind = code & 3;
    if (kind === ADDED) {
      t.added++;
      t.addedBytes += b;
    } else if (kind === REMOVED) {
      t.removed++;
      t.removedBytes += a;
    } else t.changed++;
  }
  return out;
}
