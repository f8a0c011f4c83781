import { describe, expect, it } from "vitest";
import { PathTable, ROOT } from "../../src/model/path-table.js";

describe("PathTable", () => {
  it("interns each path once and finds it again, through many rehashes of both tables", () => {
    const t = new PathTable(16);
    const seen = new Map<string, number>();
    let seed = 1;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ["a", "b", "ü", "日", "🦀", ".", "-", "x", "\ud800"];
    for (let i = 0; i < 40_000; i++) {
      const depth = 1 + rand(4);
      const segs = Array.from({ length: depth }, () =>
        Array.from({ length: 1 + rand(6) }, () => alphabet[rand(alphabet.length)]).join(""),
      );
      const node = t.intern(segs);
      const key = segs.join("/");
      if (seen.has(key)) expect(node).toBe(seen.get(key));
      else seen.set(key, node);
      expect(t.path(node)).toBe(`/${key}`);
    }
    for (const [key, node] of seen) expect(t.lookup(key.split("/"))).toBe(node);
    expect(t.lookup(["nope"])).toBe(-1);
    expect(t.lookupChild(ROOT, "never-seen")).toBe(-1);
    // Distinct nodes, one per distinct path (and its ancestors).
    expect(new Set(seen.values()).size).toBe(seen.size);
  });

  it("keeps one copy of a basename used under many parents", () => {
    const t = new PathTable(16);
    for (let i = 0; i < 1000; i++) t.intern([`pkg${i}`, "__init__.py"]);
    const { nameIds, nameCount } = t.columns();
    expect(nameCount).toBe(1 + 1000 + 1); // "", pkg0..pkg999, __init__.py
    const ids = new Set<number>();
    for (let i = 0; i < 1000; i++) ids.add(nameIds[t.lookup([`pkg${i}`, "__init__.py"])]!);
    expect(ids.size).toBe(1);
    expect(t.nameById([...ids][0]!)).toBe("__init__.py");
  });

  it("tells apart names that differ in one code unit, and equal names made separately are one", () => {
    const t = new PathTable();
    const a = t.intern(["file-1"]);
    const b = t.intern(["file-2"]);
    const c = t.intern([["file", "1"].join("-")]);
    expect(a).not.toBe(b);
    expect(c).toBe(a);
    expect(t.name(b)).toBe("file-2");
  });
});
