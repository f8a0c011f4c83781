import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { handleTermination } from "../../src/cli/signals.js";
import { tempDirPrefix } from "../../src/sources/temp-dirs.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";
import { demoArchive, ensureBuilt, repoRoot } from "./run-cli.js";

afterAll(removeFixtures);
const bin = resolve(repoRoot, "bin/layerview.js");

function start(args: string[]) {
  ensureBuilt();
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on("close", (code) => r({ code, stdout, stderr })),
  );
  return { child, done };
}

describe("termination signals in the commands that print", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s while --json reads standard input: one line, status %i", async (signal, status) => {
    const { child, done } = start(["--json", "-"]);
    // Half the archive, then nothing: the write completes once layerview has read most of it.
    const bytes = readFileSync(demoArchive);
    await new Promise<void>((r) => child.stdin.write(bytes.subarray(0, bytes.length >> 1), () => r()));
    child.kill(signal);
    const r = await done;
    expect(r.code).toBe(status);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`layerview: interrupted by ${signal}\n`);
  });

  it("an interrupted extract says the extraction is incomplete", async () => {
    const files = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`d${i % 100}/f${i}`, "x"]));
    const archive = await writeFixture("signals/many.tar", buildDockerArchive({ layers: [files] }));
    const dest = join(mkdtempSync(join(tmpdir(), "lv-signals-")), "out");
    const { child, done } = start(["extract", archive, "/", dest]);
    while (!existsSync(dest) || readdirSync(dest).length === 0) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(143);
    expect(r.stderr).toBe(`layerview: interrupted by SIGTERM: the extraction into ${dest} is incomplete\n`);
  });
});

describe("handleTermination", () => {
  it("removes this process's temporary directories and exits with 128+n", async () => {
    const dir = await mkdtemp(tempDirPrefix("spool"));
    const other = mkdtempSync(join(tmpdir(), "layerview-spool-1-"));
    let text = "";
    const stderr = new Writable({
      write(c, _e, cb) {
        text += c;
        cb();
      },
    }) as unknown as NodeJS.WriteStream;
    const codes: number[] = [];
    const stop = handleTermination(
      { stderr },
      () => "the output is incomplete",
      (c) => codes.push(c),
    );
    try {
      process.emit("SIGHUP", "SIGHUP");
    } finally {
      stop();
    }
    expect(codes).toEqual([129]);
    expect(text).toBe("layerview: interrupted by SIGHUP: the output is incomplete\n");
    expect(existsSync(dir)).toBe(false);
    // Another process's directory (pid 1) is left alone.
    expect(existsSync(other)).toBe(true);
    rmSync(other, { recursive: true });
  });
});
