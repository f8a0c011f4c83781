/**
 * The passes over typed arrays that count a view: which nodes are shown (`inc`), which match the
 * filter (`mask`), and the rows under each (`below`). Small single-purpose loops: V8 optimises each
 * on its own after a few thousand nodes, where one loop with every case in it ran unoptimised for
 * most of a million nodes on first use.
 */
import { ABSENT } from "../../model/merged-tree.js";
import { ROOT } from "../../model/path-table.js";

export function markAllByClass(
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

export function markAllByStatus(
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
export function markCandidatesByClass(
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

export function markCandidatesByStatus(
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
export function withAncestors(own: Int32Array, inc: Uint8Array, parents: Int32Array): Int32Array {
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
export function listUnmatched(inc: Uint8Array, cls: Uint8Array, out: Int32Array, cap: number): number {
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
export function subtractRows(
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

export function showByStatus(
  inc: Uint8Array,
  order: Int32Array,
  status: Uint8Array,
  allowed: Uint8Array,
): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = allowed[status[node]!]!;
  }
}

export function showByClass(inc: Uint8Array, order: Int32Array, cls: Uint8Array): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = cls[node] === ABSENT ? 0 : 1;
  }
}

export function showByStatusMatching(
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

export function showByClassMatching(
  inc: Uint8Array,
  order: Int32Array,
  cls: Uint8Array,
  mask: Uint8Array,
): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    inc[node] = cls[node] === ABSENT ? 0 : mask[node]!;
  }
}

/**
 * Rows under each shown node, children before parents (`order` descending); a shown node's parent
 * is shown. Every directory expanded. Lists the shown nodes in `list`; returns how many.
 */
export function countExpanded(
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
export function countRows(
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
