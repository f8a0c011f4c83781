/** Identical visible files: bucketed by 53 bits of their content hash, then compared by size and full hash. */
import type { ImageModel } from "../image-model.js";
import { contentKey, HASH_WORDS } from "../layer-contents.js";
import type { Steps } from "../steps.js";
import { STEP_WORK } from "./context.js";

/** Groups (two or more) of visible versions with the same size and content hash. */
export function* duplicateGroups(model: ImageModel, candidates: readonly number[]): Steps<number[][]> {
  const stack = model.stack;
  const groups: number[][] = [];
  yield;
  const { keys, low } = bucketKeys(model, candidates);
  yield;
  let grouped = 0;
  for (const bucket of sameKeyRuns(candidates, keys, low)) {
    if (bucket === null) {
      yield;
      continue;
    }
    grouped += bucket.length;
    if (grouped >= STEP_WORK) {
      grouped = 0;
      yield;
    }
    const exact = new Map<string, number[]>();
    for (const v of bucket) {
      const key = `${stack.size(v)}:${layerHash(model, v)}`;
      const list = exact.get(key);
      if (list) list.push(v);
      else exact.set(key, [v]);
    }
    for (const g of exact.values()) if (g.length >= 2) groups.push(g);
  }
  return groups;
}

/**
 * Runs (of two or more) of items with equal keys (non-negative integers below 2^53), in ascending
 * key order, items in their given order (null now and then: a pause for the caller). `low` holds
 * each key's low 21 bits. Items are bucketed by those with a counting sort (typed arrays, ~16 bytes per item); only
 * buckets of two or more are looked at, and only repeated keys make objects.
 */
export function* sameKeyRuns(
  items: readonly number[],
  keys: Float64Array,
  low: Int32Array,
): Generator<number[] | null> {
  const n = keys.length;
  let buckets = 1024;
  while (buckets < n / 2 && buckets < 1 << 21) buckets *= 2;
  const mask = buckets - 1;
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) start[(low[i]! & mask) + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  yield null;
  // Bucket b is order[start[b] .. start[b+1]); filled from its end backwards, keeping item order.
  const order = new Int32Array(n);
  const fill = start.slice(1);
  for (let i = n - 1; i >= 0; i--) order[--fill[low[i]! & mask]!] = i;
  yield null;
  const runs: { key: number; items: number[] }[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = start[b]!;
    const hi = start[b + 1]!;
    if (b % STEP_WORK === STEP_WORK - 1) yield null;
    if (hi - lo < 2) continue;
    const here = Array.from(order.subarray(lo, hi)).sort((x, y) => keys[x]! - keys[y]! || x - y);
    for (let i = 0; i < here.length; ) {
      let j = i + 1;
      while (j < here.length && keys[here[j]!] === keys[here[i]!]) j++;
      if (j - i >= 2) runs.push({ key: keys[here[i]!]!, items: here.slice(i, j).map((x) => items[x]!) });
      i = j;
    }
  }
  runs.sort((x, y) => x.key - y.key);
  for (const run of runs) yield run.items;
}

/** 53 bits of each version's content hash, and the low 21 of them. */
function bucketKeys(model: ImageModel, versions: readonly number[]): { keys: Float64Array; low: Int32Array } {
  const { layer, entry } = model.versions;
  const layers = model.stack.layers;
  const keys = new Float64Array(versions.length);
  const low = new Int32Array(versions.length);
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i]!;
    const c = layers[layer[v]!]!;
    const e = entry[v]!;
    const lo = c.hash[e * HASH_WORDS + 1]! & 0x1fffff;
    keys[i] = c.hash[e * HASH_WORDS]! * 2097152 + lo;
    low[i] = lo;
  }
  return { keys, low };
}

function layerHash(model: ImageModel, v: number): string {
  const L = model.versions.layer[v]!;
  const e = model.versions.entry[v]!;
  const c = model.stack.layers[L]!;
  return contentKey(c, e);
}
