/**
 * `layerview A --compare B` in a real terminal, as a user runs it: tmux starts
 * `node bin/layerview.js docker://layerview-compare:1 --compare v2.tar` (two versions built with real
 * `docker build`; B is v2's `docker save`), keys are sent, the screen is read back. Needs tmux, a
 * build and the harness's dockerd; skipped saying why without them (failing under
 * LAYERVIEW_REQUIRE_TERMINAL=1 / LAYERVIEW_REQUIRE_ENGINES=1).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, test } from "vitest";
import { formatBytes } from "../../../src/model/format-bytes.js";
import { buildCompareImages, type CompareImages, TAG_V1, TAG_V2 } from "../../engines/compare-images.js";
import { engineDescribe, probeEngine } from "../../engines/harness.js";

const REQUIRE_TERMINAL = process.env.LAYERVIEW_REQUIRE_TERMINAL === "1";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const built = existsSync(`${ROOT}dist/cli/main.js`) && existsSync(`${ROOT}dist/ui/run-explorer.js`);
const skip = !hasTmux ? "tmux is not installed" : !built ? "no build: run `npm run build` first" : "";
if (skip && !REQUIRE_TERMINAL) console.warn(`[layerview] SKIPPED --compare terminal e2e: ${skip}`);

const docker = await probeEngine("docker");
const SOCKET = `lv-cmp-${process.pid}`;
const tmux = (...args: string[]) => {
  const r = spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const screen = (s: string) => tmux("capture-pane", "-p", "-t", s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keys = (s: string, ...k: string[]) => tmux("send-keys", "-t", s, ...k);

async function until(s: string, pred: (text: string) => boolean, what: string, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen(s);
    if (pred(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await sleep(100);
  }
}

const signed = (n: number) => `${n > 0 ? "+" : "−"}${formatBytes(Math.abs(n))}`;
/** The tree pane's part of a screen line (after the separator), guides and runs of spaces squashed. */
const treeRow = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.includes(`─ ${name}`));
  return line
    ?.slice(line.indexOf("│") + 1)
    .replace(/[│├└─⊕]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
};

const TITLE = "--compare in a real terminal (tmux, real docker builds)";
if (skip && REQUIRE_TERMINAL) {
  describe(TITLE, () => {
    it("needs tmux and a build (LAYERVIEW_REQUIRE_TERMINAL=1)", () => {
      throw new Error(`terminal e2e cannot run: ${skip}`);
    });
  });
}

if (!skip) {
  engineDescribe(docker, TITLE, () => {
    let images: CompareImages;
    beforeAll(async () => {
      images = await buildCompareImages(docker);
    }, 180_000);
    afterAll(() => {
      spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
      images?.cleanup();
    });

    test("open the comparison, sort by change, view both versions of a file, explore A alone, quit", async () => {
      const s = "compare";
      const cmd = `cd ${ROOT} && DOCKER_HOST=${docker.host} node bin/layerview.js docker://${TAG_V1} --compare ${images.archiveB} --no-cache; echo EXIT=$?; sleep 120`;
      tmux("new-session", "-d", "-s", s, "-x", "120", "-y", "40", cmd);
      let t = await until(s, (x) => x.includes("Content ") && x.includes("data.bin"), "the comparison");
      expect(t).toContain(`Compare  ${TAG_V1} → ${TAG_V2}`);
      const d = "/srv/app/data.bin";
      const [a, b] = [images.filesA[d]!.length, images.filesB[d]!.length];
      expect(treeRow(t, "data.bin")).toBe(
        `~ ${formatBytes(a)} ${formatBytes(b)} ${signed(b - a)} data.bin (content)`,
      );
      expect(treeRow(t, "gone.bin")).toBe(
        `- ${formatBytes(images.baseGone.size)} — ${signed(-images.baseGone.size)} gone.bin`,
      );
      expect(t).toContain(
        `Content  ${formatBytes(images.contentA)} → ${formatBytes(images.contentB)} (${signed(images.contentB - images.contentA)})`,
      );
      expect(t).toMatch(/Layers\s+2 shared · 1 only in A · 2 only in B/);
      expect(t).not.toContain("keep.txt");

      keys(s, "u");
      // The cursor stays on /srv, at the bottom now: the base's unchanged files fill the screen above it.
      t = await until(s, (x) => x.includes("passwd") && /\/\d+ \/srv ·/.test(x), "the unchanged paths");
      keys(s, "u", "s");
      t = await until(s, (x) => x.includes("by size change"), "the sort by change");
      const order = t
        .split("\n")
        .map((l) => /[─⊕] (\S+)/.exec(l.slice(l.indexOf("│") + 1))?.[1])
        .filter((x): x is string => x !== undefined);
      expect(order.indexOf("data.bin")).toBeLessThan(order.indexOf("old.txt"));
      expect(order.indexOf("old.txt")).toBeLessThan(order.indexOf("version"));

      for (let i = 0; i < 20 && !screen(s).includes("/srv/app/version · changed"); i++) {
        keys(s, "Down");
        await sleep(80);
      }
      expect(screen(s)).toContain("/srv/app/version · changed");
      keys(s, "v");
      t = await until(s, (x) => x.includes("1.5.0-rc.1"), "B's file");
      expect(t).toContain(`image B (${TAG_V2})`);
      keys(s, "Escape");
      await until(s, (x) => x.includes("Compare "), "the comparison again");
      keys(s, "V");
      t = await until(s, (x) => x.includes("1.4.0"), "A's file");
      expect(t).toContain(`image A (${TAG_V1})`);
      keys(s, "Escape");
      await until(s, (x) => x.includes("Compare "), "the comparison again");
      keys(s, "d");
      t = await until(s, (x) => x.includes("Files  as of layer 2"), "A alone");
      keys(s, "d");
      await until(s, (x) => x.includes("Compare "), "the comparison again");
      keys(s, "q");
      t = await until(s, (x) => x.includes("EXIT="), "the shell");
      expect(t).toContain("EXIT=0");
    }, 120_000);
  });
}
