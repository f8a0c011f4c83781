import { describe, expect, test } from "vitest";
import { type ImageModel, NodeStatus } from "../../../src/model/image-model.js";
import { ROOT } from "../../../src/model/path-table.js";
import { LayerTree, TreeState } from "../../../src/ui/tree/layer-tree.js";
import { filterMask, globToRegExp } from "../../../src/ui/tree/path-filter.js";
import {
  type HideFlags,
  SHOW_ALL,
  type TreeQuery,
  visibleTreeOf,
} from "../../../src/ui/tree/visible-tree.js";
import { randomModel, rng } from "../random-model.js";

function childrenOf(m: ImageModel, n: number): number[] {
  return [...m.paths.children(n)].sort((a, b) => (m.paths.name(a) < m.paths.name(b) ? -1 : 1));
}

/** Sizes the slow way: own bytes plus children of the same kind (present under present, removed under removed). */
function refSizes(m: ImageModel, layer: number): Map<number, number> {
  const out = new Map<number, number>();
  const visit = (n: number): number => {
    const st = m.stateAt(n, layer);
    let s = st.status === NodeStatus.Absent || st.version < 0 ? 0 : m.stack.size(st.version);
    for (const c of m.paths.children(n)) {
      const cs = m.stateAt(c, layer).status;
      const size = visit(c);
      if (cs === NodeStatus.Absent) continue;
      if ((cs === NodeStatus.Removed) === (n !== ROOT && st.status === NodeStatus.Removed)) s += size;
    }
    out.set(n, s);
    return s;
  };
  visit(ROOT);
  return out;
}

