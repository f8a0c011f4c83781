/** The views of one image: its session's cache of view counts, by query. */
import type { ImageModel } from "../../model/image-model.js";
import { ROOT } from "../../model/path-table.js";
import { ArrayPool } from "./array-pool.js";
import type { LayerTrees } from "./layer-tree.js";
import { filterKind, matchesByName, PathFilter } from "./path-filter.js";
import { SHOW_ALL, type TreeQuery } from "./tree-query.js";
import { ViewCounts, type ViewDeps } from "./view-counts.js";
import { VisibleTree } from "./visible-tree.js";

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
    q.only?.key ?? "",
    q.filter,
  ].join("|");
}

/** Cached counts of the same view whose filter the query's contains (typing narrows), if any. */
function narrowingBase(m: Map<string, ViewCounts>, q: TreeQuery): ViewCounts | undefined {
  if (!matchesByName(q.filter) || filterKind(q.filter) !== "substring" || q.only) return undefined;
  const same = (a: TreeQuery) =>
    a.layer === q.layer &&
    a.changesOnly === q.changesOnly &&
    a.expansion.defaultExpanded === q.expansion.defaultExpanded &&
    a.hide.added === q.hide.added &&
    a.hide.removed === q.hide.removed &&
    a.hide.modified === q.hide.modified &&
    a.hide.unmodified === q.hide.unmodified;
  let best: ViewCounts | undefined;
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
 * The views of one image (its session's): counts cached for the last few queries, sharing one
 * array pool and one filter index. Counts evicted from the cache give their arrays to the pool;
 * a VisibleTree still holding them fetches new ones (so none reads arrays reused by another view).
 */
export class ViewCache implements ViewDeps {
  readonly model: ImageModel;
  readonly pool = new ArrayPool();
  readonly filter: PathFilter;
  private readonly cached = new Map<string, ViewCounts>();

  constructor(private readonly trees: LayerTrees) {
    this.model = trees.model;
    this.filter = new PathFilter(trees.model.paths);
  }

  /** Give every cached view's arrays back (views still held fetch new counts). */
  clear(): void {
    for (const c of this.cached.values()) c.release();
    this.cached.clear();
  }

  /** The shown tree for a query. */
  visibleTree(q: TreeQuery): VisibleTree {
    return new VisibleTree(this.countsOf(q), q, this);
  }

  /** Counts for a query, from the cache or made now (evicting the oldest beyond the limit). */
  countsOf(q: TreeQuery): ViewCounts {
    const m = this.cached;
    const key = baseKey(q);
    let counts = m.get(key);
    if (counts) {
      m.delete(key);
    } else {
      // The same view without the filter, if at hand: a broad filter is counted from it.
      const unfiltered = q.filter !== "" ? m.get(baseKey({ ...q, filter: "" })) : undefined;
      counts = new ViewCounts(this, this.trees.at(q.layer), q, narrowingBase(m, q), unfiltered);
    }
    m.set(key, counts);
    const limit = cachedCountsLimit(this.model.paths.size);
    while (m.size > limit) {
      const oldest = m.keys().next().value!;
      // Its arrays serve the next view (no allocation, and none of the collections that
      // allocating ~10 MB per keystroke brought on).
      m.get(oldest)!.release();
      m.delete(oldest);
    }
    return counts;
  }

  /**
   * Compute a few views once and throw them away, in idle time after the image opens: V8 compiles
   * the passes over every path on their first run (~25 ms more on a million paths), which would
   * otherwise land on the user's first filter keystroke or view toggle.
   */
  warmUp(layer: number): void {
    const model = this.model;
    const tree = this.trees.at(layer);
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
    const wide = new ViewCounts(this, tree, base);
    const narrow = new ViewCounts(this, tree, { ...base, filter: name.slice(0, 2) }, wide);
    // A broad filter counted from the unfiltered view (the first top-level name hides little),
    // twice: its passes get compiled whole, not only on-stack (a first keystroke on a million
    // paths paid ~25 ms for that).
    const all = new ViewCounts(this, tree, { ...base, filter: "" });
    const broad = [1, 2].map(() => new ViewCounts(this, tree, { ...base, filter: name }, undefined, all));
    const changes = new ViewCounts(this, tree, { ...base, filter: "", changesOnly: true });
    const folded = new ViewCounts(this, tree, {
      ...base,
      hide: { ...SHOW_ALL, unmodified: true },
      expansion: { defaultExpanded: true, toggled: new Set(first === undefined ? [] : [first]) },
    });
    for (const c of [wide, narrow, ...broad, all, changes, folded]) c.release();
  }
}
