/**
 * The explorer in a real terminal: tmux runs `node bin/layerview.js ARCHIVE`, keys are sent, the
 * screen is read back, and after quitting (or SIGTERM) the shell must get its terminal back:
 * normal screen, visible cursor, cooked mode. Needs tmux and a build (`npm run build`; `npm test`
 * builds before it runs the tests). Without them the suite is skipped, saying why; with
 * LAYERVIEW_REQUIRE_TERMINAL=1 (set by .ci/run) it fails instead.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, test } from "vitest";
import { realFixture } from "../../real-fixtures.js";

const REQUIRE_TERMINAL = process.env.LAYERVIEW_REQUIRE_TERMINAL === "1";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = realFixture("test-docker-image.tar");
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const built = existsSync(`${ROOT}dist/cli/main.js`) && existsSync(`${ROOT}dist/ui/run-explorer.js`);
const skip = !hasTmux
  ? "tmux is not installed"
  : !built
    ? "no build: run `npm run build` first"
    : !existsSync(FIXTURE)
      ? "fixture missing"
      : "";
if (skip && !REQUIRE_TERMINAL) console.warn(`[layerview] SKIPPED terminal e2e: ${skip}`);

const SOCKET = `lv-e2e-${process.pid}`;
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

/**
 * Start layerview in a new session; after it exits the shell prints its exit code and tty modes
 * (wait for the modes line: under load it comes a moment after EXIT=).
 */
function start(name: string, columns: number, rows: number): void {
  const after = `echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo; sleep 120`;
  tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    String(columns),
    "-y",
    String(rows),
    `cd ${ROOT} && node bin/layerview.js ${FIXTURE}; ${after}`,
  );
}

afterAll(() => {
  if (!skip) spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
});

const TITLE = "explorer in a real terminal (tmux)";
if (skip && REQUIRE_TERMINAL) {
  describe(TITLE, () => {
    it("needs tmux, a build and the fixture (LAYERVIEW_REQUIRE_TERMINAL=1)", () => {
      throw new Error(`terminal e2e cannot run: ${skip}`);
    });
  });
}

describe.skipIf(skip !== "")(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  test("go to the layer with a whiteout, filter, quit: the terminal is restored", async () => {
    const s = "explore";
    start(s, 120, 40);
    // The pane title shows while the tree is still indexed: wait for the tree's rows themselves.
    await until(
      s,
      (t) => t.includes("Layers") && t.includes("as of layer 13") && t.includes("bin/"),
      "the explorer",
    );
    expect(tmux("display", "-p", "-t", s, "#{alternate_on}").trim()).toBe("1");
    // dive's test image is busybox (layer 0, its closing CMD) plus its own layers: the guessed boundary.
    const opening = screen(s).split("\n");
    const line = opening.findIndex((l) => l.startsWith("── ▲ base (heuristic) ▼ own ─"));
    expect(opening[line - 1]).toMatch(/^ +· CMD \["sh"\]/);
    expect(opening[line + 1]).toMatch(/^ +1 +6\.4 kB ADD file:/);
    tmux("send-keys", "-t", s, "[", "[", "[", "[", "c", "Tab");
    let t = await until(s, (x) => x.includes("changes of layer 9"), "layer 9");
    expect(t).toContain("RUN rm -rf /root/example/");
    expect(t).toMatch(/- drwxr-xr-x .* └─ example\//);
    tmux("send-keys", "-t", s, "c", "/", "s", "o", "m", "e", "Enter");
    t = await until(s, (x) => x.includes('filter "some"'), "the filter");
    expect(t).toContain("somefile");
    expect(t.split("\n").filter((l) => l.includes("bin/")).length).toBe(0);
    tmux("send-keys", "-t", s, "q");
    t = await until(s, (x) => /^-?icanon -?echo\s*$/m.test(x), "the shell and its tty modes");
    expect(t).toContain("EXIT=0");
    expect(t).toMatch(/^icanon echo\s*$/m);
    expect(t).not.toContain("Layers");
    expect(tmux("display", "-p", "-t", s, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
  });

  test("80×24, then SIGTERM: the terminal is restored and the exit code is 143", async () => {
    const s = "signal";
    start(s, 80, 24);
    await until(s, (t) => t.includes("as of layer 13") && t.includes("bin/"), "the explorer");
    const lines = screen(s).replace(/\n$/, "").split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    const shell = tmux("display", "-p", "-t", s, "#{pane_pid}").trim();
    let node = "";
    for (let i = 0; i < 50 && !/^\d+$/.test(node); i++) {
      // By its arguments: Node 24 names its main thread "MainThread", so the command name may not be node.
      node = spawnSync("pgrep", ["-P", shell, "-f", "bin/layerview.js"], { encoding: "utf8" }).stdout.trim();
      if (!/^\d+$/.test(node)) await sleep(100);
    }
    expect(node, "the layerview process").toMatch(/^\d+$/);
    process.kill(Number(node), "SIGTERM");
    const t = await until(s, (x) => /^-?icanon -?echo\s*$/m.test(x), "the shell and its tty modes");
    expect(t).toContain("EXIT=143");
    expect(t).toMatch(/^icanon echo\s*$/m);
    expect(tmux("display", "-p", "-t", s, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
  });
});
