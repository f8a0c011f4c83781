import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export { realFixturesDir as realFixtures } from "../real-fixtures.js";
export const demoArchive = resolve(repoRoot, "test/fixtures/example/layerview-demo.tar");
const bin = resolve(repoRoot, "bin/layerview.js");

/** Build once per test run if dist/ is missing or stale is the caller's job (npm test builds first). */
export function ensureBuilt(): void {
  if (!existsSync(resolve(repoRoot, "dist/cli/main.js"))) {
    execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: repoRoot, stdio: "inherit" });
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real CLI as a user would, without a terminal. */
export function cli(
  args: string[],
  opts: { input?: Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd ?? repoRoot,
    input: opts.input,
    env: { ...process.env, ...opts.env },
    maxBuffer: 512 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export interface TarListing {
  type: string;
  size: number;
  name: string;
}

/** `tar -tv` of one member of an archive (decompressing it if needed): the independent oracle. */
export function listLayer(archive: string, member: string): TarListing[] {
  const blob = execFileSync("tar", ["-xOf", archive, member], { maxBuffer: 1 << 30 });
  const out = execFileSync("tar", ["-tv", "--numeric-owner", "-a", "-f", "-"], {
    input: blob,
    maxBuffer: 1 << 30,
    env: { ...process.env, LC_ALL: "C" },
  }).toString();
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S)\S*\s+\S+\s+(\d+)\s+\S+\s+\S+\s(.*)$/.exec(line);
      if (!m) throw new Error(`cannot parse tar line: ${line}`);
      return { type: m[1]!, size: Number(m[2]), name: m[3]!.replace(/ (->|link to) .*$/, "") };
    });
}

export function readMember(archive: string, member: string): string {
  return execFileSync("tar", ["-xOf", archive, member], { maxBuffer: 1 << 30 }).toString();
}
