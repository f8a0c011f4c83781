import { describe, expect, test } from "vitest";
import { ExplorerSession } from "../../../src/ui/session/explorer-session.js";
import { cachedCountsLimit } from "../../../src/ui/tree/view-cache.js";
import { SHOW_ALL, type TreeQuery } from "../../../src/ui/tree/visible-tree.js";
import { randomModel } from "../../model/random-model.js";
import { refRows } from "./reference.js";

describe("cache limits follow the image's size", () => {
  test("a 1M-path image keeps 3 views", () => {
    expect(cachedCountsLimit(1_016_538)).toBe(3);
  });

  test("small images keep more (32 MiB is cheap), never fewer than 2 views", () => {
    expect(cachedCountsLimit(10_000)).toBe(8);
    expect(cachedCountsLimit(50_000_000)).toBe(3);
  });
});

describe("a view whose counts were evicted", () => {
  test("still shows its rows (it fetches new counts), while the arrays serve other views", () => {
    const m = randomModel(4);
    const views = new ExplorerSession(m).views;
    const query = (i: number): TreeQuery => ({
      layer: i % m.layerCount,
      changesOnly: false,
      hide: SHOW_ALL,
      filter: ["", "a", "b", "lib", "c"][i % 5]!,
      sort: "name",
      expansion: { defaultExpanded: i % 2 === 0, toggled: new Set<number>() },
    });
    const held = views.visibleTree(query(1));
    const expected = refRows(m, query(1));
    // More views than the cache keeps: the held view's counts are evicted and their arrays reused.
    for (let i = 2; i < 2 + cachedCountsLimit(m.paths.size) + 3; i++) views.visibleTree(query(i));
    expect(held.rows(0, expected.length + 1).map((r) => r.node)).toEqual(expected);
    expect(held.total).toBe(expected.length);
  });
});

describe("sessions share nothing", () => {
  test("two sessions of one image keep their own merged tree and views", () => {
    const m = randomModel(6);
    const a = new ExplorerSession(m);
    const b = new ExplorerSession(m);
    a.trees.at(0);
    b.trees.at(m.layerCount - 1);
    expect(a.trees.merged).not.toBe(b.trees.merged);
    expect(a.trees.merged.layer).toBe(0);
    expect(b.trees.merged.layer).toBe(m.layerCount - 1);
    expect(a.views.pool).not.toBe(b.views.pool);
  });
});
