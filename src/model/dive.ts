/**
 * dive's three figures — efficiency score, wasted bytes, user-wasted percent — computed the way
 * dive computes them (filetree/efficiency.go and image analysis), so CI thresholds written for
 * dive mean the same here. This deliberately reproduces dive's rules, including where they differ
 * from layerview's own accounting:
 * - only leaves of each layer's own tree are counted, per path, across layers;
 * - a path seen in two or more layers counts ALL its copies as waste, the visible one included;
 * - a whiteout counts the bytes below it only if dive's stacked tree had a directory there
 *   (a whited-out file counts 0), and dive's stacking ignores opaque whiteouts and keeps a
 *   directory's children when a file replaces it;
 * - a whiteout of a path that dive's stacked tree lacks stops counting that layer's remaining
 *   leaves (dive aborts the visit), in dive's visiting order;
 * - user size is every layer but the first.
 */
import { EntryType, type LayerContents } from "./layer-contents.js";
import { type PathTable, ROOT } from "./path-table.js";

export interface DiveFigures {
  /** dive's efficiency score, 0..1. */
  efficiency: number;
  /** dive's wasted bytes (sum of every copy of every path seen in two or more layers). */
  wastedBytes: number;
  /** dive's wasted bytes / user size (all layers but the first); null when user size is 0. */
  userWastedPercent: number | null;
  /** dive's image size: sum of layer tar file sizes. */
  sizeBytes: number;
  /** dive's user size: sum of layer sizes except the first. */
  userSizeBytes: number;
}

export function computeDiveFigures(paths: PathTable, layers: readonly LayerContents[]): DiveFigures {
  const n = paths.size;
  const exists = new Uint8Array(n);
  const isDir = new Uint8Array(n);
  const size = new Float64Array(n);
  const cumulative = new Float64Array(n);
  const minimum = new Float64Array(n).fill(-1);
  const copies = new Uint8Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const explicit = new Int32Array(n).fill(-1);
  const walked = new Int32Array(n).fill(-1);
  exists[ROOT] = 1;
  isDir[ROOT] = 1;

  const record = (node: number, bytes: number) => {
    cumulative[node]! += bytes;
    if (minimum[node]! < 0 || bytes < minimum[node]!) minimum[node] = bytes;
    if (copies[node]! < 255) copies[node]!++;
  };
  const subtreeBytes = (node: number): number => {
    let total = 0;
    const stack = [node];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (!exists[x]) continue;
      total += size[x]!;
      for (let c = paths.firstChild(x); c !== -1; c = paths.nextSibling(c)) stack.push(c);
    }
    return total;
  };
  const remove = (node: number) => {
    const stack = [node];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (!exists[x]) continue;
      exists[x] = 0;
      for (let c = paths.firstChild(x); c !== -1; c = paths.nextSibling(c)) stack.push(c);
    }
  };

  layers.forEach((c, L) => {
    // Which nodes this layer's tree holds, and which of them have children there.
    const markAncestors = (node: number) => {
      for (let p = paths.parent(node); p !== -1 && stamp[p] !== L; p = paths.parent(p)) stamp[p] = L;
    };
    for (let e = 0; e < c.count; e++) {
      const node = c.node[e]!;
      if (node === ROOT) continue;
      explicit[node] = L;
      markAncestors(node);
    }
    for (const w of c.whiteouts) markAncestors(w);
    for (const d of c.opaqueDirs) if (d !== ROOT) markAncestors(d);

    const isLeaf = (node: number) => stamp[node] !== L;
    const implied = (node: number) => explicit[node] !== L;
    // Nodes the layer tree holds without an entry of their own: ancestors and opaque-marked dirs.
    const impliedNodes: number[] = [];
    const addImplied = (node: number) => {
      for (let p = node; p !== ROOT && p !== -1 && walked[p] !== L; p = paths.parent(p)) {
        walked[p] = L;
        if (implied(p)) impliedNodes.push(p);
      }
    };
    for (let e = 0; e < c.count; e++) if (c.node[e] !== ROOT) addImplied(paths.parent(c.node[e]!));
    for (const w of c.whiteouts) addImplied(paths.parent(w));
    for (const d of c.opaqueDirs) addImplied(d);

    type Leaf = { node: number; whiteout: boolean; bytes: number };
    const leaves: Leaf[] = [];
    for (let e = 0; e < c.count; e++) {
      const node = c.node[e]!;
      if (node !== ROOT && isLeaf(node)) leaves.push({ node, whiteout: false, bytes: c.size[e]! });
    }
    for (const node of impliedNodes) if (isLeaf(node)) leaves.push({ node, whiteout: false, bytes: 0 });
    for (const w of c.whiteouts) leaves.push({ node: w, whiteout: true, bytes: 0 });

    if (L === 0) applyAdds(c, impliedNodes);
    const aborts = leaves.some((l) => l.whiteout && !exists[l.node]);
    if (aborts) {
      const keys = new Map(leaves.map((l) => [l, diveKey(paths, l.node, l.whiteout)]));
      leaves.sort((a, b) => (keys.get(a)! < keys.get(b)! ? -1 : keys.get(a)! > keys.get(b)! ? 1 : 0));
    }
    for (const leaf of leaves) {
      if (leaf.whiteout) {
        if (!exists[leaf.node]) break;
        record(leaf.node, isDir[leaf.node] ? subtreeBytes(leaf.node) : 0);
      } else {
        record(leaf.node, leaf.bytes);
      }
    }

    for (const w of c.whiteouts) remove(w);
    if (L !== 0) applyAdds(c, impliedNodes);
  });

  function applyAdds(c: LayerContents, impliedNodes: number[]) {
    for (const node of impliedNodes) {
      exists[node] = 1;
      isDir[node] = 0;
      size[node] = 0;
    }
    for (let e = 0; e < c.count; e++) {
      const node = c.node[e]!;
      if (node === ROOT) continue;
      exists[node] = 1;
      isDir[node] = c.type[e] === EntryType.Dir ? 1 : 0;
      size[node] = c.size[e]!;
    }
  }

  let minimumSum = 0;
  let discovered = 0;
  let wasted = 0;
  for (let node = 0; node < n; node++) {
    if (copies[node] === 0) continue;
    minimumSum += minimum[node]!;
    discovered += cumulative[node]!;
    if (copies[node]! >= 2) wasted += cumulative[node]!;
  }
  const sizes = layers.map((c) => c.tarFileBytes);
  const sizeBytes = sizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (sizes[0] ?? 0);
  return {
    efficiency: discovered === 0 ? 1 : minimumSum / discovered,
    wastedBytes: wasted,
    userWastedPercent: userSizeBytes === 0 ? null : wasted / userSizeBytes,
    sizeBytes,
    userSizeBytes,
  };
}

/**
 * dive visits each layer tree depth first, children sorted by name (whiteouts named `.wh.NAME`):
 * leaves come in the order of their component lists, which a NUL-joined key preserves.
 */
function diveKey(paths: PathTable, node: number, whiteout: boolean): string {
  const parts: string[] = [];
  for (let n = node; n !== ROOT; n = paths.parent(n)) parts.push(paths.name(n));
  parts.reverse();
  if (whiteout && parts.length > 0) parts[parts.length - 1] = `.wh.${parts[parts.length - 1]}`;
  return parts.join("\u0000");
}
