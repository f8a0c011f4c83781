import { describe, expect, it } from "vitest";
import {
  byDelta,
  compareImages,
  compareImagesSteps,
  deltaOf,
  differencesUnder,
  Presence,
} from "../../src/model/compare.js";
import { diffImages, diffOfComparison } from "../../src/model/diff.js";
import { changeAspectsOf, diffKindOf } from "../../src/model/difference.js";
import { sortedChildrenOf } from "../../src/model/path-table.js";
import { type E, modelOf } from "./helpers.js";

const base: E[] = [
  { name: "etc/conf", content: "a".repeat(100) },
  { name: "usr/bin/tool", content: "t".repeat(1000) },
  { name: "usr/lib/libx.so", content: "l".repeat(500) },
  { name: "usr/lib/big.so", content: "B".repeat(4000) },
  { name: "var/old.log", content: "o".repeat(50) },
  { name: "var/gone/deep/file", content: "g".repeat(70) },
];
const a = modelOf([base, [{ name: "app/main.js", content: "m".repeat(200) }]]);
const b = modelOf([
  base,
  [
    { name: "etc/conf", content: "b".repeat(150) },
    { name: "usr/lib/big.so", content: "B".repeat(1000) },
    { name: "usr/share/doc/new.txt", content: "n".repeat(300) },
    { name: "usr/share/doc/more.txt", content: "x".repeat(20) },
    { name: "var/.wh.old.log" },
    { name: "var/.wh.gone" },
    { name: "app/main.js", content: "m".repeat(200) },
    { name: "app/main.js.map", content: "p".repeat(9) },
  ],
]);

const c = compareImages(a, b);
const at = (path: string) => c.paths.lookup(path.split("/").filter(Boolean));

