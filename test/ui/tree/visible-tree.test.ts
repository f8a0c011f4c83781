import { describe, expect, test } from "vitest";
import type { ImageModel } from "../../../src/model/image-model.js";
import { ExplorerSession } from "../../../src/ui/session/explorer-session.js";
import {
  type HideFlags,
  SHOW_ALL,
  type TreeQuery,
  type VisibleTree,
} from "../../../src/ui/tree/visible-tree.js";
import { randomModel, rng } from "../../model/random-model.js";
import { FILTERS, refMatches, refOwnMatch, refRows } from "./reference.js";

/** One session per model, as the explorer has: its views are cached across the queries of a test. */
const sessions = new WeakMap<ImageModel, ExplorerSession>();
function visibleTreeOf(m: ImageModel, q: TreeQuery): VisibleTree {
  let s = sessions.get(m);
  if (!s) {
    s = new ExplorerSession(m);
    sessions.set(m, s);
  }
  return s.views.visibleTree(q);
}

describe("VisibleTree", () => {
  test("a filter counted from the unfiltered view (taking off what it hides) shows the same rows", () => {
    const r = rng(21);
    for (let seed = 1; seed <= 20; seed++) {
      const m = randomModel(seed);
      const dirs = Array.from({ length: m.paths.size - 1 }, (_, i) => i + 1).filter(
        (n) => m.paths.firstChild(n) >= 0,
      );
      for (let trial = 0; trial < 4; trial++) {
        const toggled = new Set<number>();
        for (const d of dirs) if (r() < 0.25) toggled.add(d);
        const plain: TreeQuery = {
          layer: Math.floor(r() * m.layerCount),
          changesOnly: false,
          hide: SHOW_ALL,
          filter: "",
          sort: "name",
          expansion: { defaultExpanded: r() < 0.7, toggled },
        };
        for (const filter of ["a", "b", "c", "ab", "x.so", "lib", "*.so", "c*", "zzz"]) {
          visibleTreeOf(m, plain); // the unfiltered view is at hand, as when the user starts typing
          const q = { ...plain, filter };
          const expected = refRows(m, q);
          const t = visibleTreeOf(m, q);
          const ctx = `seed ${seed} trial ${trial} filter ${filter}`;
          expect(t.total, ctx).toBe(expected.length);
          expect(
            t.rows(0, expected.length + 1).map((x) => x.node),
            ctx,
          ).toEqual(expected);
        }
      }
    }
  });

  test("views evicted from the cache hand their arrays to new ones without disturbing the cached", () => {
    const r = rng(11);
    const m = randomModel(4);
    const queries: TreeQuery[] = Array.from({ length: 14 }, (_, i) => ({
      layer: i % m.layerCount,
      changesOnly: i % 3 === 0,
      hide: i % 4 === 1 ? { ...SHOW_ALL, unmodified: true } : SHOW_ALL,
      filter: FILTERS[i % FILTERS.length]!,
      sort: "name",
      expansion: { defaultExpanded: i % 5 !== 2, toggled: new Set<number>() },
    }));
    // Three rounds in shuffled orders: hits, evictions and recounts on reused arrays interleave.
    for (let round = 0; round < 3; round++) {
      const order = queries.map((q, i) => ({ q, k: r(), i })).sort((a, b) => a.k - b.k);
      for (const { q, i } of order) {
        const expected = refRows(m, q);
        const t = visibleTreeOf(m, q);
        expect(
          t.rows(0, expected.length + 1).map((x) => x.node),
          `round ${round} query ${i}`,
        ).toEqual(expected);
      }
    }
  });

  test("rows, rowAt, indexOf and windows agree with a naive walk, for random views and toggles", () => {
    const r = rng(7);
    for (let seed = 1; seed <= 30; seed++) {
      const m = randomModel(seed);
      const dirs = Array.from({ length: m.paths.size - 1 }, (_, i) => i + 1).filter(
        (n) => m.paths.firstChild(n) >= 0,
      );
      for (let trial = 0; trial < 12; trial++) {
        const hide: HideFlags =
          r() < 0.5
            ? SHOW_ALL
            : { added: r() < 0.3, removed: r() < 0.3, modified: r() < 0.3, unmodified: r() < 0.3 };
        const toggled = new Set<number>();
        for (const d of dirs) if (r() < 0.2) toggled.add(d);
        const q: TreeQuery = {
          layer: Math.floor(r() * m.layerCount),
          changesOnly: r() < 0.3,
          hide,
          filter: FILTERS[Math.floor(r() * FILTERS.length)]!,
          sort: r() < 0.5 ? "name" : "size",
          expansion: { defaultExpanded: r() < 0.7, toggled },
        };
        const expected = refRows(m, q);
        const t = visibleTreeOf(m, q);
        const ctx = `seed ${seed} trial ${trial} ${JSON.stringify({ ...q, expansion: q.expansion.defaultExpanded })}`;
        expect(t.total, ctx).toBe(expected.length);
        expect(
          t.rows(0, expected.length + 5).map((x) => x.node),
          ctx,
        ).toEqual(expected);
        expected.forEach((node, i) => {
          expect(t.rowAt(i), ctx).toBe(node);
          expect(t.indexOf(node), ctx).toBe(i);
        });
        const start = Math.floor(r() * (expected.length + 1));
        expect(
          t.rows(start, 4).map((x) => x.node),
          ctx,
        ).toEqual(expected.slice(start, start + 4));
      }
    }
  });

  test("n/N's walk: every own match in the order of the fully expanded tree, whatever is collapsed, wrapping", () => {
    const r = rng(11);
    let walks = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const m = randomModel(seed);
      const dirs = Array.from({ length: m.paths.size - 1 }, (_, i) => i + 1).filter(
        (n) => m.paths.firstChild(n) >= 0,
      );
      for (let trial = 0; trial < 8; trial++) {
        const toggled = new Set<number>();
        for (const d of dirs) if (r() < 0.4) toggled.add(d);
        const q: TreeQuery = {
          layer: Math.floor(r() * m.layerCount),
          changesOnly: r() < 0.3,
          hide: SHOW_ALL,
          filter: FILTERS[1 + Math.floor(r() * (FILTERS.length - 1))]!,
          sort: r() < 0.5 ? "name" : "size",
          expansion: { defaultExpanded: r() < 0.5, toggled },
        };
        const own = refOwnMatch(m, q.filter);
        const expected = refRows(m, {
          ...q,
          expansion: { defaultExpanded: true, toggled: new Set() },
        }).filter(own);
        const t = visibleTreeOf(m, q);
        const ctx = `seed ${seed} trial ${trial} filter ${q.filter} sort ${q.sort}`;
        expect(t.matchCount(), ctx).toBe(expected.length);
        if (expected.length === 0) {
          expect(t.nextMatch(0, 1), ctx).toBeNull();
          continue;
        }
        walks++;
        const walk = (step: 1 | -1) => {
          const seen: { node: number; wrapped: boolean }[] = [];
          let at = 0;
          for (let i = 0; i <= expected.length; i++) {
            const next = t.nextMatch(at, step)!;
            seen.push(next);
            at = next.node;
          }
          return seen;
        };
        const forward = walk(1);
        expect(
          forward.map((x) => x.node),
          ctx,
        ).toEqual([...expected, expected[0]]);
        expect(
          forward.map((x) => x.wrapped),
          ctx,
        ).toEqual([...expected.map(() => false), true]);
        const back = walk(-1);
        expect(
          back.map((x) => x.node),
          ctx,
        ).toEqual([...[...expected].reverse(), expected.at(-1)]);
        expect(back.at(-1)!.wrapped, ctx).toBe(true);
        // From a node that is not a match (nor shown, maybe): the next match after it in tree order.
        const any = 1 + Math.floor(r() * (m.paths.size - 1));
        const rows = refRows(m, { ...q, expansion: { defaultExpanded: true, toggled: new Set() } });
        const pos = rows.indexOf(any);
        if (pos >= 0) {
          const after = rows.slice(pos + 1).find(own) ?? expected[0];
          expect(t.nextMatch(any, 1)!.node, `${ctx} after ${m.paths.path(any)}`).toBe(after);
        }
      }
    }
    expect(walks).toBeGreaterThan(50);
  });

  test("typing a filter one character at a time (narrowing from the shorter filter) shows the same rows", () => {
    const r = rng(23);
    for (let seed = 1; seed <= 20; seed++) {
      const m = randomModel(seed, 4, 40);
      for (let trial = 0; trial < 6; trial++) {
        const base = {
          layer: Math.floor(r() * m.layerCount),
          changesOnly: r() < 0.3,
          hide:
            r() < 0.5
              ? SHOW_ALL
              : { added: r() < 0.4, removed: r() < 0.4, modified: false, unmodified: r() < 0.4 },
          sort: "name" as const,
          expansion: { defaultExpanded: r() < 0.7, toggled: new Set<number>() },
        };
        for (const typed of ["lib", "ab", "ca", "x.so", "b"]) {
          for (let k = 1; k <= typed.length; k++) {
            const q: TreeQuery = { ...base, filter: typed.slice(0, k) };
            const expected = refRows(m, q);
            const t = visibleTreeOf(m, q);
            const ctx = `seed ${seed} trial ${trial} filter ${q.filter}`;
            expect(t.total, ctx).toBe(expected.length);
            expect(
              t.rows(0, expected.length).map((x) => x.node),
              ctx,
            ).toEqual(expected);
            const matches = refMatches(m, q.filter);
            for (const node of expected) expect(t.matches(node), ctx).toBe(matches(node));
          }
        }
      }
    }
  });

  test("guides draw the tree", () => {
    const m = randomModel(3, 2, 12);
    const t = visibleTreeOf(m, {
      layer: 1,
      changesOnly: false,
      hide: SHOW_ALL,
      filter: "",
      sort: "name",
      expansion: { defaultExpanded: true, toggled: new Set() },
    });
    const rows = t.rows(0, t.total);
    for (const row of rows) {
      expect(row.guide.length).toBe(3 * (row.depth + 1));
      expect(row.guide.endsWith("─ ") || row.guide.endsWith("⊕ ")).toBe(true);
    }
    expect(rows.at(-1)!.guide.trimStart().startsWith("└")).toBe(true);
  });

  test("expanding and collapsing one directory at a time patches the counts in place", () => {
    const r = rng(11);
    for (let seed = 1; seed <= 15; seed++) {
      const m = randomModel(seed);
      const dirs = Array.from({ length: m.paths.size - 1 }, (_, i) => i + 1).filter(
        (n) => m.paths.firstChild(n) >= 0,
      );
      for (const filter of ["", "b"]) {
        let toggled = new Set<number>();
        for (let step = 0; step < 25; step++) {
          toggled = new Set(toggled);
          const d = dirs[Math.floor(r() * dirs.length)]!;
          if (toggled.has(d)) toggled.delete(d);
          else toggled.add(d);
          const q: TreeQuery = {
            layer: m.layerCount - 1,
            changesOnly: false,
            hide: SHOW_ALL,
            filter,
            sort: "name",
            expansion: { defaultExpanded: true, toggled },
          };
          const expected = refRows(m, q);
          const t = visibleTreeOf(m, q);
          expect(t.total).toBe(expected.length);
          expect(t.rows(0, expected.length).map((x) => x.node)).toEqual(expected);
        }
      }
    }
  });
});
