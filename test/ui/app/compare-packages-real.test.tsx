/**
 * Package changes between two real images, in `layerview diff` and in the --compare view: the
 * Debian image of package-image.ts (dpkg, pip and npm layers) against its own base (the debootstrap
 * rootfs alone, as dockerd imported it). What must be listed is worked out here without layerview:
 * both dpkg status files parsed by a few lines below (the base's from the rootfs tarball, the image's
 * copied out of a container with `docker cp`), pip's wheel name and version, npm's own lockfile.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../../../src/cli/args.js";
import { explorerLoader } from "../../../src/cli/commands/inspect.js";
import { formatBytes } from "../../../src/model/format-bytes.js";
import { cli, ensureBuilt } from "../../cli/run-cli.js";
import { REQUIRE_ENGINES } from "../../engines/harness.js";
import {
  BASE,
  PACKAGE_IMAGE,
  type PackageImage,
  PIP_PACKAGE,
  packageImage,
} from "../../engines/package-image.js";
import { type Explorer, renderExplorer, waitFor } from "../render-explorer.js";

const run = promisify(execFile);
const big = { maxBuffer: 256 * 1024 * 1024 };

interface Expected {
  manager: string;
  name: string;
  version: string;
  size: number | null;
}

/** dpkg's status file, read as dpkg documents it: paragraphs of fields; installed ones only. */
function dpkgStatus(text: string): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const para of text.split(/\n\s*\n/)) {
    const field = (f: string) => new RegExp(`^${f}: *(.*)$`, "m").exec(para)?.[1]?.trim();
    const name = field("Package");
    if (!name || !field("Status")?.endsWith(" installed")) continue;
    const kib = field("Installed-Size");
    out.set(name, {
      manager: "dpkg",
      name,
      version: field("Version")!,
      size: kib ? Number(kib) * 1024 : null,
    });
  }
  return out;
}

let img: PackageImage;
let baseArchive: string;
let expected: Expected[];
let ex: Explorer | null = null;

beforeAll(async () => {
  img = await packageImage();
  if (!img.ok) return;
  ensureBuilt();
  const opts = { env: img.dockerEnv, ...big };
  baseArchive = join(img.scratch, "base.tar");
  await run("docker", ["save", "-o", baseArchive, BASE], opts);
  const before = dpkgStatus((await run("tar", ["-xOf", img.rootfs, "./var/lib/dpkg/status"], big)).stdout);
  const id = (await run("docker", ["create", PACKAGE_IMAGE], opts)).stdout.trim();
  const copy = join(img.scratch, "status-after");
  try {
    await run("docker", ["cp", `${id}:/var/lib/dpkg/status`, copy], opts);
  } finally {
    await run("docker", ["rm", id], opts);
  }
  const after = dpkgStatus(readFileSync(copy, "utf8"));
  const lock = JSON.parse(
    readFileSync(join(img.inputs, "app", "node_modules", ".package-lock.json"), "utf8"),
  ) as { packages: Record<string, { version: string }> };
  expected = [
    ...[...after.values()].filter((p) => before.get(p.name)?.version !== p.version),
    { manager: "python", name: PIP_PACKAGE.name, version: PIP_PACKAGE.version, size: null },
    ...Object.entries(lock.packages).map(([dir, p]) => ({
      manager: "npm",
      name: dir.slice(dir.lastIndexOf("node_modules/") + "node_modules/".length),
      version: p.version,
      size: null,
    })),
  ];
  // Biggest declared size first, then by manager:name.
  const key = (p: Expected) => `${p.manager}:${p.name}`;
  expected.sort((x, y) => (y.size ?? 0) - (x.size ?? 0) || (key(x) < key(y) ? -1 : 1));
}, 300_000);
afterAll(() => {
  ex?.unmount();
  img?.cleanup();
});

describe("package changes between a real Debian image and its base (dockerd, dpkg, pip, npm)", () => {
  it("is there to test (or, with LAYERVIEW_REQUIRE_ENGINES=1, must be)", () => {
    if (!img.ok && REQUIRE_ENGINES) throw new Error(img.reason);
    if (!img.ok) console.warn(`[layerview] SKIPPED package comparison tests: ${img.reason}`);
  });

  it("diff --json and the text list what the status files, pip and npm say was added", (t) => {
    if (!img.ok) t.skip();
    expect(expected.filter((p) => p.manager === "dpkg").length).toBe(3); // jq, libjq1, libonig5
    const j = JSON.parse(cli(["diff", "--json", baseArchive, img.archive]).stdout);
    expect(j.packages.removed).toEqual([]);
    expect(j.packages.upgraded).toEqual([]);
    expect(j.packages.added).toEqual(
      expected.map((p) => ({
        manager: p.manager,
        name: p.name,
        from: null,
        to: p.version,
        installedSize: p.size,
        sizeDelta: p.size,
      })),
    );
    const text = cli(["diff", baseArchive, img.archive]).stdout;
    expect(text).toContain(`Packages ${expected.length} added, 0 removed, 0 upgraded`);
    const first = expected[0]!;
    expect(text).toContain(`  + ${first.name} ${first.version} (dpkg, ${formatBytes(first.size!)})`);
  });

  it("the --compare view's figures pane shows the same changes, biggest first", async (t) => {
    if (!img.ok) t.skip();
    const loader = explorerLoader(parseArgs([baseArchive, "--compare", img.archive, "--no-cache"]));
    ex = await renderExplorer({
      columns: 150,
      rows: 60,
      subscribe: loader.subscribe,
      openContent: loader.openContent,
    });
    const e = ex;
    await waitFor(() => e.frame().includes("Packages "), "the comparison's packages", 120_000);
    const f = e.frame();
    expect(f).toMatch(new RegExp(`Packages +\\+${expected.length} −0 ~0 version changed`));
    // The dpkg ones (with a declared size) as rows: mark, size change, name, version.
    for (const p of expected.filter((x) => x.size !== null)) {
      expect(f).toMatch(
        new RegExp(
          `\\+ +\\+${formatBytes(p.size!).replace(".", "\\.")} ${p.name} ${p.version.replace(/[.+]/g, "\\$&")}`,
        ),
      );
    }

    // p: every change in a list of its own, in the same order, with its installed size.
    await e.press({ text: "p" });
    await waitFor(() => e.frame().includes("Package changes"), "the package changes list", 10_000);
    const list = e
      .frame()
      .split("\n")
      .filter((l) => /^\+ /.test(l))
      .map((l) => l.replace(/\s+/g, " ").trim());
    expect(list).toEqual(
      expected.map((p) =>
        [
          "+",
          p.size === null ? "?" : `+${formatBytes(p.size)}`,
          ...(p.size === null ? [] : [formatBytes(p.size)]),
          p.name,
          p.version,
          p.manager,
          "· added",
        ].join(" "),
      ),
    );
    await e.press({ text: "p" });
    await waitFor(() => !e.frame().includes("Package changes"), "the list closed", 10_000);
  }, 180_000);
});