describe("compareImages: the merged tree", () => {
  it("holds every path visible in either image, with its node on each side", () => {
    const all: string[] = [];
    for (let u = 1; u < c.paths.size; u++) all.push(c.paths.path(u));
    expect(all.sort()).toEqual(
      [
        "/app",
        "/app/main.js",
        "/app/main.js.map",
        "/etc",
        "/etc/conf",
        "/usr",
        "/usr/bin",
        "/usr/bin/tool",
        "/usr/lib",
        "/usr/lib/big.so",
        "/usr/lib/libx.so",
        "/usr/share",
        "/usr/share/doc",
        "/usr/share/doc/more.txt",
        "/usr/share/doc/new.txt",
        "/var",
        "/var/gone",
        "/var/gone/deep",
        "/var/gone/deep/file",
        "/var/old.log",
      ].sort(),
    );
    expect(c.presence[at("/var/gone/deep")]).toBe(Presence.A);
    expect(c.presence[at("/usr/share")]).toBe(Presence.B);
    expect(c.presence[at("/usr/lib")]).toBe(Presence.Both);
    expect(a.paths.path(c.nodeA[at("/etc/conf")]!)).toBe("/etc/conf");
    expect(b.paths.path(c.nodeB[at("/etc/conf")]!)).toBe("/etc/conf");
    expect(c.nodeB[at("/var/old.log")]).toBe(-1);
    expect(c.nodeA[at("/usr/share/doc/new.txt")]).toBe(-1);
  });

  it("says how each path differs, with its bytes on each side", () => {
    const how = (p: string) => {
      const u = at(p);
      return [diffKindOf(c.code[u]!), changeAspectsOf(c.code[u]!), c.sizeA[u], c.sizeB[u]];
    };
    expect(how("/etc/conf")).toEqual(["changed", ["content"], 100, 150]);
    expect(how("/usr/lib/big.so")).toEqual(["changed", ["content"], 4000, 1000]);
    expect(how("/usr/share/doc/new.txt")).toEqual(["added", [], 0, 300]);
    expect(how("/var/gone/deep/file")).toEqual(["removed", [], 70, 0]);
    // Same content in another layer, a directory that only comes or goes: no code of their own.
    expect(c.code[at("/app/main.js")]).toBe(0);
    expect(c.code[at("/usr/share")]).toBe(0);
    expect(c.code[at("/var/gone")]).toBe(0);
  });

  it("totals every directory: bytes on each side, delta, entries under it", () => {
    // A: conf 100 + /usr 5500 + /var 120 + main.js 200 = 5920. /usr: A tool 1000 + libx 500 + big 4000 = 5500; B 1000 + 500 + 1000 + 300 + 20 = 2820.
    const usr = at("/usr");
    expect([c.totalA[usr], c.totalB[usr], deltaOf(c, usr)]).toEqual([5500, 2820, -2680]);
    expect([c.added[usr], c.removed[usr], c.changed[usr], differencesUnder(c, usr)]).toEqual([2, 0, 1, 3]);
    expect([c.addedBytes[usr], c.removedBytes[usr]]).toEqual([320, 0]);
    const v = at("/var");
    expect([c.totalA[v], c.totalB[v], c.removed[v], c.removedBytes[v]]).toEqual([120, 0, 2, 120]);
    // The root's totals are each image's visible content (the models' own figures).
    expect(c.totalA[0]).toBe(a.waste().contentBytes);
    expect(c.totalB[0]).toBe(b.waste().contentBytes);
    expect(c.totals).toEqual({
      added: 3,
      removed: 2,
      changed: 2,
      addedBytes: 329,
      removedBytes: 120,
      sizeA: 5920,
      sizeB: 3179,
      delta: 3179 - 5920,
    });
  });

  it("every directory's delta is the sum of the deltas of the entries under it", () => {
    const d = diffImages(a, b);
    for (let u = 0; u < c.paths.size; u++) {
      const prefix = u === 0 ? "/" : `${c.paths.path(u)}/`;
      const sum = d.entries
        .filter((e) => e.path.startsWith(prefix) || e.path === c.paths.path(u))
        .reduce((s, e) => s + e.delta, 0);
      expect(deltaOf(c, u)).toBe(sum);
    }
  });

  it("sorts by size change, largest either way first, then by entries, then by name", () => {
    const { start, list } = sortedChildrenOf(c.paths);
    const names = (nodes: Int32Array) => Array.from(nodes, (n) => c.paths.name(n));
    expect(names(byDelta(c, list.subarray(start[0]!, start[1]!)))).toEqual(["usr", "var", "etc", "app"]);
    const lib = at("/usr/lib");
    expect(names(byDelta(c, list.subarray(start[at("/usr")]!, start[at("/usr") + 1]!)))).toEqual([
      "lib",
      "share",
      "bin",
    ]);
    expect(deltaOf(c, lib)).toBe(-3000);
  });

  it("is the comparison diff's lists come from: directory totals at any depth agree with it", () => {
    const d1 = diffOfComparison(c);
    expect(d1.directories.map((x) => [x.path, x.added, x.removed, x.changed, x.delta])).toEqual([
      ["/usr", 2, 0, 1, -2680],
      ["/var", 0, 2, 0, -120],
      ["/etc", 0, 0, 1, 50],
      ["/app", 1, 0, 0, 9],
    ]);
    for (const x of d1.directories) expect(x.delta).toBe(deltaOf(c, at(x.path)));
    const d3 = diffOfComparison(c, { depth: 3 });
    expect(d3.directories.map((x) => [x.path, x.delta])).toEqual([
      ["/usr/lib", -3000],
      ["/usr/share/doc", 320],
      ["/var/gone/deep", -70],
      ["/etc", 50],
      ["/var", -50],
      ["/app", 9],
    ]);
    expect(() => diffOfComparison(c, { depth: 0 })).toThrow(RangeError);
  });

  it("gives the same result in slices as at once", () => {
    const steps = compareImagesSteps(a, b);
    let r = steps.next();
    let pauses = 0;
    while (!r.done) {
      pauses++;
      r = steps.next();
    }
    expect(pauses).toBeGreaterThan(0);
    expect(Array.from(r.value.code)).toEqual(Array.from(c.code));
    expect(r.value.totals).toEqual(c.totals);
  });

  it("leaves room for package changes (none without package readers)", () => {
    expect(c.packages).toBeNull();
  });
});
