/**
 * Two images compared: the one comparison behind `layerview diff A B` (diff.ts turns it into lists)
 * and the explorer's `--compare` view (which walks it as a tree). Pure: reads the two models only.
 *
 * The final trees of both are merged into one path table (`paths`, the union of the paths visible at
 * the top of either image); every merged path keeps its node in each image, how the two versions
 * differ (difference.ts), its regular-file bytes on each side and, for a directory, the totals of
 * everything under it. Stored in typed arrays: two million-path images cost tens of bytes a path.
 */
import { ADDED, CHANGED, differenceOf, REMOVED } from "./difference.js";
import type { ImageModel } from "./image-model.js";
import { EntryType } from "./layer-contents.js";
import { compareImagePackages, type ImagePackages, type PackageChanges } from "./packages.js";
import { PathTable, ROOT } from "./path-table.js";
import { runToEnd, type Steps } from "./steps.js";

export type { PackageChange, PackageChanges } from "./packages.js";

export interface LayerRef {
  index: number;
  diffId: string | null;
  size: number;
  command: string;
}

export interface SharedLayer {
  diffId: string;
  a: number;
  b: number;
  size: number;
}

/** The two images' layers matched by DiffID. */
export interface LayerMatch {
  /** Layers in both (same DiffID), matched in order. */
  shared: SharedLayer[];
  onlyA: LayerRef[];
  onlyB: LayerRef[];
  /** How many bottom layers the two have in common, in the same order (a shared base image). */
  commonBase: number;
}

export interface ComparisonTotals {
  added: number;
  removed: number;
  changed: number;
  addedBytes: number;
  removedBytes: number;
  /** Regular-file bytes visible on each side, and B − A. */
  sizeA: number;
  sizeB: number;
  delta: number;
}

/** Where a merged path is: in A only, in B only, or both. */
export const Presence = { Neither: 0, A: 1, B: 2, Both: 3 } as const;
export type Presence = (typeof Presence)[keyof typeof Presence];

export interface ImageComparison {
  a: ImageModel;
  b: ImageModel;
  /** The merged tree: every path visible at the top of A or B (and the directories leading to them). */
  paths: PathTable;
  /** Per merged node: its node in A / in B, -1 where the path is not visible there. */
  nodeA: Int32Array;
  nodeB: Int32Array;
  /** Presence bits (Presence). */
  presence: Uint8Array;
  /**
   * The difference code of the path itself (difference.ts; 0: the same, or a directory that comes
   * or goes, whose contents show it). Paths with a code are the comparison's entries.
   */
  code: Uint8Array;
  /** Regular-file bytes of the path itself on each side (0 for a directory, a link, an absent path). */
  sizeA: Float64Array;
  sizeB: Float64Array;
  /** Totals over the path and everything under it: regular-file bytes on each side… */
  totalA: Float64Array;
  totalB: Float64Array;
  /** …and entries added, removed and changed, with the bytes added (B's) and removed (A's). */
  added: Int32Array;
  removed: Int32Array;
  changed: Int32Array;
  addedBytes: Float64Array;
  removedBytes: Float64Array;
  totals: ComparisonTotals;
  layers: LayerMatch;
  /**
   * Packages added, removed or upgraded (the version changed, either way) between the two images'
   * final trees, biggest size change first (packages.ts compareImagePackages); null when neither
   * image has a package database layerview read.
   */
  packages: PackageChanges | null;
}

/** Nodes handled between two pauses of compareImagesSteps. */
const STEP_NODES = 16_384;

export interface CompareOptions {
  /** An image's packages per layer, when the caller keeps them (the explorer's session does). */
  packagesOf?: (m: ImageModel) => ImagePackages;
}

/** Compare the final trees of two images, their packages, and their layers by DiffID. */
export function compareImages(a: ImageModel, b: ImageModel, opts: CompareOptions = {}): ImageComparison {
  return runToEnd(compareImagesSteps(a, b, opts));
}

