import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineDescribe, probeEngine, REQUIRE_ENGINES, saveWithCli } from "./harness.js";

// The built CLI against real engines: `node bin/layerview.js --json IMAGE`, as a user runs it.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin/layerview.js");
const BUILT = join(ROOT, "dist/cli/main.js");
const cliMissing = existsSync(BUILT) ? "" : `the CLI is not built (${BUILT} missing) — run \`npm run build\``;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    for (const k of ["DOCKER_HOST", "DOCKER_CONTEXT", "CONTAINER_HOST"]) delete clean[k];
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...clean, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The --json report without what necessarily differs between a daemon read and an archive read. */
function comparable(json: { image: Record<string, unknown> }) {
  const { source: _source, reference: _reference, ...image } = json.image;
  return { ...json, image };
}

if (cliMissing !== "") {
  if (REQUIRE_ENGINES) {
    describe("layerview CLI against real engines", () => {
      it("needs the built CLI (LAYERVIEW_REQUIRE_ENGINES=1)", () => {
        throw new Error(cliMissing);
      });
    });
  } else {
    console.warn(`[layerview] SKIPPED CLI engine tests: ${cliMissing}`);
    describe.skip(`layerview CLI against real engines — SKIPPED: ${cliMissing}`, () => {});
  }
} else {
  describe("layerview CLI without a daemon", () => {
    it("fails in one line naming the endpoint it tried", async () => {
      const r = await cli(["--json", "docker://layerview-test"], {
        DOCKER_HOST: "unix:///nonexistent/docker.sock",
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /^layerview: cannot reach the Docker daemon: no socket at \/nonexistent\/docker\.sock \(from DOCKER_HOST\) — .*DOCKER_HOST=.*--source podman\n$/,
      );
    });
  });

  const targets = await Promise.all([probeEngine("docker"), probeEngine("podman")]);
  for (const t of targets) {
    engineDescribe(t, `layerview CLI against real ${t.engine}`, () => {
      const env: Record<string, string> =
        t.engine === "docker" ? { DOCKER_HOST: t.host } : { CONTAINER_HOST: t.host };
      const arg = t.engine === "docker" ? "layerview-test" : "podman://layerview-test";
      let tmp = "";
      let diffIds: string[] = [];
      beforeAll(async () => {
        tmp = mkdtempSync(join(tmpdir(), `layerview-cli-${t.engine}-`));
        const inspect = await new Docker({ socketPath: t.host.slice("unix://".length) })
          .getImage(t.image)
          .inspect();
        diffIds = inspect.RootFS.Layers ?? [];
      });
      afterAll(() => rmSync(tmp, { recursive: true, force: true }));

      it(`prints the JSON report for ${arg}, equal to the saved archive's`, async () => {
        const daemon = await cli(["--json", arg], env);
        expect(daemon.stderr).toBe("");
        expect(daemon.code).toBe(0);
        const fromDaemon = JSON.parse(daemon.stdout);
        expect(fromDaemon.layers.map((l: { diffId: string }) => l.diffId)).toEqual(diffIds);

        const file = join(tmp, "saved.tar");
        await saveWithCli(t, file);
        const archive = await cli(["--json", file], {});
        expect(archive.code).toBe(0);
        expect(comparable(fromDaemon)).toEqual(comparable(JSON.parse(archive.stdout)));
      });

      it("exits 1 with a one-line hint for an image the engine does not have", async () => {
        const r = await cli(["--json", `${t.engine}://layerview-no-such-image:1`], env);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(
          /^layerview: image 'layerview-no-such-image:1' not found in the .* daemon .*--pull\n$/,
        );
      });
    });
  }
}
