import { describe, expect, it } from "vitest";
import { contentAt, contentByLayer, diffImages, diffLayers } from "../../src/model/diff.js";
import { ImageModel } from "../../src/model/image-model.js";
import { PathTable } from "../../src/model/path-table.js";
import { type E, layerOf, modelOf } from "../model/helpers.js";

/** A model whose layers carry DiffIDs (modelOf leaves them null). */
function modelWithIds(layers: { id: string; entries: E[] }[]): ImageModel {
  const paths = new PathTable();
  return ImageModel.build({
    source: "test",
    reference: null,
    id: null,
    config: {},
    readLayers: layers.map((l) => ({
      descriptor: { diffId: l.id, digest: l.id, mediaType: null, blobSize: null, compression: "none" },
      contents: layerOf(paths, l.entries),
      error: null,
    })),
    paths,
  });
}

const base: E[] = [
  { name: "etc/conf", content: "a".repeat(100) },
  { name: "usr/bin/tool", content: "t".repeat(1000) },
  { name: "usr/lib/libx.so", content: "l".repeat(500), mode: 0o644 },
  { name: "usr/lib/current", type: "symlink", link: "libx.so" },
  { name: "var/old.log", content: "o".repeat(50) },
  { name: "data/", mode: 0o755 },
];
const a = modelWithIds([
  { id: "sha256:base", entries: base },
  { id: "sha256:a-app", entries: [{ name: "app/main.js", content: "m".repeat(200) }] },
]);
const b = modelWithIds([
  { id: "sha256:base", entries: base },
  {
    id: "sha256:b-app",
    entries: [
      { name: "etc/conf", content: "b".repeat(150) },
      { name: "usr/lib/libx.so", content: "l".repeat(500), mode: 0o755 },
      { name: "usr/lib/current", type: "symlink", link: "libx.so.2" },
      { name: "usr/share/doc/new.txt", content: "n".repeat(300) },
      { name: "var/.wh.old.log" },
      { name: "data/", mode: 0o700 },
      { name: "app/main.js", content: "m".repeat(200) },
    ],
  },
]);

describe("diffImages", () => {
  const d = diffImages(a, b);

  it("lists added, removed and changed paths with size deltas, by path", () => {
    expect(d.entries.map((e) => [e.path, e.kind, e.changes, e.sizeA, e.sizeB, e.delta])).toEqual([
      ["/data", "changed", ["mode"], 0, 0, 0],
      ["/etc/conf", "changed", ["content"], 100, 150, 50],
      ["/usr/lib/current", "changed", ["link"], 0, 0, 0],
      ["/usr/lib/libx.so", "changed", ["mode"], 500, 500, 0],
      ["/usr/share/doc/new.txt", "added", [], 0, 300, 300],
      ["/var/old.log", "removed", [], 50, 0, -50],
    ]);
    // /app/main.js has the same content in both (different layers): not a difference.
  });

  it("adds up: content A 1850 B → B 2250 B", () => {
    // A: conf 100 + tool 1000 + libx 500 + old.log 50 + main.js 200 = 1850.
    // B: conf 150 + tool 1000 + libx 500 + new.txt 300 + main.js 200 = 2150.
    expect(d.totals).toEqual({
      added: 1,
      removed: 1,
      changed: 4,
      addedBytes: 300,
      removedBytes: 50,
      sizeA: 1850,
      sizeB: 2150,
      delta: 300,
    });
    // The entries' deltas add up to the same: +50 +300 −50 = +300.
    expect(d.entries.reduce((s, e) => s + e.delta, 0)).toBe(d.totals.delta);
  });

  it("totals per top-level directory, largest change first", () => {
    expect(d.directories.map((x) => [x.path, x.added, x.removed, x.changed, x.delta])).toEqual([
      ["/usr", 1, 0, 2, 300],
      ["/etc", 0, 0, 1, 50],
      ["/var", 0, 1, 0, -50],
      ["/", 0, 0, 1, 0],
    ]);
    const deeper = diffImages(a, b, { depth: 2 });
    expect(deeper.directories.map((x) => [x.path, x.delta])).toEqual([
      ["/usr/share", 300],
      ["/etc", 50],
      ["/var", -50],
      ["/usr/lib", 0],
      ["/", 0],
    ]);
  });

  it("matches layers by DiffID", () => {
    expect(d.layers.shared).toEqual([{ diffId: "sha256:base", a: 0, b: 0, size: 1650 }]);
    expect(d.layers.onlyA.map((l) => l.diffId)).toEqual(["sha256:a-app"]);
    expect(d.layers.onlyB.map((l) => l.diffId)).toEqual(["sha256:b-app"]);
    expect(d.layers.commonBase).toBe(1);
  });

  it("finds nothing between an image and itself", () => {
    const same = diffImages(a, a);
    expect(same.entries).toEqual([]);
    expect(same.layers.shared).toHaveLength(2);
    expect(same.layers.commonBase).toBe(2);
  });

  it("notices a file that became a directory and the other way round", () => {
    const x = modelOf([
      [
        { name: "p", content: "file" },
        { name: "q/inner", content: "i" },
      ],
    ]);
    const y = modelOf([
      [
        { name: "p/child", content: "c" },
        { name: "q", content: "now a file" },
      ],
    ]);
    const e = diffImages(x, y).entries.map((z) => [z.path, z.kind, z.typeA, z.typeB]);
    expect(e).toEqual([
      ["/p", "changed", "file", "dir"],
      ["/p/child", "added", null, "file"],
      ["/q", "changed", "dir", "file"],
      ["/q/inner", "removed", "file", null],
    ]);
  });
});

