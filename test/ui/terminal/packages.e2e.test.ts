/**
 * The packages view in a real terminal, as a user would use it: tmux runs layerview on the real
 * Debian image (test/engines/package-image.ts), the keys go to the apt layer, open its packages,
 * pick the biggest and show its files. The biggest package and its files are worked out here from
 * the image's own dpkg lists and GNU tar's listing of the layer, not from layerview.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUIRE_ENGINES } from "../../engines/harness.js";
import {
  APT_PACKAGES,
  LAYER,
  layerFiles,
  merged,
  PACKAGE_IMAGE,
  type PackageImage,
  packageImage,
} from "../../engines/package-image.js";

const run = promisify(execFile);
const REQUIRE_TERMINAL = process.env.LAYERVIEW_REQUIRE_TERMINAL === "1";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const built = existsSync(`${ROOT}dist/cli/main.js`) && existsSync(`${ROOT}dist/ui/run-explorer.js`);
const skip = !hasTmux ? "tmux is not installed" : !built ? "no build: run `npm run build` first" : "";

const SOCKET = `lv-pkg-e2e-${process.pid}`;
const tmux = (...args: string[]) => {
  const r = spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const screen = (s: string) => tmux("capture-pane", "-p", "-t", s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(s: string, pred: (text: string) => boolean, what: string, ms = 40_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen(s);
    if (pred(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await sleep(100);
  }
}

let img: PackageImage | null = null;
beforeAll(async () => {
  if (skip === "") img = await packageImage();
}, 300_000);
afterAll(() => {
  if (skip === "") spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
  img?.cleanup();
});

describe("the packages view in a real terminal (tmux, a real Debian image)", () => {
  it("apt layer → packages → the biggest package → its files", async (t) => {
    const why = skip || (img?.ok ? "" : (img?.reason ?? "no image"));
    if (why !== "") {
      if (REQUIRE_TERMINAL || (REQUIRE_ENGINES && skip === "")) throw new Error(`cannot run: ${why}`);
      console.warn(`[layerview] SKIPPED packages e2e: ${why}`);
      t.skip();
    }
    const image = img!;
    // The biggest package of the apt layer and its files there, from dpkg's lists and GNU tar.
    const dpkg = join(image.scratch, "e2e-dpkg");
    mkdirSync(dpkg);
    const id = (await run("docker", ["create", PACKAGE_IMAGE], { env: image.dockerEnv })).stdout.trim();
    try {
      await run("docker", ["cp", `${id}:/var/lib/dpkg/info`, dpkg], { env: image.dockerEnv });
    } finally {
      await run("docker", ["rm", id], { env: image.dockerEnv });
    }
    const files = await layerFiles(image.archive, LAYER.apt);
    const nonDirs = await layerFiles(image.archive, LAYER.apt, "-lh");
    const owned = APT_PACKAGES.map((name) => {
      const list = readdirSync(join(dpkg, "info")).find(
        (f) => f === `${name}.list` || (f.startsWith(`${name}:`) && f.endsWith(".list")),
      )!;
      const listed = new Set(
        readFileSync(join(dpkg, "info", list), "utf8")
          .split("\n")
          .filter(Boolean)
          .map(merged),
      );
      const mine = [...files].filter(([p]) => listed.has(p));
      const count = [...nonDirs.keys()].filter((p) => listed.has(p)).length;
      return { name, bytes: mine.reduce((a, [, s]) => a + s, 0), paths: mine.map(([p]) => p), count };
    }).sort((a, b) => b.bytes - a.bytes);
    const biggest = owned[0]!;
    const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
    const mine = new Set(owned[0]!.paths.map(base));
    // Names only the other packages have (every package has a changelog.Debian.gz, say).
    const others = owned
      .slice(1)
      .flatMap((o) => o.paths.map(base))
      .filter((n) => !mine.has(n));

    const s = "pkgs";
    tmux(
      "new-session",
      "-d",
      "-s",
      s,
      "-x",
      "150",
      "-y",
      "45",
      `cd ${ROOT} && node bin/layerview.js ${image.archive}; sleep 120`,
    );
    await until(s, (x) => x.includes("as of layer 4") && x.includes("app/"), "the explorer");
    // While the image is still being read some keys are refused (with a notice): press again only
    // then. A key that was taken is never sent twice, however slow the frame (a second "[" on a
    // loaded machine used to go one layer too far).
    const REFUSED = "The image is still being read";
    const press = async (key: string, done: (text: string) => boolean, what: string) => {
      let text = screen(s);
      for (let tries = 0; tries < 60; tries++) {
        if (done(text)) return text;
        const refusedBefore = text.includes(REFUSED);
        tmux("send-keys", "-t", s, key);
        const end = Date.now() + (refusedBefore ? 3_000 : 30_000);
        for (;;) {
          await sleep(100);
          text = screen(s);
          if (done(text) || Date.now() > end) break;
          if (!refusedBefore && text.includes(REFUSED)) break;
        }
      }
      throw new Error(`"${key}" did not get to ${what}:\n${text}`);
    };
    await press("[", (y) => y.includes("as of layer 3"), "layer 3");
    await press("[", (y) => y.includes("as of layer 2"), "the apt layer");
    let x = await press("p", (y) => y.includes("Packages of layer 2"), "the packages view");
    expect(x).toContain(`${APT_PACKAGES.length} added · 0 upgraded · 0 removed`);
    // "+    656 kB        5  libonig5    6.9.8-1    dpkg": the rows in order, the biggest first.
    const names = x
      .split("\n")
      .flatMap((l) => /^[+~ ] +[\d.]+ (?:B|kB|MB) +[\d,]+ +(\S+)/.exec(l)?.slice(1) ?? []);
    expect(names).toEqual(owned.map((o) => o.name));
    tmux("send-keys", "-t", s, "Enter");
    // Waited for whole: a capture can land while the frame is being written (the header new, the
    // status line not yet).
    const counted = `${biggest.count} ${biggest.count === 1 ? "file" : "files"} of ${biggest.name}`;
    x = await until(
      s,
      (y) =>
        y.includes(`package ${biggest.name} (layer 2)`) &&
        y.includes(counted) &&
        biggest.paths.every((p) => y.includes(base(p))),
      "the package's files",
    );
    expect(others.length).toBeGreaterThan(0);
    for (const n of others) expect(x).not.toContain(` ${n}`);
    // The last row is one of its files: the cursor line names the package owning it.
    tmux("send-keys", "-t", s, "G");
    x = await until(
      s,
      (y) => new RegExp(`· package ${biggest.name} \\S+`).test(y),
      "the owner on the cursor line",
    );
    tmux("send-keys", "-t", s, "Escape");
    x = await until(s, (y) => !y.includes(`package ${biggest.name} (layer 2)`), "all files again");
    tmux("send-keys", "-t", s, "q");
  }, 240_000);
});
