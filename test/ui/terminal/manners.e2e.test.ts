/**
 * Everyday manners in a real terminal (tmux): the mouse (tmux tracks whether the program asked
 * for mouse reports, and the reports are what a terminal sends), Ctrl+Z then `fg` in an
 * interactive shell, OSC 52 reaching tmux's clipboard, and the terminal given back — normal
 * screen, cursor, cooked mode, mouse reporting off — on quit, on a signal and while suspended.
 * Needs tmux and a build; skipped saying why without them, failing under LAYERVIEW_REQUIRE_TERMINAL=1.
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
if (skip && !REQUIRE_TERMINAL) console.warn(`[layerview] SKIPPED terminal manners e2e: ${skip}`);

const SOCKET = `lv-manners-${process.pid}`;
const tmux = (...args: string[]) => {
  const r = spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const screen = (s: string) => tmux("capture-pane", "-p", "-t", s);
const flags = (s: string) =>
  tmux("display", "-p", "-t", s, "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag}").trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(s: string, pred: (text: string) => boolean, what: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen(s);
    if (pred(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await sleep(100);
  }
}

/** An interactive shell (job control on) in a new session; `run` types a command line into it. */
function shell(name: string, columns = 120, rows = 40): void {
  tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    String(columns),
    "-y",
    String(rows),
    "bash --norc --noprofile -i",
  );
  // OSC 52 from the program becomes a tmux buffer (a server option).
  tmux("set", "-s", "set-clipboard", "on");
}
const run = (s: string, line: string) => tmux("send-keys", "-t", s, "-l", `${line}\r`);
const AFTER = "echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo";
/** A mouse report as the terminal sends it (SGR, 1-based cells): tmux passes it to the program. */
const mouse = (s: string, button: number, x: number, y: number) =>
  tmux("send-keys", "-t", s, "-l", `\u001b[<${button};${x + 1};${y + 1}M`);

afterAll(() => {
  if (!skip) spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
});

const TITLE = "explorer manners in a real terminal (tmux)";
if (skip && REQUIRE_TERMINAL) {
  describe(TITLE, () => {
    it("needs tmux, a build and the fixture (LAYERVIEW_REQUIRE_TERMINAL=1)", () => {
      throw new Error(`terminal e2e cannot run: ${skip}`);
    });
  });
}

const ready = (t: string) => t.includes("as of layer 13") && t.includes("bin/");