function refMatches(m: ImageModel, text: string): (n: number) => boolean {
  if (text === "") return () => true;
  const glob = /[*?[]/.test(text);
  const chain = (n: number) => {
    const xs: number[] = [];
    for (let x = n; x !== ROOT; x = m.paths.parent(x)) xs.push(x);
    return xs;
  };
  if (!glob) return (n) => m.paths.path(n).includes(text);
  if (!text.includes("/")) {
    const re = globToRegExp(text, false);
    return (n) => chain(n).some((x) => re.test(m.paths.name(x)));
  }
  const re = globToRegExp(text, true);
  return (n) => chain(n).some((x) => re.test(m.paths.path(x)));
}

/** The shown rows the slow way: a depth-first walk with every rule applied node by node. */
function refRows(m: ImageModel, q: TreeQuery): number[] {
  const matches = refMatches(m, q.filter);
  const allowed = (s: NodeStatus) =>
    s !== NodeStatus.Absent &&
    !(q.changesOnly && s === NodeStatus.Unchanged) &&
    !(q.hide.added && s === NodeStatus.Added) &&
    !(q.hide.removed && s === NodeStatus.Removed) &&
    !(q.hide.modified && s === NodeStatus.Modified) &&
    !(q.hide.unmodified && (s === NodeStatus.Unchanged || s === NodeStatus.Same));
  const included = new Map<number, boolean>();
  const inc = (n: number): boolean => {
    let v = included.get(n);
    if (v === undefined) {
      const self = allowed(m.stateAt(n, q.layer).status) && matches(n);
      v = childrenOf(m, n).some(inc) || self;
      included.set(n, v);
    }
    return v;
  };
  const sizes = refSizes(m, q.layer);
  const order = (kids: number[]) =>
    q.sort === "size" ? [...kids].sort((a, b) => sizes.get(b)! - sizes.get(a)!) : kids;
  const out: number[] = [];
  const walk = (n: number) => {
    for (const c of order(childrenOf(m, n))) {
      if (!inc(c)) continue;
      out.push(c);
      const expanded = q.expansion.defaultExpanded !== q.expansion.toggled.has(c);
      if (expanded) walk(c);
    }
  };
  walk(ROOT);
  return out;
}

const FILTERS = ["", "a", "b/", "/a/b", "lib", "*.so", "c*", "a/*/b", "**/x.so", "[ab]", "zzz"];

function expectTreeMatches(m: ImageModel, t: LayerTree, ctx: string) {
  const L = t.layer;
  const sizes = refSizes(m, L);
  const status = t.status();
  const rows = new Map<number, number>();
  const countRows = (n: number): number => {
    let r = 0;
    for (const c of m.paths.children(n)) {
      const below = countRows(c);
      if (m.stateAt(c, L).status !== NodeStatus.Absent) r += 1 + below;
    }
    rows.set(n, r);
    return r;
  };
  countRows(ROOT);
  for (let n = 1; n < m.paths.size; n++) {
    const where = `${ctx} layer ${L} ${m.paths.path(n)}`;
    expect(status[n], where).toBe(m.stateAt(n, L).status);
    expect(t.size[n], `size: ${where}`).toBe(sizes.get(n));
    expect(t.rowsBelow[n], `rows: ${where}`).toBe(rows.get(n));
  }
  expect(t.rowsBelow[ROOT], `${ctx} rows under the root`).toBe(rows.get(ROOT));
}

describe("LayerTree", () => {
  test("status, sizes and rows agree with stateAt, for every node and layer", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const m = randomModel(seed);
      for (let L = 0; L < m.layerCount; L++) expectTreeMatches(m, new LayerTree(m, L), `seed ${seed}`);
    }
  });

  test("one tree moved between layers in place, in any order, equals trees built in full", () => {
    const r = rng(5);
    for (let seed = 1; seed <= 12; seed++) {
      // Steps kept (crossed again by stores), never kept (recomputed), and prepared ahead in idle time.
      for (const budget of [undefined, 0, "prepared"] as const) {
        const m = randomModel(seed, 8, 30);
        // Never rebuilt from scratch, so every move is made of steps.
        const opts = {
          stepBudgetBytes: budget === 0 ? 0 : undefined,
          rebuildAbove: Number.POSITIVE_INFINITY,
        };
        const state = new TreeState(m, opts);
        for (let step = 0; step < 16; step++) {
          const L = Math.floor(r() * m.layerCount);
          const t = new LayerTree(m, L, state);
          if (budget === "prepared") for (let k = 0; k < m.layerCount - 1; k++) state.prepareStep(k);
          expectTreeMatches(m, t, `seed ${seed} budget ${budget} step ${step}`);
        }
        if (budget === 0) expect(state.hasStep(0)).toBe(false);
        if (budget === "prepared" && m.layerCount > 1) expect(state.hasStep(0)).toBe(true);
      }
    }
  });

  test("a handle used after another layer's moves the shared arrays back", () => {
    const m = randomModel(3, 8, 30);
    const state = new TreeState(m);
    const top = new LayerTree(m, m.layerCount - 1, state);
    const bottom = new LayerTree(m, 0, state);
    expectTreeMatches(m, top, "top");
    expectTreeMatches(m, bottom, "bottom");
    expectTreeMatches(m, top, "top again");
    expect(state.layer).toBe(top.layer);
  });
});

describe("filterMask", () => {
  test("matches paths (or an ancestor) by substring or glob, also when narrowing while typing", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const m = randomModel(seed);
      // Typed one character at a time, then erased, to exercise the narrowing cache.
      const sequence = ["l", "li", "lib", "li", "l", "", ...FILTERS];
      for (const f of sequence) {
        const mask = filterMask(m.paths, f);
        const ref = refMatches(m, f);
        if (f === "") {
          expect(mask).toBeNull();
          continue;
        }
        for (let n = 1; n < m.paths.size; n++)
          expect(mask![n] === 1, `${f} on ${m.paths.path(n)}`).toBe(ref(n));
      }
    }
  });

  test("globs", () => {
    expect(globToRegExp("*.so", false).test("libc.so")).toBe(true);
    expect(globToRegExp("*.so", false).test("libc.so.6")).toBe(false);
    expect(globToRegExp("lib?", false).test("libc")).toBe(true);
    expect(globToRegExp("[!a]b", false).test("ab")).toBe(false);
    expect(globToRegExp("usr/*/x", true).test("/usr/lib/x")).toBe(true);
    expect(globToRegExp("usr/*/x", true).test("/usr/lib/y/x")).toBe(false);
    expect(globToRegExp("usr/**/x", true).test("/usr/lib/y/x")).toBe(true);
    expect(globToRegExp("/usr/*", true).test("/opt/usr/a")).toBe(false);
  });
});

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
