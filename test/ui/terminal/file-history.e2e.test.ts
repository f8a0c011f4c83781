/**
 * The file history in a real terminal: tmux runs `node bin/layerview.js` on the bundled example,
 * a path is found, `H` opens its history, Enter shows a version's layer, `v` opens a version in
 * the viewer. Needs tmux and a build; skipped saying why without them (fails with
 * LAYERVIEW_REQUIRE_TERMINAL=1, as .ci/run sets).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, test } from "vitest";

const REQUIRE_TERMINAL = process.env.LAYERVIEW_REQUIRE_TERMINAL === "1";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DEMO = "test/fixtures/example/layerview-demo.tar";
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const built = existsSync(`${ROOT}dist/cli/main.js`) && existsSync(`${ROOT}dist/ui/run-explorer.js`);
const skip = !hasTmux ? "tmux is not installed" : !built ? "no build: run `npm run build` first" : "";
if (skip && !REQUIRE_TERMINAL) console.warn(`[layerview] SKIPPED file-history terminal e2e: ${skip}`);

const SOCKET = `lv-history-${process.pid}`;
const tmux = (...args: string[]) => {
  const r = spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const screen = (s: string) => tmux("capture-pane", "-p", "-t", s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(s: string, pred: (text: string) => boolean, what: string, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen(s);
    if (pred(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await sleep(100);
  }
}

/** Send keys until the screen shows their effect: keys sent before the app reads its input are lost. */
async function sendUntil(
  s: string,
  keys: string[],
  pred: (text: string) => boolean,
  what: string,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    tmux("send-keys", "-t", s, ...keys);
    try {
      return await until(s, pred, what, 2_000);
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}

afterAll(() => {
  if (!skip) spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
});

const TITLE = "file history in a real terminal (tmux)";
if (skip && REQUIRE_TERMINAL) {
  describe(TITLE, () => {
    it("needs tmux and a build (LAYERVIEW_REQUIRE_TERMINAL=1)", () => {
      throw new Error(`terminal e2e cannot run: ${skip}`);
    });
  });
}

describe.skipIf(skip !== "")(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  test("H on a row opens the history; Enter shows that layer; v views a version; q quits", async () => {
    const s = "history";
    tmux(
      "new-session",
      "-d",
      "-s",
      s,
      "-x",
      "120",
      "-y",
      "40",
      `cd ${ROOT} && node bin/layerview.js ${DEMO}; echo EXIT=$?; sleep 120`,
    );
    await until(s, (t) => t.includes("as of layer 7") && t.includes("srv/"), "the explorer");
    await sendUntil(s, ["/"], (t) => t.includes("Filter: "), "the filter prompt");
    // A "/" resent while the first was only slow is typed into the filter: erase it.
    tmux("send-keys", "-t", s, "BSpace", "BSpace", "BSpace", "BSpace", "BSpace");
    await until(s, (t) => t.includes("Filter: █"), "an empty filter");
    tmux("send-keys", "-t", s, "s", "i", "t", "e", ".", "c", "s", "s");
    await until(s, (t) => t.includes("Filter: site.css█"), "the filter typed");
    tmux("send-keys", "-t", s, "Enter");
    await until(s, (t) => t.includes("/srv/app/assets/site.css · file"), "the cursor on site.css");
    tmux("send-keys", "-t", s, "H");
    let t = await until(s, (x) => x.includes("History  /srv/app/assets/site.css"), "the history");
    expect(t).toMatch(/^ L3 +\+ +22 B +-rw-r--r-- 0:0 +added file/m);
    expect(t).toMatch(/^ L4 +=/m);
    expect(t).toMatch(/^ L7 +- +22 B .*removed: \/srv\/app\/assets was re-created empty \(opaque\)/m);
    expect(t).toMatch(/^▸L7 +~ +22 B .*modified: content \(same size, 22 B\)/m);
    expect(t).toContain("Event 4 of 4");
    tmux("send-keys", "-t", s, "Home", "Enter");
    t = await until(s, (x) => x.includes("as of layer 3"), "layer 3 in the tree");
    expect(t).not.toContain("Event 1 of 4");
    expect(t).toContain("Layer 3: /srv/app/assets/site.css");
    expect(t).toMatch(/^▸3 .*COPY dir:/m);
    tmux("send-keys", "-t", s, "H");
    t = await until(s, (x) => x.includes("Event 1 of 4"), "the history as of layer 3");
    expect(t).toMatch(/^▸L3 /m);
    tmux("send-keys", "-t", s, "End", "v");
    t = await until(s, (x) => x.includes("body { color: #111; }"), "the viewer");
    expect(t).toMatch(/\/srv\/app\/assets\/site\.css\s+as of layer 7 · text/);
    tmux("send-keys", "-t", s, "Escape");
    await until(s, (x) => x.includes("Event 4 of 4"), "back in the history");
    tmux("send-keys", "-t", s, "Home", "v");
    t = await until(s, (x) => x.includes("as of layer 3 · text"), "the first version");
    expect(t).not.toContain("#111");
    expect(t).toContain(
      readFileSync(`${ROOT}test/fixtures/example/context-app/assets/site.css`, "utf8").trim(),
    );
    // Esc closes the viewer (back to the history), q there quits.
    tmux("send-keys", "-t", s, "Escape");
    await until(s, (x) => x.includes("Event 1 of 4"), "the history again");
    tmux("send-keys", "-t", s, "q");
    t = await until(s, (x) => x.includes("EXIT="), "the shell");
    expect(t).toContain("EXIT=0");
  });
});
