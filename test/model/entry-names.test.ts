import { describe, expect, it } from "vitest";
import {
  EntryType,
  LayerContentsBuilder,
  parseEntryName,
  type TarEntryHeader,
} from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { rng } from "./random-model.js";

const PARTS = [
  "usr",
  "lib",
  "a",
  "b",
  "x.txt",
  ".",
  "..",
  "",
  ".wh.a",
  ".wh..wh..opq",
  ".wh..wh.aufs",
  "ü",
  "c".repeat(90),
];

/** Raw tar names as tools write them: with and without directory entries, "./" and "/" in front, odd parts. */
function randomNames(r: () => number, n: number): { name: string; dir: boolean }[] {
  const out: { name: string; dir: boolean }[] = [];
  let dir: string[] = [];
  for (let i = 0; i < n; i++) {
    const roll = r();
    if (roll < 0.3 && dir.length > 0) dir = dir.slice(0, Math.floor(r() * dir.length));
    else if (roll < 0.6) dir = [...dir, PARTS[Math.floor(r() * 5)]!];
    const base = r() < 0.8 ? `f${Math.floor(r() * 6)}` : PARTS[Math.floor(r() * PARTS.length)]!;
    const odd = r();
    const parts = odd < 0.1 ? [...dir, PARTS[5 + Math.floor(r() * 3)]!, base] : [...dir, base];
    const lead = r() < 0.15 ? "./" : r() < 0.05 ? "/" : "";
    const isDir = r() < 0.3;
    out.push({ name: `${lead}${parts.join("/")}${isDir ? "/" : ""}`, dir: isDir });
  }
  return out;
}

function header(name: string, dir: boolean): TarEntryHeader {
  return {
    name,
    type: dir ? EntryType.Dir : EntryType.File,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 1,
    mtime: 0,
    linkName: null,
  };
}

describe("the builder's directory chain (names interned from the entries before them)", () => {
  it("puts every entry at the path parseEntryName gives it, whatever the names look like", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const names = randomNames(r, 60);
      const paths = new PathTable();
      const b = new LayerContentsBuilder(paths, 16);
      for (const { name, dir } of names) b.add(header(name, dir), null, 0);
      const c = b.finish();
      // What each name means on its own, the last entry for a path winning, as the builder keeps it.
      const expected = new Map<string, string>();
      const whiteouts = new Set<string>();
      const opaque = new Set<string>();
      for (const { name, dir } of names) {
        const p = parseEntryName(name);
        // The root is kept only as a directory.
        if (p.kind === "entry" && (p.segments.length > 0 || dir))
          expected.set(`/${p.segments.join("/")}`, name);
        if (p.kind === "whiteout") whiteouts.add(`/${p.segments.join("/")}`);
        if (p.kind === "opaque") opaque.add(`/${p.segments.join("/")}`);
      }
      const got = new Set<string>();
      for (let e = 0; e < c.count; e++) got.add(paths.path(c.node[e]!));
      expect({ seed, paths: [...got].sort() }).toEqual({ seed, paths: [...expected.keys()].sort() });
      expect(new Set([...c.whiteouts].map((n) => paths.path(n)))).toEqual(whiteouts);
      expect(new Set([...c.opaqueDirs].map((n) => paths.path(n)))).toEqual(opaque);
    }
  });

  it("interns paths in the same order whether or not the tar lists the directories", () => {
    const listed = [
      "usr/",
      "usr/lib/",
      "usr/lib/p1/",
      "usr/lib/p1/s/",
      "usr/lib/p1/s/f",
      "usr/lib/p2/",
      "usr/lib/p2/s/",
      "usr/lib/p2/s/g",
    ];
    const bare = ["usr/lib/p1/s/f", "usr/lib/p2/s/g"];
    const ids = (names: string[]) => {
      const paths = new PathTable();
      const b = new LayerContentsBuilder(paths, 16);
      for (const n of names) b.add(header(n, n.endsWith("/")), null, 0);
      b.finish();
      return Array.from({ length: paths.size }, (_, i) => paths.path(i));
    };
    expect(ids(bare)).toEqual(ids(listed));
  });
});
