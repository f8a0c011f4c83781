import { describe, expect, test } from "vitest";
import {
  filterKind,
  filterRegex,
  globMatcher,
  PathFilter,
  regexFilter,
} from "../../../src/ui/tree/path-filter.js";
import { modelOf, node } from "../../model/helpers.js";
import { randomModel } from "../../model/random-model.js";
import { FILTERS, refMatches } from "./reference.js";

describe("PathFilter.mask", () => {
  test("matches paths (or an ancestor) by substring or glob, also when narrowing while typing", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const m = randomModel(seed);
      const filter = new PathFilter(m.paths);
      // Typed one character at a time, then erased, to exercise the narrowing cache.
      const sequence = ["l", "li", "lib", "li", "l", "", ...FILTERS];
      for (const f of sequence) {
        const mask = filter.mask(f);
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
    expect(globMatcher("*.so", false)("libc.so")).toBe(true);
    expect(globMatcher("*.so", false)("libc.so.6")).toBe(false);
    expect(globMatcher("lib?", false)("libc")).toBe(true);
    expect(globMatcher("[!a]b", false)("ab")).toBe(false);
    expect(globMatcher("usr/*/x", true)("/usr/lib/x")).toBe(true);
    expect(globMatcher("usr/*/x", true)("/usr/lib/y/x")).toBe(false);
    expect(globMatcher("usr/**/x", true)("/usr/lib/y/x")).toBe(true);
    expect(globMatcher("/usr/*", true)("/opt/usr/a")).toBe(false);
  });

  test("** matches no directory at all too (the hand-written matcher did not)", () => {
    expect(globMatcher("usr/**/x", true)("/usr/x")).toBe(true);
    expect(globMatcher("usr/**/x", true)("/opt/usr/x")).toBe(true);
    expect(globMatcher("/usr/**/x", true)("/opt/usr/x")).toBe(false);
    expect(globMatcher("[!a]b", false)("bb")).toBe(true);
    expect(globMatcher("*", false)(".bashrc")).toBe(true);
    expect(globMatcher("!x*", false)("!xy")).toBe(true);
  });

  test("the mask of a path glob holds /usr/x for usr/**/x", () => {
    const m = modelOf([
      [{ name: "usr/x", content: "x" }, { name: "usr/lib/y/x", content: "y" }, { name: "opt/x" }],
    ]);
    const mask = new PathFilter(m.paths).mask("usr/**/x")!;
    expect(mask[node(m, "usr/x")]).toBe(1);
    expect(mask[node(m, "usr/lib/y/x")]).toBe(1);
    expect(mask[node(m, "opt/x")]).toBe(0);
  });
});

describe("smart case, regex mode and own matches", () => {
  const m = modelOf([
    [
      { name: "usr/Lib/libA.so", content: "x" },
      { name: "usr/lib/liba.so", content: "y" },
      { name: "opt/README", content: "z" },
    ],
  ]);
  const has = (mask: Uint8Array | null, path: string) => mask![node(m, path)] === 1;

  test("all lower case ignores case; an upper-case letter makes case count", () => {
    const f = new PathFilter(m.paths);
    expect(has(f.mask("liba"), "usr/Lib/libA.so")).toBe(true);
    expect(has(f.mask("liba"), "usr/lib/liba.so")).toBe(true);
    expect(has(f.mask("libA"), "usr/lib/liba.so")).toBe(false);
    expect(has(f.mask("libA"), "usr/Lib/libA.so")).toBe(true);
    expect(has(f.mask("readme"), "opt/README")).toBe(true);
    expect(has(f.mask("usr/lib/"), "usr/Lib/libA.so")).toBe(true);
    expect(has(f.mask("usr/Lib/"), "usr/lib/liba.so")).toBe(false);
    expect(has(f.mask("*.SO"), "usr/lib/liba.so")).toBe(false);
    expect(has(f.mask("*a.so"), "usr/Lib/libA.so")).toBe(true);
  });

  test("a regex matches the whole path, with smart case; a bad one matches nothing", () => {
    const f = new PathFilter(m.paths);
    expect(has(f.mask(regexFilter("^/usr/lib/lib.\\.so$")), "usr/Lib/libA.so")).toBe(true);
    expect(has(f.mask(regexFilter("^/usr/Lib/")), "usr/lib/liba.so")).toBe(false);
    expect(has(f.mask(regexFilter("^/opt$")), "opt/README")).toBe(true);
    expect(filterKind(regexFilter("a"))).toBe("regex");
    expect(typeof filterRegex(regexFilter("(x"))).toBe("string");
    const bad = f.mask(regexFilter("(x"))!;
    expect(bad.every((v) => v === 0)).toBe(true);
  });

  test("own matches: each matching name; for a path filter the top of each matching subtree", () => {
    const f = new PathFilter(m.paths);
    const own = f.ownMatches("lib")!;
    expect([...own].reduce((a, b) => a + b, 0)).toBe(4); // Lib, libA.so, lib, liba.so
    const top = f.ownMatches(regexFilter("^/usr/lib"))!;
    expect(top[node(m, "usr/Lib")]).toBe(1);
    expect(top[node(m, "usr/Lib/libA.so")]).toBe(0);
    expect(top[node(m, "usr/lib")]).toBe(1);
    expect(f.ownMatches("")).toBeNull();
  });
});
