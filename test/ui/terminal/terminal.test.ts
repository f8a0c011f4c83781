import { EventEmitter } from "node:events";
import { describe, expect, test } from "vitest";
import { runExplorer } from "../../../src/ui/run-explorer.js";
import { FrameWriter } from "../../../src/ui/terminal/frame-writer.js";
import { MOUSE_OFF, TerminalSession } from "../../../src/ui/terminal/terminal-session.js";

class FakeTty extends EventEmitter {
  isTTY = true;
  isRaw = false;
  columns = 20;
  rows = 4;
  out = "";
  write(s: string) {
    this.out += s;
    return true;
  }
  setRawMode(on: boolean) {
    this.isRaw = on;
    return this;
  }
}

describe("FrameWriter", () => {
  test("writes only the lines that changed, at their rows, and never more rows than the terminal has", () => {
    const tty = new FakeTty();
    const w = new FrameWriter(tty as unknown as NodeJS.WriteStream);
    w.write("a\nb\nc");
    expect(tty.out).toContain("\u001b[1;1H\u001b[2Ka\u001b[2;1H\u001b[2Kb\u001b[3;1H\u001b[2Kc");
    tty.out = "";
    w.write("a\nB\nc");
    expect(tty.out).toBe("\u001b[?2026h\u001b[2;1H\u001b[2KB\u001b[0m\u001b[?2026l");
    tty.out = "";
    w.write("a\nB\nc");
    expect(tty.out).toBe("");
    w.write("1\n2\n3\n4\n5\n6");
    expect(tty.out).not.toContain("5");
  });

  test("ignores Ink's empty output, redraws everything after a resize, drops frames once frozen", () => {
    const tty = new FakeTty();
    const w = new FrameWriter(tty as unknown as NodeJS.WriteStream);
    let resized = 0;
    w.on("resize", () => resized++);
    w.write("x\ny");
    tty.out = "";
    w.write("");
    expect(tty.out).toBe("");
    tty.columns = 30;
    tty.emit("resize");
    expect(resized).toBe(1);
    expect(w.columns).toBe(30);
    expect(tty.out).toContain("\u001b[2J");
    tty.out = "";
    w.write("x\ny");
    expect(tty.out).toContain("x");
    w.freeze();
    tty.out = "";
    w.write("z");
    expect(tty.out).toBe("");
  });
});

describe("TerminalSession", () => {
  test("enters the alternate screen and restores screen, cursor, wrap and raw mode once", () => {
    const stdin = new FakeTty();
    const stdout = new FakeTty();
    const s = new TerminalSession(
      stdin as unknown as NodeJS.ReadStream,
      stdout as unknown as NodeJS.WriteStream,
    );
    s.enter();
    expect(stdout.out).toContain("\u001b[?1049h");
    expect(stdout.out).toContain("\u001b[?25l");
    stdin.setRawMode(true);
    console.log("held while the explorer is up");
    s.restore();
    expect(stdin.isRaw).toBe(false);
    expect(stdout.out.endsWith(`\u001b[0m${MOUSE_OFF}\u001b[?7h\u001b[?25h\u001b[?1049l`)).toBe(true);
    const len = stdout.out.length;
    s.restore();
    expect(stdout.out.length).toBe(len);
  });
});

describe("runExplorer", () => {
  test("refuses to start Ink without a terminal", async () => {
    const notTty = Object.assign(new EventEmitter(), { isTTY: false });
    await expect(
      runExplorer({
        stdin: notTty as unknown as NodeJS.ReadStream,
        stdout: new FakeTty() as unknown as NodeJS.WriteStream,
        subscribe: () => {},
      }),
    ).rejects.toThrow(/needs a terminal/);
  });
});
