import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ImageModel } from "../../src/model/image-model.js";
import { ImagePackages } from "../../src/model/packages.js";
import { readImage } from "../../src/sources/archive.js";
import { buildDockerArchive, fixtureDir, type LayerSpec, removeFixtures } from "../fixtures/images.js";

afterAll(removeFixtures);

const status = (pkgs: { name: string; version: string; kib: number; state?: string }[]) =>
  pkgs
    .map(
      (p) =>
        `Package: ${p.name}\nStatus: ${p.state ?? "install ok installed"}\nPriority: optional\nInstalled-Size: ${p.kib}\nArchitecture: amd64\nVersion: ${p.version}\nDescription: the ${p.name} package\n with a long description\n .\n over lines\n`,
    )
    .join("\n");

async function open(layers: LayerSpec[]) {
  const file = join(fixtureDir(), `pkgs-${Math.random().toString(16).slice(2)}.tar`);
  writeFileSync(file, buildDockerArchive({ layers }));
  const data = await readImage(file, {});
  const model = ImageModel.build(data);
  return { model, pkgs: new ImagePackages(model) };
}

describe("packages per layer", () => {
  test("dpkg: status and .list files give added, upgraded and removed packages and owned bytes", async () => {
    const { model, pkgs } = await open([
      {
        "usr/bin/ls": "x".repeat(1000),
        "usr/bin/cat": "y".repeat(300),
        "etc/motd": "hello",
        "var/lib/dpkg/status": status([
          { name: "coreutils", version: "9.1-1", kib: 18000 },
          { name: "old", version: "1", kib: 4 },
          { name: "gone", version: "1", kib: 4, state: "deinstall ok config-files" },
        ]),
        "var/lib/dpkg/info/coreutils.list": "/.\n/usr\n/usr/bin\n/usr/bin/ls\n/usr/bin/cat\n",
        "var/lib/dpkg/info/old.list": "/etc/old\n",
      },
      {
        "usr/bin/cat": "z".repeat(500),
        "usr/bin/new": "n".repeat(7000),
        "srv/data": "d".repeat(40),
        "var/lib/dpkg/status": status([
          { name: "coreutils", version: "9.1-2", kib: 18001 },
          { name: "newpkg", version: "2.0", kib: 7 },
        ]),
        "var/lib/dpkg/info/newpkg:amd64.list": "/usr/bin/new\n",
      },
    ]);
    expect(model.layerCount).toBe(2);
    const [l0, l1] = pkgs.layers;
    expect(l0!.known).toBe(true);
    expect(l0!.managers).toEqual(["dpkg"]);
    expect(l0!.added.map((c) => c.name).sort()).toEqual(["coreutils", "old"]);
    const core0 = l0!.uses.find((u) => u.pkg.name === "coreutils")!;
    expect(core0).toMatchObject({ bytes: 1300, files: 2, change: "added" });
    expect(core0.pkg.installedSize).toBe(18000 * 1024);
    // etc/motd, the status and two .list files belong to no package
    expect(l0!.unownedBytes).toBe(l0 ? model.layers[0]!.size - 1300 : 0);

    expect(l1!.upgraded).toEqual([
      expect.objectContaining({ name: "coreutils", from: "9.1-1", to: "9.1-2" }),
    ]);
    expect(l1!.removed.map((c) => c.name)).toEqual(["old"]);
    expect(l1!.added.map((c) => c.name)).toEqual(["newpkg"]);
    const uses1 = Object.fromEntries(l1!.uses.map((u) => [u.pkg.name, [u.bytes, u.change]]));
    expect(uses1).toEqual({ newpkg: [7000, "added"], coreutils: [500, "upgraded"] });
    expect(l1!.uses[0]!.pkg.name).toBe("newpkg");
    const node = model.paths.lookup(["usr", "bin", "new"]);
    expect(pkgs.ownerAt(node, 1)?.name).toBe("newpkg");
    expect(pkgs.ownerAt(node, 0)).toBeNull();
    expect(pkgs.filesOf(1, "dpkg:coreutils").map((n) => model.paths.path(n))).toEqual(["/usr/bin/cat"]);
  });

  test("merged /usr: a listed /bin/x is the file usr/bin/x behind the /bin symlink", async () => {
    const { pkgs } = await open([
      [
        { dir: "usr/bin" },
        { symlink: "bin", target: "usr/bin" },
        { file: "usr/bin/sh", content: "s".repeat(123) },
        { file: "var/lib/dpkg/status", content: status([{ name: "dash", version: "0.5", kib: 1 }]) },
        { file: "var/lib/dpkg/info/dash.list", content: "/bin\n/bin/sh\n" },
      ],
    ]);
    expect(pkgs.layers[0]!.uses).toEqual([expect.objectContaining({ bytes: 123, files: 1 })]);
  });

  test("python dist-info and npm packages; a pip uninstall (whiteouts) removes the package", async () => {
    const sp = "usr/lib/python3/site-packages";
    const { model, pkgs } = await open([
      {
        [`${sp}/demo/__init__.py`]: "p".repeat(100),
        [`${sp}/demo-1.2.dist-info/METADATA`]: "Metadata-Version: 2.1\nName: demo\nVersion: 1.2\n\nbody: x\n",
        [`${sp}/demo-1.2.dist-info/RECORD`]: `demo/__init__.py,sha256=x,100\n"demo-1.2.dist-info/METADATA",,\ndemo-1.2.dist-info/RECORD,,\n../../../bin/demo,,\n`,
        "usr/bin/demo": "b".repeat(10),
        "app/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0" }),
        "app/node_modules/left-pad/index.js": "l".repeat(200),
        "app/node_modules/left-pad/node_modules/@s/inner/package.json":
          '{"name":"@s/inner","version":"0.1.0"}',
        "app/node_modules/left-pad/node_modules/@s/inner/x.js": "i".repeat(30),
        "app/node_modules/left-pad/lib/package.json": '{"name":"not-a-package"}',
        "app/package.json": '{"name":"the-app","version":"1.0.0"}',
      },
      [{ whiteout: `${sp}/demo-1.2.dist-info` }, { whiteout: `${sp}/demo` }],
    ]);
    const l0 = pkgs.layers[0]!;
    const byName = Object.fromEntries(l0.uses.map((u) => [u.pkg.name, u.bytes]));
    const metadata = model.layers[0]!.size; // sanity: everything is in layer 0
    expect(metadata).toBeGreaterThan(0);
    expect(l0.managers).toEqual(["python", "npm"]);
    expect(Object.keys(byName).sort()).toEqual(["@s/inner", "demo", "left-pad"]);
    expect(byName["@s/inner"]).toBe(30 + '{"name":"@s/inner","version":"0.1.0"}'.length);
    expect(byName["left-pad"]).toBe(
      200 + JSON.stringify({ name: "left-pad", version: "1.3.0" }).length + '{"name":"not-a-package"}'.length,
    );
    const dist = model.paths.lookup(`${sp}/demo-1.2.dist-info`.split("/"));
    let distBytes = 0;
    for (let n = model.paths.firstChild(dist); n >= 0; n = model.paths.nextSibling(n)) {
      distBytes += model.stack.size(model.visibleAt(n, 0));
    }
    expect(byName.demo).toBe(100 + 10 + distBytes);
    expect(pkgs.layers[1]!.removed.map((c) => c.name)).toEqual(["demo"]);
    expect(pkgs.installedAt(1).map((p) => p.name)).toEqual(["@s/inner", "left-pad"]);
  });

  test("hostile databases are notes, not failures", async () => {
    const { pkgs } = await open([
      {
        "var/lib/dpkg/status": "garbage without fields\n\x1b[31m\n",
        "lib/apk/db/installed": "P:musl\nV:1.2\nI:100\nF:lib\nR:libc.so\n\nbad line\n",
        "x/node_modules/a/package.json": "{not json",
        "var/lib/rpm/rpmdb.sqlite": "SQLite format 3\0",
      },
    ]);
    const l0 = pkgs.layers[0]!;
    expect(l0.installedCount).toBe(0);
    expect(l0.notes.join("\n")).toMatch(/dpkg\/status: not read as a package database/);
    expect(l0.notes.join("\n")).toMatch(/installed: not read .*X:/);
    expect(l0.notes.join("\n")).toMatch(/package.json: not read .*not JSON/);
    expect(l0.notes.join("\n")).toMatch(
      /rpmdb.sqlite: not read as a package database: SQLite could not read it/,
    );
  });

  const hasRpm = spawnSync("rpmbuild", ["--version"]).status === 0;
  test.skipIf(!hasRpm && process.env.LAYERVIEW_REQUIRE_ENGINES !== "1")(
    "rpm: an rpmdb.sqlite written by rpm itself (rpmbuild, rpm -i), checked against rpm -q",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "lv-rpm-"));
      try {
        mkdirSync(join(dir, "top/SPECS"), { recursive: true });
        writeFileSync(
          join(dir, "top/SPECS/lvrpm.spec"),
          [
            "Name: lvrpm",
            "Version: 2.5",
            "Release: 3",
            "Epoch: 1",
            "Summary: layerview rpm test",
            "License: MIT",
            "BuildArch: noarch",
            "%description",
            "test",
            "%install",
            "mkdir -p %{buildroot}/usr/share/lvrpm %{buildroot}/usr/bin",
            "head -c 70000 /dev/zero > %{buildroot}/usr/share/lvrpm/data.bin",
            "echo '#!/bin/sh' > %{buildroot}/usr/bin/lvrpm",
            "%files",
            "/usr/share/lvrpm/data.bin",
            "/usr/bin/lvrpm",
            "%dir /usr/share/lvrpm",
            "",
          ].join("\n"),
        );
        execFileSync("rpmbuild", ["-bb", "--define", `_topdir ${dir}/top`, `${dir}/top/SPECS/lvrpm.spec`], {
          stdio: "ignore",
        });
        const rpmFile = join(dir, "top/RPMS/noarch", readdirSync(join(dir, "top/RPMS/noarch"))[0]!);
        const root = join(dir, "root");
        const rpm = (...args: string[]) =>
          execFileSync("rpm", ["--root", root, "--dbpath", "/var/lib/rpm", ...args], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
          });
        rpm("--initdb");
        rpm("-i", "--nodeps", "--noscripts", rpmFile);
        const [name, version, size] = rpm(
          "-qa",
          "--qf",
          "%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{LONGSIZE}\\n",
        )
          .trim()
          .split("\t");
        const listed = rpm("-ql", name!).trim().split("\n");
        // The root as a layer: every regular file, read back from disk.
        const layer: Record<string, Buffer> = {};
        const walk = (d: string) => {
          for (const e of readdirSync(d, { withFileTypes: true })) {
            const p = join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) layer[p.slice(root.length + 1)] = readFileSync(p);
          }
        };
        walk(root);
        const { pkgs } = await open([layer]);
        const l0 = pkgs.layers[0]!;
        expect(l0.notes).toEqual([]);
        expect(l0.added).toEqual([
          expect.objectContaining({ manager: "rpm", name, to: version, installedSize: Number(size) }),
        ]);
        const files = listed.filter((p) => statSync(join(root, p)).isFile());
        const bytes = files.reduce((n, p) => n + statSync(join(root, p)).size, 0);
        expect(l0.uses).toEqual([expect.objectContaining({ bytes, files: files.length, change: "added" })]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