describe.skipIf(skip !== "")(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  test("the mouse: reporting on while up, clicks select, the wheel scrolls, off again after quitting", async () => {
    const s = "mouse";
    shell(s);
    run(s, `cd ${ROOT} && node bin/layerview.js ${FIXTURE}; ${AFTER}`);
    let t = await until(s, ready, "the explorer");
    expect(flags(s)).toBe("1 0 1 1");
    // Click on layer 2 (the layers list starts on the second line; history lines are shown).
    const rows = t.split("\n");
    const y = rows.findIndex((l) => /^ {0,2}[▸ ]?\s*2\s+\S+ /.test(l.slice(0, 40)) && !l.includes("·"));
    expect(y, t).toBeGreaterThan(0);
    mouse(s, 0, 3, y);
    t = await until(s, (x) => x.includes("as of layer 2"), "layer 2 selected by a click");
    // The wheel over the tree scrolls it: the first row goes off the top.
    const treeX = 60;
    const firstRow = (x: string) => x.split("\n")[2]!.slice(treeX);
    const before = firstRow(t);
    mouse(s, 65, treeX + 5, 10);
    mouse(s, 65, treeX + 5, 10);
    t = await until(s, (x) => firstRow(x) !== before, "the tree scrolled by the wheel");
    // Clicks never type: a click while the filter is typed leaves the filter as it was.
    tmux("send-keys", "-t", s, "/", "b", "i", "n");
    await until(s, (x) => x.includes("Filter: bin█"), "the filter prompt");
    mouse(s, 0, treeX + 5, 5);
    await sleep(300);
    expect(screen(s)).toContain("Filter: bin█");
    // Enter keeps the filter (Esc then q at once would read as Alt+q).
    tmux("send-keys", "-t", s, "Enter", "q");
    t = await until(s, (x) => /^EXIT=\d+/m.test(x), "the shell");
    expect(t).toContain("EXIT=0");
    expect(t).toMatch(/^icanon echo\s*$/m);
    expect(flags(s)).toBe("0 1 0 0");
  });

  test("--no-mouse leaves the mouse to the terminal; SIGTERM restores everything", async () => {
    const s = "nomouse";
    shell(s, 80, 24);
    run(s, `cd ${ROOT} && node bin/layerview.js --no-mouse ${FIXTURE}; ${AFTER}`);
    await until(s, ready, "the explorer");
    expect(flags(s)).toBe("1 0 0 0");
    tmux("send-keys", "-t", s, "q");
    await until(s, (x) => /^EXIT=0/m.test(x), "the shell");
    run(s, `clear; node bin/layerview.js ${FIXTURE}; ${AFTER}`);
    await until(s, ready, "the explorer again");
    expect(flags(s)).toBe("1 0 1 1");
    // By its arguments, among the shell's children: Node 24 names its main thread "MainThread".
    const bash = tmux("display", "-p", "-t", s, "#{pane_pid}").trim();
    const pid = spawnSync("pgrep", ["-P", bash, "-f", "bin/layerview.js"], {
      encoding: "utf8",
    }).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    process.kill(Number(pid), "SIGTERM");
    const t = await until(s, (x) => /^EXIT=\d+/m.test(x), "the shell after SIGTERM");
    expect(t).toContain("EXIT=143");
    expect(t).toMatch(/^icanon echo\s*$/m);
    expect(flags(s)).toBe("0 1 0 0");
  });

  test("Ctrl+Z suspends to the shell with the terminal restored; fg brings the screen back as it was", async () => {
    const s = "suspend";
    shell(s);
    // The command alone on its line: a stopped job must not let the shell run the rest of the line.
    run(s, `cd ${ROOT} && node bin/layerview.js ${FIXTURE}`);
    await until(s, ready, "the explorer");
    tmux("send-keys", "-t", s, "[", "[", "c");
    await until(s, (x) => x.includes("changes of layer 11"), "layer 11");
    // The screen as it is once it stops changing (the tree of layer 11 drawn).
    let before = "";
    await until(
      s,
      (x) => {
        const same = x === before;
        before = x;
        return same;
      },
      "a settled screen",
    );
    tmux("send-keys", "-t", s, "C-z");
    let t = await until(s, (x) => /Stopped/.test(x), "the shell's job notice");
    expect(t).not.toContain("changes of layer 11");
    expect(flags(s)).toBe("0 1 0 0");
    // The shell works normally meanwhile (cooked mode, echo).
    run(s, "stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo");
    t = await until(s, (x) => /^icanon echo\s*$/m.test(x), "the shell's tty modes");
    run(s, "fg");
    // The same screen: every line as before the suspension.
    t = await until(s, (x) => x.trimEnd() === before.trimEnd(), "the explorer back as it was", 10_000);
    expect(flags(s)).toBe("1 0 1 1");
    // And it still takes keys.
    tmux("send-keys", "-t", s, "]");
    await until(s, (x) => x.includes("changes of layer 12"), "a key after fg");
    tmux("send-keys", "-t", s, "q");
    await until(s, (x) => !x.includes("changes of layer"), "the shell");
    run(s, AFTER);
    t = await until(s, (x) => /^EXIT=\d+/m.test(x), "the exit code");
    expect(t).toContain("EXIT=0");
    expect(t).toMatch(/^icanon echo\s*$/m);
    expect(flags(s)).toBe("0 1 0 0");
  });

  test("y copies the selected path with OSC 52: tmux's clipboard gets it", async () => {
    const s = "copy";
    shell(s);
    run(s, `cd ${ROOT} && node bin/layerview.js ${FIXTURE}; ${AFTER}`);
    await until(s, ready, "the explorer");
    tmux("send-keys", "-t", s, "Tab", "j", "j");
    const t = await until(s, (x) => /\b3\/\d+ \/\S+ · /.test(x), "the cursor on row 3");
    const path = /\b3\/\d+ (\/\S+) · /.exec(t)![1]!;
    tmux("send-keys", "-t", s, "y");
    await until(s, (x) => x.includes("Copied path"), "the copy notice");
    // The clipboard write follows the frame with the notice.
    const buffer = () => spawnSync("tmux", ["-L", SOCKET, "show-buffer"], { encoding: "utf8" }).stdout;
    for (let i = 0; i < 50 && buffer() === ""; i++) await sleep(100);
    expect(buffer().trim()).toBe(path);
    tmux("send-keys", "-t", s, "q");
    await until(s, (x) => /^EXIT=0/m.test(x), "the shell");
  });
});
