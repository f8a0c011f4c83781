/**
 * Packages per layer on a real Debian image built by dockerd (package-image.ts). What layerview
 * reports is checked against answers worked out here without it: dpkg-query on the image's own dpkg
 * database (copied out with `docker cp`) and on the base rootfs's, GNU tar's listing of the layer
 * blobs, pip's RECORD and npm's lockfile on the host, file sizes from the file system.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageModel } from "../../src/model/image-model.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { readImage } from "../../src/sources/archive.js";
import { REQUIRE_ENGINES } from "./harness.js";
import {
  APT_PACKAGES,
  dpkgQuery,
  LAYER,
  layerFiles,
  merged,
  PACKAGE_IMAGE,
  type PackageImage,
  PIP_PACKAGE,
  packageImage,
} from "./package-image.js";

const run = promisify(execFile);
let img: PackageImage;
let json: ReturnType<typeof buildJsonReport>;

beforeAll(async () => {
  img = await packageImage();
  if (!img.ok) return;
  const data = await readImage(img.archive, {});
  // Every layer that installs packages gets a package-install finding at a 1-byte threshold.
  json = buildJsonReport(ImageModel.build(data), { adviceOptions: { mediumBytes: 1 } });
}, 300_000);
afterAll(() => img?.cleanup());

function walk(dir: string, skip: (path: string) => boolean = () => false): [string, number][] {
  const out: [string, number][] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (skip(p)) continue;
    if (e.isDirectory()) out.push(...walk(p, skip));
    else if (e.isFile()) out.push([p, statSync(p).size]);
  }
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("packages per layer in a real Debian image (dockerd, debootstrap, apt, pip, npm)", () => {
  it("is there to test (or, with LAYERVIEW_REQUIRE_ENGINES=1, must be)", () => {
    if (!img.ok && REQUIRE_ENGINES) throw new Error(img.reason);
    if (!img.ok) console.warn(`[layerview] SKIPPED package image tests: ${img.reason}`);
  });

  it("the apt layer: added packages, versions and installed sizes as dpkg-query reads the image's database", async (t) => {
    if (!img.ok) t.skip();
    const before = join(img.scratch, "before");
    mkdirSync(before);
    await run("tar", ["-xf", img.rootfs, "-C", before, "./var/lib/dpkg"]);
    const id = (await run("docker", ["create", PACKAGE_IMAGE], { env: img.dockerEnv })).stdout.trim();
    const after = join(img.scratch, "after");
    try {
      await run("docker", ["cp", `${id}:/var/lib/dpkg`, after], { env: img.dockerEnv });
    } finally {
      await run("docker", ["rm", id], { env: img.dockerEnv });
    }
    const was = await dpkgQuery(join(before, "var/lib/dpkg"));
    const is = await dpkgQuery(after);
    const expected = [...is]
      .filter(([name]) => !was.has(name))
      .map(([name, [version, size]]) => ({ name, version, size }));
    expect(expected.map((p) => p.name).sort()).toEqual([...APT_PACKAGES].sort());

    const base = json.packages.layers[0]!;
    expect(base.added.map((c) => c.name).sort()).toEqual([...was.keys()].sort());
    const apt = json.packages.layers[LAYER.apt]!;
    expect(apt.known).toBe(true);
    expect(apt.removed).toEqual([]);
    expect(apt.upgraded).toEqual([]);
    expect(
      apt.added
        .map((c) => ({ name: c.name, version: c.to, size: c.installedSize }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(expected.sort((a, b) => a.name.localeCompare(b.name)));
    expect(json.packages.installed.filter((p) => p.manager === "dpkg").length).toBe(is.size);

    // Bytes: the layer's regular files (GNU tar's listing) that each package's .list names.
    const files = await layerFiles(img.archive, LAYER.apt);
    const owned = new Map<string, number>();
    for (const name of APT_PACKAGES) {
      const list = readdirSync(join(after, "info")).find(
        (f) => f === `${name}.list` || (f.startsWith(`${name}:`) && f.endsWith(".list")),
      );
      const paths = new Set(
        readFileSync(join(after, "info", list!), "utf8")
          .split("\n")
          .filter(Boolean)
          .map(merged),
      );
      owned.set(name, sum([...files].filter(([p]) => paths.has(p)).map(([, size]) => size)));
    }
    const got = new Map(apt.owners.map((o) => [o.name, o.bytes]));
    for (const [name, bytes] of owned) expect(got.get(name), name).toBe(bytes);
    expect(apt.owners[0]!.bytes).toBe(Math.max(...owned.values()));
    const layerBytes = sum([...files.values()]);
    expect(apt.unownedBytes).toBe(layerBytes - sum(apt.owners.map((o) => o.bytes)));
    expect(json.layers[LAYER.apt]!.size).toBe(layerBytes);
  }, 120_000);

  it("the pip layer: the package and the bytes pip's RECORD lists", async (t) => {
    if (!img.ok) t.skip();
    const l = json.packages.layers[LAYER.pip]!;
    expect(l.added.map((c) => [c.manager, c.name, c.to])).toEqual([
      ["python", PIP_PACKAGE.name, PIP_PACKAGE.version],
    ]);
    const pylib = join(img.inputs, "pylib");
    const info = `${PIP_PACKAGE.name}-${PIP_PACKAGE.version}.dist-info`;
    const record = readFileSync(join(pylib, info, "RECORD"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(",")[0]!);
    const bytes = sum(
      record.filter((p) => existsSync(join(pylib, p))).map((p) => statSync(join(pylib, p)).size),
    );
    expect(l.owners).toEqual([expect.objectContaining({ name: PIP_PACKAGE.name, bytes, change: "added" })]);
    expect(l.unownedBytes).toBe(sum(walk(pylib).map(([, s]) => s)) - bytes);
  });

  it("the npm layer: every package npm's lockfile names, each owning its folder's bytes", async (t) => {
    if (!img.ok) t.skip();
    const app = join(img.inputs, "app");
    const lock = JSON.parse(readFileSync(join(app, "node_modules", ".package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const expected = Object.entries(lock.packages).map(([dir, p]) => {
      const abs = join(app, dir);
      const bytes = sum(walk(abs, (p) => p.startsWith(join(abs, "node_modules"))).map(([, s]) => s));
      return {
        name: dir.slice(dir.lastIndexOf("node_modules/") + "node_modules/".length),
        version: p.version,
        bytes,
      };
    });
    const l = json.packages.layers[LAYER.npm]!;
    const got = l.owners.map((o) => ({ name: o.name, version: o.version, bytes: o.bytes }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(got.sort(byName)).toEqual(expected.sort(byName));
    expect(l.added.length).toBe(expected.length);
    const unowned = ["package.json", "package-lock.json", "node_modules/.package-lock.json"];
    expect(l.unownedBytes).toBe(sum(unowned.map((f) => statSync(join(app, f)).size)));
  });

  it("the advisor names the biggest package the apt layer installed", async (t) => {
    if (!img.ok) t.skip();
    const f = json.advice.find((a) => a.kind === "package-install" && a.layer === LAYER.apt);
    const owners = json.packages.layers[LAYER.apt]!.owners;
    expect(f?.message).toContain(`installs ${APT_PACKAGES.length} packages`);
    expect(f?.message).toContain(`: ${owners[0]!.name} ${owners[0]!.version}`);
    expect(f?.bytes).toBe(sum(owners.map((o) => o.bytes)));
  });
});
