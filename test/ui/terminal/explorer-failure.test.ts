import { PassThrough, Writable } from "node:stream";
import { expect, test } from "vitest";
import { runExplorer } from "../../../src/ui/run-explorer.js";

/** A terminal on both ends: a raw-capable stdin and a sized stdout that keeps what was written. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(on: boolean) {
      stdin.isRaw = on;
      return stdin;
    },
  });
  let out = "";
  const stdout = Object.assign(
    new Writable({
      write(c, _e, cb) {
        out += c;
        cb();
      },
    }),
    { isTTY: true, columns: 80, rows: 24 },
  );
  let err = "";
  const stderr = new Writable({
    write(c, _e, cb) {
      err += c;
      cb();
    },
  });
  return { stdin, stdout, stderr, out: () => out, err: () => err };
}

test("an exception inside the explorer restores the terminal and is one line", async () => {
  const t = terminal();
  const code = await runExplorer({
    stdin: t.stdin as unknown as NodeJS.ReadStream,
    stdout: t.stdout as unknown as NodeJS.WriteStream,
    stderr: t.stderr,
    subscribe: () => {
      throw new Error("boom in the loader");
    },
  });
  expect(code).toBe(1);
  expect(t.stdin.isRaw).toBe(false);
  // The alternate screen left, the cursor shown again.
  expect(t.out().endsWith("\u001b[?25h\u001b[?1049l")).toBe(true);
  expect(t.err()).toBe("layerview: the explorer failed: boom in the loader (run with --debug for details)\n");
});
