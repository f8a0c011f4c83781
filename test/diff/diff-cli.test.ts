import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, demoArchive, ensureBuilt } from "../cli/run-cli.js";
import { buildDockerArchive, buildOciLayout, removeFixtures, writeFixture } from "../fixtures/images.js";

beforeAll(() => ensureBuilt());
afterAll(() => removeFixtures());

const baseLayer = { "etc/os-release": "ID=test\n", "bin/tool": "T".repeat(4000) };
const v1 = {
  tags: ["app:1"],
  layers: [baseLayer, { "srv/app.js": "console.log(1)\n", "srv/old.txt": "old" }],
};
const v2 = {
  tags: ["app:2"],
  layers: [baseLayer, { "srv/app.js": "console.log(2);\n", "srv/new/readme": "R".repeat(1234) }],
};

describe("layerview diff A B", () => {
  let a: string;
  let b: string;
  let oci: string;
  beforeAll(async () => {
    a = await writeFixture("diff/v1.tar", buildDockerArchive(v1));
    b = await writeFixture("diff/v2.tar", buildDockerArchive(v2));
    // The same v2 as a gzip-compressed OCI layout directory: different blobs, same DiffIDs.
    oci = buildOciLayout(v2, { dir: "diff/v2-oci", compression: "gzip" });
  });

  it("prints what changed, per directory, and the layers the two share", () => {
    const r = cli(["diff", a, b]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(
      "Layers  1 shared (4.0 kB; the bottom 1 in the same order), 1 only in A, 1 only in B",
    );
    // app.js 15 → 16 B (+1), new/readme +1234, old.txt −3: 1 added, 1 removed, 1 changed, +1232 B.
    expect(r.stdout).toContain("Paths    1 added (1.2 kB), 1 removed (3 B), 1 changed");
    expect(r.stdout).toMatch(/\+1\.2 kB {8}1 {8}1 {8}1 {2}\/srv/);
    expect(r.stdout).toMatch(/~ +\+1 B {2}\/srv\/app\.js \(content\)/);
    expect(r.stdout).toMatch(/\+ +\+1\.2 kB {2}\/srv\/new\/readme/);
    expect(r.stdout).toMatch(/- +-3 B {2}\/srv\/old\.txt/);
  });

  it("--json has every entry, the totals and the layer match", () => {
    const r = cli(["diff", "--json", "--depth", "2", a, b]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.a.reference).toBe("app:1");
    expect(doc.b.reference).toBe("app:2");
    expect(doc.entries).toEqual([
      {
        path: "/srv/app.js",
        kind: "changed",
        typeA: "file",
        typeB: "file",
        sizeA: 15,
        sizeB: 16,
        delta: 1,
        changes: ["content"],
      },
      {
        path: "/srv/new/readme",
        kind: "added",
        typeA: null,
        typeB: "file",
        sizeA: 0,
        sizeB: 1234,
        delta: 1234,
        changes: [],
      },
      {
        path: "/srv/old.txt",
        kind: "removed",
        typeA: "file",
        typeB: null,
        sizeA: 3,
        sizeB: 0,
        delta: -3,
        changes: [],
      },
    ]);
    // base 8 + 4000 = 4008 B in both; A: +15 +3 = 4026, B: +16 +1234 = 5258.
    expect(doc.totals).toMatchObject({ sizeA: 4026, sizeB: 5258, delta: 1232 });
    expect(doc.depth).toBe(2);
    expect(doc.directories.map((d: { path: string }) => d.path)).toEqual(["/srv/new", "/srv"]);
    expect(doc.layers.shared).toHaveLength(1);
    expect(doc.layers.commonBase).toBe(1);
  });

  it("compares different kinds of source: same DiffIDs, no differences", () => {
    const r = cli(["diff", "--json", b, oci]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.entries).toEqual([]);
    expect(doc.layers.shared).toHaveLength(2);
    expect(doc.layers.commonBase).toBe(2);
  });

  it("names the image that cannot be read, both when both cannot", () => {
    const one = cli(["diff", a, "diff/missing.tar"]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(
      /^layerview: image B \(diff\/missing\.tar\): no such file or directory: diff\/missing\.tar — .*\n$/,
    );
    const both = cli(["diff", "diff/gone-a.tar", "diff/gone-b.tar"]);
    expect(both.code).toBe(1);
    expect(
      both.stderr
        .split("\n")
        .filter(Boolean)
        .map((l) => /^layerview: image (A|B) \(([^)]+)\)/.exec(l)?.slice(1)),
    ).toEqual([
      ["A", "diff/gone-a.tar"],
      ["B", "diff/gone-b.tar"],
    ]);
  });

  it("IMAGE --compare OTHER without a terminal prints the same as diff IMAGE OTHER", () => {
    const diff = cli(["diff", "--depth", "2", a, b]);
    const compare = cli([a, "--compare", b, "--depth", "2"]);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toBe(diff.stdout);
    expect(cli(["--json", a, "--compare", b]).stdout).toBe(cli(["diff", "--json", a, b]).stdout);
    expect(cli(["--ci", a, "--compare", b]).stderr).toContain(
      "--compare applies to layerview IMAGE (not with --ci) only",
    );
    expect(cli(["--image", "x", a, "--compare", b]).code).toBe(2);
  });

  it("takes IMAGE_A and IMAGE_B, nothing else", () => {
    expect(cli(["diff", a]).code).toBe(2);
    expect(cli(["diff", a, b, demoArchive]).code).toBe(2);
    expect(cli(["diff", "--layer", "1", a, b]).stderr).toContain("--layer applies to cat and extract only");
    expect(cli(["diff", "-", "-"]).code).toBe(2);
  });
});

describe("layerview diff: package changes", () => {
  const status = (pkgs: [string, string, number][]) =>
    pkgs
      .map(
        ([n, v, kib]) =>
          `Package: ${n}\nStatus: install ok installed\nInstalled-Size: ${kib}\nVersion: ${v}\n`,
      )
      .join("\n");
  const base = {
    "var/lib/dpkg/status": status([
      ["libc6", "2.36-9", 13000],
      ["curl", "7.88.1-10", 500],
    ]),
  };
  it("lists packages added, removed and upgraded between the two final trees", async () => {
    const a = await writeFixture("diff/pkgs-a.tar", buildDockerArchive({ layers: [base] }));
    const b = await writeFixture(
      "diff/pkgs-b.tar",
      buildDockerArchive({
        layers: [
          base,
          {
            "var/lib/dpkg/status": status([
              ["libc6", "2.36-9+deb12u4", 13001],
              ["jq", "1.6-2.1", 100],
            ]),
            "app/node_modules/left-pad/package.json": '{"name":"left-pad","version":"1.3.0"}',
          },
        ],
      }),
    );
    const r = cli(["diff", a, b]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Packages 2 added, 1 removed, 1 upgraded");
    expect(r.stdout).toContain("  + jq 1.6-2.1 (dpkg, 102 kB)");
    expect(r.stdout).toContain("  + left-pad 1.3.0 (npm)");
    expect(r.stdout).toContain("  - curl 7.88.1-10 (dpkg, 512 kB)");
    expect(r.stdout).toContain("  ~ libc6 2.36-9 → 2.36-9+deb12u4 (dpkg, 13 MB, +1.0 kB)");
    // Biggest size change first: jq (100 KiB) before left-pad (no size declared).
    expect(r.stdout.indexOf("+ jq")).toBeLessThan(r.stdout.indexOf("+ left-pad"));
    expect(r.stdout.match(/^Packages /gm)).toHaveLength(1);
    const j = JSON.parse(cli(["diff", "--json", a, b]).stdout);
    expect(j.packages.upgraded).toEqual([
      {
        manager: "dpkg",
        name: "libc6",
        from: "2.36-9",
        to: "2.36-9+deb12u4",
        installedSize: 13001 * 1024,
        sizeDelta: 1024,
      },
    ]);
    expect(j.packages.added.map((c: { name: string }) => c.name)).toEqual(["jq", "left-pad"]);
    expect(j.packages.added.map((c: { sizeDelta: number | null }) => c.sizeDelta)).toEqual([102400, null]);
    expect(j.packages.removed).toEqual([
      {
        manager: "dpkg",
        name: "curl",
        from: "7.88.1-10",
        to: null,
        installedSize: 500 * 1024,
        sizeDelta: -500 * 1024,
      },
    ]);
  });
});
