import { describe, expect, test } from "vitest";
import { globToRegExp, PathFilter } from "../../../src/ui/tree/path-filter.js";
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
