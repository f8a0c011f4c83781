import { describe, expect, it } from "vitest";
import { compareImages, deltaOf, type ImageComparison } from "../../../src/model/compare.js";
import { ROOT } from "../../../src/model/path-table.js";
import {
  type CompareQuery,
  CompareStatus,
  CompareTree,
  compareStatusOf,
} from "../../../src/ui/compare/compare-tree.js";
import { PathFilter } from "../../../src/ui/tree/path-filter.js";
import { SHOW_ALL } from "../../../src/ui/tree/tree-query.js";
import { type E, modelOf } from "../../model/helpers.js";

/** Two random-ish images over the same names: files kept, changed, added, removed, dirs coming and going. */
function pair(seed: number): ImageComparison {
  let x = seed;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  const names = ["a", "b", "c", "dd", "e"];
  const side = (): E[] => {
    const out: E[] = [];
    for (const d1 of names)
      for (const d2 of names.slice(0, 3))
        for (const f of names.slice(0, 3)) {
          if (rnd(3) === 0) continue;
          out.push({ name: `${d1}/${d2}/${f}`, content: "x".repeat(rnd(4) * 10) });
        }
    return out;
  };
  return compareImages(modelOf([side()]), modelOf([side()]));
}

/** Rows by walking the whole merged tree the slow way, in the query's order. */
function reference(c: ImageComparison, tree: CompareTree, q: CompareQuery): string[] {
  const shownSelf = (u: number) => {
    const st = compareStatusOf(c, u);
    const hidden =
      st === CompareStatus.Added
        ? q.hide.added
        : st === CompareStatus.Removed
          ? q.hide.removed
          : st === CompareStatus.Changed
            ? q.hide.modified
            : q.hide.unmodified;
    return !hidden && (q.filter === "" || c.paths.path(u).includes(q.filter));
  };
  const shown = (u: number): boolean => shownSelf(u) || [...tree.children(u, q.sort)].some(shown);
  const out: string[] = [];
  const walk = (dir: number) => {
    for (const u of tree.children(dir, q.sort)) {
      if (!shown(u)) continue;
      out.push(c.paths.path(u));
      if (q.expansion.defaultExpanded !== q.expansion.toggled.has(u)) walk(u);
    }
  };
  walk(ROOT);
  return out;
}

describe("CompareTree: the comparison's rows without building them", () => {
  for (const seed of [1, 7, 42]) {
    it(`matches a walk of the whole tree (seed ${seed}), for every view`, () => {
      const c = pair(seed);
      const tree = new CompareTree(c, new PathFilter(c.paths));
      const dirs: number[] = [];
      for (let u = 1; u < c.paths.size; u++) if (c.paths.firstChild(u) >= 0) dirs.push(u);
      const queries: CompareQuery[] = [
        {
          hide: SHOW_ALL,
          filter: "",
          sort: "name",
          expansion: { defaultExpanded: true, toggled: new Set() },
        },
        {
          hide: { ...SHOW_ALL, unmodified: true },
          filter: "",
          sort: "delta",
          expansion: { defaultExpanded: true, toggled: new Set(dirs.slice(0, 3)) },
        },
        {
          hide: { ...SHOW_ALL, added: true, removed: true },
          filter: "/b",
          sort: "name",
          expansion: { defaultExpanded: false, toggled: new Set(dirs.filter((_, i) => i % 2 === 0)) },
        },
      ];
      for (const q of queries) {
        const want = reference(c, tree, q);
        const v = tree.view(q);
        expect(v.total).toBe(want.length);
        const rows = v.rows(0, v.total + 5).map((r) => c.paths.path(r.node));
        expect(rows).toEqual(want);
        // Any window, any row, and back.
        for (let i = 0; i < want.length; i += 3) {
          expect(c.paths.path(v.rowAt(i))).toBe(want[i]);
          expect(v.indexOf(v.rowAt(i))).toBe(i);
          expect(v.rows(i, 4).map((r) => c.paths.path(r.node))).toEqual(want.slice(i, i + 4));
        }
      }
    });
  }

  it("folding directory after directory (counts updated, not redone) stays exact", () => {
    const c = pair(11);
    const tree = new CompareTree(c, new PathFilter(c.paths));
    const dirs: number[] = [];
    for (let u = 1; u < c.paths.size; u++) if (c.paths.firstChild(u) >= 0) dirs.push(u);
    const hide = { ...SHOW_ALL, unmodified: true };
    let toggled = new Set<number>();
    for (let i = 0; i < 40; i++) {
      // Fold or unfold one directory, sometimes two at once (a parent and its child), as keys do.
      toggled = new Set(toggled);
      for (const d of [
        dirs[(i * 7) % dirs.length]!,
        ...(i % 5 === 0 ? [dirs[(i * 3) % dirs.length]!] : []),
      ]) {
        if (toggled.has(d)) toggled.delete(d);
        else toggled.add(d);
      }
      const q: CompareQuery = {
        hide,
        filter: "",
        sort: "name",
        expansion: { defaultExpanded: true, toggled },
      };
      const v = tree.view(q);
      expect(v.rows(0, 1000).map((r) => c.paths.path(r.node))).toEqual(reference(c, tree, q));
    }
  });

  it("by delta, children come largest change first", () => {
    const c = pair(3);
    const tree = new CompareTree(c, new PathFilter(c.paths));
    for (let u = 0; u < c.paths.size; u++) {
      const kids = Array.from(tree.children(u, "delta"), (k) => Math.abs(deltaOf(c, k)));
      expect(kids).toEqual([...kids].sort((p, q) => q - p));
    }
  });

  it("guides mark the last shown child and folded directories", () => {
    const c = compareImages(
      modelOf([[{ name: "d/x", content: "1" }]]),
      modelOf([
        [
          { name: "d/x", content: "22" },
          { name: "e", content: "3" },
        ],
      ]),
    );
    const tree = new CompareTree(c, new PathFilter(c.paths));
    const d = c.paths.lookup(["d"]);
    const open = tree.view({
      hide: SHOW_ALL,
      filter: "",
      sort: "name",
      expansion: { defaultExpanded: true, toggled: new Set() },
    });
    expect(open.rows(0, 9).map((r) => r.guide)).toEqual(["├─ ", "│  └─ ", "└─ "]);
    const folded = tree.view({
      hide: SHOW_ALL,
      filter: "",
      sort: "name",
      expansion: { defaultExpanded: true, toggled: new Set([d]) },
    });
    expect(folded.rows(0, 9).map((r) => r.guide)).toEqual(["├⊕ ", "└─ "]);
  });
});