/** compareImages, resumable: a pause every few thousand paths (the explorer runs it in idle slices). */
export function* compareImagesSteps(
  a: ImageModel,
  b: ImageModel,
  opts: CompareOptions = {},
): Steps<ImageComparison> {
  const union = new PathTable(Math.max(a.paths.size, b.paths.size) + 16);
  const mapA = yield* mapInto(union, a);
  const mapB = yield* mapInto(union, b);
  const n = union.size;
  const nodeA = new Int32Array(n).fill(-1);
  const nodeB = new Int32Array(n).fill(-1);
  for (let x = 1; x < mapA.length; x++) {
    if (x % STEP_NODES === 0) yield;
    const u = mapA[x]!;
    if (u >= 0 && a.stack.top(x) >= 0) nodeA[u] = x;
  }
  for (let x = 1; x < mapB.length; x++) {
    if (x % STEP_NODES === 0) yield;
    const u = mapB[x]!;
    if (u >= 0 && b.stack.top(x) >= 0) nodeB[u] = x;
  }
  nodeA[ROOT] = ROOT;
  nodeB[ROOT] = ROOT;
  yield;
  // The package databases' side: their final states compared (one step; the databases are small).
  const packages = compareImagePackages(a, b, opts.packagesOf);
  yield;
  const c: ImageComparison = {
    a,
    b,
    paths: union,
    nodeA,
    nodeB,
    presence: new Uint8Array(n),
    code: new Uint8Array(n),
    sizeA: new Float64Array(n),
    sizeB: new Float64Array(n),
    totalA: new Float64Array(n),
    totalB: new Float64Array(n),
    added: new Int32Array(n),
    removed: new Int32Array(n),
    changed: new Int32Array(n),
    addedBytes: new Float64Array(n),
    removedBytes: new Float64Array(n),
    totals: {
      added: 0,
      removed: 0,
      changed: 0,
      addedBytes: 0,
      removedBytes: 0,
      sizeA: 0,
      sizeB: 0,
      delta: 0,
    },
    layers: matchLayers(a, b),
    packages,
  };
  c.presence[ROOT] = Presence.Both;
  const fileBytes = (m: ImageModel, v: number) =>
    v >= 0 && m.stack.type(v) === EntryType.File ? m.stack.size(v) : 0;
  for (let u = 1; u < n; u++) {
    if (u % STEP_NODES === 0) yield;
    const va = nodeA[u]! >= 0 ? a.stack.top(nodeA[u]!) : -1;
    const vb = nodeB[u]! >= 0 ? b.stack.top(nodeB[u]!) : -1;
    c.presence[u] = (va >= 0 ? Presence.A : 0) | (vb >= 0 ? Presence.B : 0);
    const code = differenceOf(a, va, b, vb);
    c.code[u] = code;
    const sa = fileBytes(a, va);
    const sb = fileBytes(b, vb);
    c.sizeA[u] = sa;
    c.sizeB[u] = sb;
    c.totalA[u] = sa;
    c.totalB[u] = sb;
    const kind = code & 3;
    if (kind === ADDED) {
      c.added[u] = 1;
      c.addedBytes[u] = sb;
    } else if (kind === REMOVED) {
      c.removed[u] = 1;
      c.removedBytes[u] = sa;
    } else if (kind === CHANGED) c.changed[u] = 1;
  }
  yield;
  // A parent is interned before its children: one pass from the last node up adds every subtree.
  for (let u = n - 1; u > ROOT; u--) {
    if (u % STEP_NODES === 0) yield;
    const p = union.parent(u);
    c.totalA[p]! += c.totalA[u]!;
    c.totalB[p]! += c.totalB[u]!;
    c.added[p]! += c.added[u]!;
    c.removed[p]! += c.removed[u]!;
    c.changed[p]! += c.changed[u]!;
    c.addedBytes[p]! += c.addedBytes[u]!;
    c.removedBytes[p]! += c.removedBytes[u]!;
  }
  const t = c.totals;
  t.added = c.added[ROOT]!;
  t.removed = c.removed[ROOT]!;
  t.changed = c.changed[ROOT]!;
  t.addedBytes = c.addedBytes[ROOT]!;
  t.removedBytes = c.removedBytes[ROOT]!;
  t.sizeA = c.totalA[ROOT]!;
  t.sizeB = c.totalB[ROOT]!;
  t.delta = t.sizeB - t.sizeA;
  return c;
}

