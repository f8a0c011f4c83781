import { EntryType } from "./layer-contents.js";
import type { PathTable } from "./path-table.js";
import { type HiddenReason, type LayerStack, NOT_HIDDEN } from "./stack.js";

/** What the waste analysis reads of an image (ImageModel provides it). */
export interface WasteInput {
  readonly stack: LayerStack;
  readonly paths: PathTable;
  readonly layers: ReadonlyArray<{ readonly size: number }>;
  /** Versions of a node, oldest first. */
  versionsOf(node: number): Int32Array;
}

/** A path whose bytes were shipped in some layer but are not visible at the top. */
export interface Inefficiency {
  node: number;
  path: string;
  /** Regular-file copies of this path across all layers, the visible one included. */
  copies: number;
  /** Bytes of the copies nobody sees at the top. */
  wastedBytes: number;
  /** Layers that wrote a copy, bottom first. */
  layers: number[];
  /** The latest layer that hid a copy (overwrote or deleted it). */
  hiddenBy: number;
  hiddenReason: HiddenReason;
  /** Whether the path is still visible at the top (overwritten, as opposed to deleted). */
  visibleAtTop: boolean;
}

export interface WasteReport {
  /** Sum of all layer sizes (regular-file bytes in every layer). */
  totalLayerBytes: number;
  /** Bytes of regular files visible in the final merged tree. */
  contentBytes: number;
  /** totalLayerBytes − contentBytes: bytes shipped but never visible at the top. */
  wastedBytes: number;
  /** contentBytes / totalLayerBytes (1 for an image with no bytes). */
  efficiency: number;
  /** Non-directory paths in the final tree. */
  fileCount: number;
  /** How many paths have wasted bytes. */
  inefficiencyCount: number;
  /** The `limit` paths with the most wasted bytes, largest first (made on demand). */
  topInefficiencies(limit: number): Inefficiency[];
  /** Every path with wasted bytes, largest first (made on first use; one object per path). */
  readonly inefficiencies: Inefficiency[];
}

/**
 * Every regular-file version is either visible at the top (content) or hidden by a later
 * layer (waste), so content + waste = total exactly: nothing counted twice or left out.
 * Per-path details are kept as typed arrays and turned into objects only when asked for, so an
 * image with a hundred thousand overwritten files does not hold as many objects (and strings).
 */
export function computeWaste(model: WasteInput): WasteReport {
  const stack = model.stack;
  const vs = stack.versions;
  const n = model.paths.size;
  let total = 0;
  let content = 0;
  let fileCount = 0;
  const wastedOf = new Float64Array(n);
  const hiddenByOf = new Int32Array(n).fill(-1);
  const reasonOf = new Uint8Array(n);
  for (let v = 0; v < vs.count; v++) {
    const type = stack.type(v);
    const hidden = vs.hiddenAt[v] !== NOT_HIDDEN;
    if (!hidden && type !== EntryType.Dir) fileCount++;
    if (type !== EntryType.File) continue;
    const size = stack.size(v);
    total += size;
    if (!hidden) {
      content += size;
      continue;
    }
    if (size === 0) continue;
    const node = vs.node[v]!;
    wastedOf[node]! += size;
    if (vs.hiddenAt[v]! >= hiddenByOf[node]!) {
      hiddenByOf[node] = vs.hiddenAt[v]!;
      reasonOf[node] = vs.hiddenReason[v]!;
    }
  }
  let count = 0;
  for (let node = 0; node < n; node++) if (hiddenByOf[node]! >= 0) count++;
  const nodes = new Int32Array(count);
  for (let node = 0, i = 0; node < n; node++) if (hiddenByOf[node]! >= 0) nodes[i++] = node;
  // Largest waste first, then by path: paths are built only for ties, once per path (a million
  // overwritten files of one size would otherwise build two paths per comparison).
  nodes.sort((a, b) => wastedOf[b]! - wastedOf[a]! || a - b);
  for (let i = 0; i < count; ) {
    let j = i + 1;
    while (j < count && wastedOf[nodes[j]!] === wastedOf[nodes[i]!]) j++;
    if (j - i > 1) {
      const run = Array.from(nodes.subarray(i, j), (node) => ({ node, path: model.paths.path(node) }));
      run.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (let k = 0; k < run.length; k++) nodes[i + k] = run[k]!.node;
    }
    i = j;
  }
  const wasted = Float64Array.from(nodes, (node) => wastedOf[node]!);
  const hiddenBy = Uint16Array.from(nodes, (node) => hiddenByOf[node]!);
  const reasons = Uint8Array.from(nodes, (node) => reasonOf[node]!);
  const item = (i: number): Inefficiency => {
    const node = nodes[i]!;
    const out: Inefficiency = {
      node,
      path: model.paths.path(node),
      copies: 0,
      wastedBytes: wasted[i]!,
      layers: [],
      hiddenBy: hiddenBy[i]!,
      hiddenReason: reasons[i] as HiddenReason,
      visibleAtTop: false,
    };
    for (const v of model.versionsOf(node)) {
      if (stack.type(v) !== EntryType.File) continue;
      out.copies++;
      out.layers.push(vs.layer[v]!);
      if (vs.hiddenAt[v] === NOT_HIDDEN) out.visibleAtTop = true;
    }
    return out;
  };
  const top = (limit: number) =>
    Array.from({ length: Math.max(0, Math.min(limit, count)) }, (_, i) => item(i));
  // Layer sizes come from the layers as read; an unreadable layer counts as empty on both sides.
  const layerTotal = model.layers.reduce((sum, l) => sum + l.size, 0);
  if (layerTotal !== total) throw new Error(`waste accounting broke: ${layerTotal} != ${total}`);
  let all: Inefficiency[] | null = null;
  return {
    totalLayerBytes: total,
    contentBytes: content,
    wastedBytes: total - content,
    efficiency: total === 0 ? 1 : content / total,
    fileCount,
    inefficiencyCount: count,
    topInefficiencies: top,
    get inefficiencies() {
      all ??= top(count);
      return all;
    },
  };
}
