/**
 * The package side of the one comparison (compare.ts): the packages of each image's final tree
 * compared, what `diff` prints and the --compare view shows. Models built here with decoded package
 * databases attached to their layers, as the sources attach them.
 */
import { describe, expect, it } from "vitest";
import { compareImages, compareImagesSteps } from "../../src/model/compare.js";
import { diffOfComparison } from "../../src/model/diff.js";
import type { ImageModel } from "../../src/model/image-model.js";
import type { PackageManager, PackageRecord } from "../../src/model/package-db.js";
import { runToEnd } from "../../src/model/steps.js";
import { type E, modelOf } from "./helpers.js";

type Pkg = [manager: PackageManager, name: string, version: string, kib: number | null];

const record = ([manager, name, version, kib]: Pkg): PackageRecord => ({
  manager,
  name,
  version,
  arch: null,
  installedSize: kib === null ? null : kib * 1024,
  files: [],
  root: null,
  joinKey: null,
});

/** A model whose layers write the given database files (path → packages) beside plain entries. */
function imageOf(layers: { entries?: E[]; dbs?: Record<string, Pkg[]> }[]): ImageModel {
  const model = modelOf(
    layers.map((l) => [
      ...(l.entries ?? []),
      ...Object.keys(l.dbs ?? {}).map((path) => ({ name: path, content: `db ${path}` })),
    ]),
  );
  layers.forEach((l, i) => {
    const rl = model.input.readLayers[i] as { packages?: unknown };
    rl.packages = {
      files: new Map(
        Object.entries(l.dbs ?? {}).map(([path, pkgs]) => [
          path,
          { kind: "records", records: pkgs.map(record) },
        ]),
      ),
      notes: [],
    };
  });
  return model;
}

const DPKG = "var/lib/dpkg/status";
const PIP = "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA";
const base = {
  dbs: {
    [DPKG]: [
      ["dpkg", "libc6", "2.36-9", 13000],
      ["dpkg", "curl", "7.88.1-10", 500],
      ["dpkg", "zlib1g", "1:1.2.13.dfsg-1", 160],
      ["dpkg", "tzdata", "2024a-0", null],
    ] as Pkg[],
    [PIP]: [["python", "requests", "2.31.0", null]] as Pkg[],
  },
};

describe("the comparison's package changes (final trees of both images)", () => {
  const a = imageOf([base, { entries: [{ name: "app/a.txt", content: "a" }] }]);
  const b = imageOf([
    base,
    {
      dbs: {
        [DPKG]: [
          ["dpkg", "libc6", "2.36-9+deb12u4", 13004],
          ["dpkg", "zlib1g", "1:1.2.11.dfsg-2", 150], // a downgrade: a version change too
          ["dpkg", "tzdata", "2025a-0", null],
          ["dpkg", "jq", "1.6-2.1", 100],
          ["dpkg", "python3.11", "3.11.2-6", 20000],
        ],
      },
    },
    // A later layer deletes the pip package's metadata: it is gone from B's final tree.
    { entries: [{ name: "usr/lib/python3/dist-packages/.wh.requests-2.31.0.dist-info" }] },
  ]);
  const c = compareImages(a, b);

  it("lists added, removed and version-changed packages, the biggest size change first", () => {
    const p = c.packages!;
    expect(p.added.map((x) => [x.name, x.from, x.to, x.installedSize, x.sizeDelta])).toEqual([
      ["python3.11", null, "3.11.2-6", 20000 * 1024, 20000 * 1024],
      ["jq", null, "1.6-2.1", 100 * 1024, 100 * 1024],
    ]);
    expect(p.removed.map((x) => [x.manager, x.name, x.from, x.to, x.sizeDelta])).toEqual([
      ["dpkg", "curl", "7.88.1-10", null, -500 * 1024],
      ["python", "requests", "2.31.0", null, null],
    ]);
    // zlib1g −10 KiB before libc6 +4 KiB; tzdata declares no size (unknown change, last).
    expect(p.upgraded.map((x) => [x.name, x.from, x.to, x.installedSize, x.sizeDelta])).toEqual([
      ["zlib1g", "1:1.2.13.dfsg-1", "1:1.2.11.dfsg-2", 150 * 1024, -10 * 1024],
      ["libc6", "2.36-9", "2.36-9+deb12u4", 13004 * 1024, 4 * 1024],
      ["tzdata", "2024a-0", "2025a-0", null, null],
    ]);
  });

  it("is the one `diff` lists, whether computed at once or in steps", () => {
    expect(diffOfComparison(c).packages).toBe(c.packages);
    expect(runToEnd(compareImagesSteps(a, b)).packages).toEqual(c.packages);
    // B against A: the same changes the other way round.
    const back = compareImages(b, a).packages!;
    expect(back.added.map((x) => x.name)).toEqual(["curl", "requests"]);
    expect(back.removed.map((x) => [x.name, x.sizeDelta])).toEqual([
      ["python3.11", -20000 * 1024],
      ["jq", -100 * 1024],
    ]);
    expect(back.upgraded.map((x) => [x.name, x.to, x.sizeDelta])).toEqual([
      ["zlib1g", "1:1.2.13.dfsg-1", 10 * 1024],
      ["libc6", "2.36-9", -4 * 1024],
      ["tzdata", "2024a-0", null],
    ]);
  });

  it("the same packages in both: no changes; no database in either: null", () => {
    expect(compareImages(a, imageOf([base])).packages).toEqual({ added: [], removed: [], upgraded: [] });
    const plain = modelOf([[{ name: "etc/x", content: "x" }]]);
    expect(compareImages(plain, modelOf([[{ name: "etc/y", content: "y" }]])).packages).toBeNull();
    expect(diffOfComparison(compareImages(plain, plain)).packages).toBeUndefined();
    // One side without a database: everything the other has is added (or removed).
    expect(compareImages(plain, b).packages!.added.map((x) => x.name)).toEqual([
      "python3.11",
      "libc6",
      "zlib1g",
      "jq",
      "tzdata",
    ]);
  });
});