/** Change in regular-file bytes of a merged path and everything under it (B − A). */
export function deltaOf(c: ImageComparison, u: number): number {
  return c.totalB[u]! - c.totalA[u]!;
}

/** Entries (added, removed, changed) at or under a merged path. */
export function differencesUnder(c: ImageComparison, u: number): number {
  return c.added[u]! + c.removed[u]! + c.changed[u]!;
}

/**
 * Intern the paths visible at the top of `m` into `union` (with the directories leading to them);
 * returns m's node → merged node (-1: not visible, nothing visible under it).
 */
function* mapInto(union: PathTable, m: ImageModel): Generator<void, Int32Array, void> {
  const paths = m.paths;
  const map = new Int32Array(paths.size).fill(-1);
  map[ROOT] = ROOT;
  const chain: number[] = [];
  for (let x = 1; x < paths.size; x++) {
    if (x % STEP_NODES === 0) yield;
    if (map[x]! >= 0 || m.stack.top(x) < 0) continue;
    // Parents have smaller ids, so most are mapped already; a hidden parent is interned on the way.
    for (let y = x; map[y]! < 0; y = paths.parent(y)) chain.push(y);
    while (chain.length > 0) {
      const y = chain.pop()!;
      map[y] = union.internChild(map[paths.parent(y)]!, paths.name(y));
    }
  }
  return map;
}

function layerRef(model: ImageModel, index: number): LayerRef {
  const l = model.layers[index]!;
  return { index, diffId: l.diffId, size: l.size, command: l.command };
}

function matchLayers(a: ImageModel, b: ImageModel): LayerMatch {
  const used = new Uint8Array(b.layerCount);
  const shared: SharedLayer[] = [];
  const matchedA = new Uint8Array(a.layerCount);
  for (const la of a.layers) {
    if (la.diffId === null) continue;
    const j = b.layers.findIndex((lb, k) => !used[k] && lb.diffId === la.diffId);
    if (j < 0) continue;
    used[j] = 1;
    matchedA[la.index] = 1;
    shared.push({ diffId: la.diffId, a: la.index, b: j, size: la.size });
  }
  let commonBase = 0;
  while (
    commonBase < a.layerCount &&
    commonBase < b.layerCount &&
    a.layers[commonBase]!.diffId !== null &&
    a.layers[commonBase]!.diffId === b.layers[commonBase]!.diffId
  ) {
    commonBase++;
  }
  return {
    shared,
    onlyA: a.layers.filter((l) => !matchedA[l.index]).map((l) => layerRef(a, l.index)),
    onlyB: b.layers.filter((l) => !used[l.index]).map((l) => layerRef(b, l.index)),
    commonBase,
  };
}

/**
 * Merged paths (e.g. a directory's children) ordered by the size change under them, largest change
 * (either way) first; then by how many entries differ under them, then by name.
 */
export function byDelta(c: ImageComparison, nodes: Int32Array): Int32Array {
  const names = c.paths;
  const list = Array.from(nodes);
  list.sort(
    (x, y) =>
      Math.abs(deltaOf(c, y)) - Math.abs(deltaOf(c, x)) ||
      differencesUnder(c, y) - differencesUnder(c, x) ||
      (names.name(x) < names.name(y) ? -1 : names.name(x) > names.name(y) ? 1 : 0),
  );
  return Int32Array.from(list);
}
