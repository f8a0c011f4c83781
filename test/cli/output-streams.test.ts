import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { outputFailure } from "../../src/cli/io.js";
import { demoArchive, ensureBuilt, repoRoot } from "./run-cli.js";

const bin = resolve(repoRoot, "bin/layerview.js");

/** Run the CLI with stdout going to `fd`, or to a pipe whose reader is gone before the first byte. */
function run(
  args: string[],
  stdout: number | "closed-pipe",
): Promise<{ code: number | null; stderr: string }> {
  ensureBuilt();
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ["ignore", stdout === "closed-pipe" ? "pipe" : stdout, "pipe"],
    });
    if (stdout === "closed-pipe") child.stdout!.destroy();
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => done({ code, stderr }));
  });
}

describe("output that cannot be written", () => {
  it.each([["--json"], ["--report"], ["--ci"]])(
    "%s into a closed pipe ends quietly with status 141",
    async (flag) => {
      const r = await run([flag, demoArchive], "closed-pipe");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(141);
    },
  );

  it.runIf(existsSync("/dev/full"))("--json and cat onto a full disk: one line, status 1", async () => {
    for (const args of [
      ["--json", demoArchive],
      ["cat", demoArchive, "/srv/app/server.sh"],
    ]) {
      const fd = openSync("/dev/full", "w");
      try {
        const r = await run(args, fd);
        expect(r.code, args.join(" ")).toBe(1);
        expect(r.stderr).toBe(
          "layerview: cannot write the output: no space left on the device (ENOSPC); the output is incomplete\n",
        );
      } finally {
        closeSync(fd);
      }
    }
  });

  it("words other write failures with their code", () => {
    const e = Object.assign(new Error("i/o"), { code: "EIO" });
    expect(outputFailure(e)).toEqual({
      code: 1,
      line: "layerview: cannot write the output: an input/output error (EIO); the output is incomplete",
    });
    expect(outputFailure(Object.assign(new Error("x"), { code: "EPIPE" }))).toEqual({
      code: 141,
      line: null,
    });
  });
});