describe("diffLayers (the explorer's range view)", () => {
  const m = modelOf([
    [
      { name: "a", content: "1".repeat(10) },
      { name: "d/x", content: "x".repeat(20) },
    ],
    [
      { name: "a", content: "2".repeat(15) },
      { name: "b", content: "b".repeat(5) },
    ],
    [{ name: ".wh.d" }, { name: "c", content: "c".repeat(7) }],
  ]);

  it("compares the tree as of two layers", () => {
    const d = diffLayers(m, 0, 2);
    expect(d.entries.map((e) => [e.path, e.kind, e.delta])).toEqual([
      ["/a", "changed", 5],
      ["/b", "added", 5],
      ["/c", "added", 7],
      ["/d/x", "removed", -20],
    ]);
    // As of layer 0: a 10 + d/x 20 = 30 B; as of layer 2: a 15 + b 5 + c 7 = 27 B.
    expect(d.totals).toMatchObject({ sizeA: 30, sizeB: 27, delta: -3 });
    expect(d.layers).toMatchObject({ commonBase: 1, onlyA: [], onlyB: [{ index: 1 }, { index: 2 }] });
  });

  it("works in either direction, and from the empty tree (-1)", () => {
    const back = diffLayers(m, 2, 0);
    expect(back.entries.map((e) => [e.path, e.kind])).toEqual([
      ["/a", "changed"],
      ["/b", "removed"],
      ["/c", "removed"],
      ["/d/x", "added"],
    ]);
    expect(back.layers.onlyA.map((l) => l.index)).toEqual([1, 2]);
    const first = diffLayers(m, -1, 0);
    expect(first.entries.map((e) => [e.path, e.kind, e.sizeB])).toEqual([
      ["/a", "added", 10],
      ["/d/x", "added", 20],
    ]);
    expect(diffLayers(m, 1, 1).entries).toEqual([]);
  });

  it("agrees with comparing every node, and with contentAt", () => {
    for (const [from, to] of [
      [0, 1],
      [1, 2],
      [0, 2],
    ] as const) {
      const d = diffLayers(m, from, to);
      expect(d.totals.sizeB - d.totals.sizeA).toBe(d.entries.reduce((s, e) => s + e.delta, 0));
    }
    const c = contentByLayer(m);
    expect([contentAt(c, -1), contentAt(c, 0), contentAt(c, 1), contentAt(c, 2)]).toEqual([0, 30, 40, 27]);
  });

  it("refuses layers that do not exist", () => {
    expect(() => diffLayers(m, 0, 3)).toThrow(RangeError);
    expect(() => diffLayers(m, -2, 0)).toThrow(RangeError);
  });
});
