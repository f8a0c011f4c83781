/**
 * The largest shown non-directories of a view: a bounded min-heap over the sizes, where most paths
 * are rejected by one comparison with its top.
 */
import { REMOVED } from "../../model/merged-tree.js";

/**
 * Up to `cap` nodes with the largest `size` among those shown (`inc`), with nothing shown under them
 * (`below` 0) and not removed (`cls`), in no particular order.
 */
export function largestLeaves(
  size: Float64Array,
  inc: Uint8Array,
  below: Int32Array,
  cls: Uint8Array,
  cap: number,
): Int32Array {
  // A min-heap of the largest seen so far; most paths are rejected by one comparison with its top.
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
  return heapNode.slice(0, count);
}
