/**
 * `--pull` in the explorer: the pull's progress lines reach the explorer as load events before the
 * image does. A real pull from the local registry into the real Docker daemon, of an image of its
 * own (imported and pushed here) so that no other test's image is touched.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { explorerLoader } from "../../src/cli/commands/inspect.js";
import type { LoadEvent } from "../../src/ui/run-explorer.js";
import { engineDescribe, probeEngine, REQUIRE_ENGINES } from "../engines/harness.js";

const docker = await probeEngine("docker");

engineDescribe(docker, "--pull in the explorer (real Docker, local registry)", () => {
  it("pull lines arrive as events, then the image", async (ctx) => {
    const source = docker.vars.LAYERVIEW_PULL_IMAGE;
    if (source === undefined) {
      const why = "no local registry in the engines env (rerun `.ci/engines.sh start`)";
      if (REQUIRE_ENGINES) throw new Error(why);
      ctx.skip(why);
      return;
    }
    const env = { ...process.env, DOCKER_HOST: docker.host };
    const cli = (...args: string[]) => execFileSync("docker", args, { env, stdio: "pipe" });
    // An image of its own (its ID shared with no other test's), pushed to the local registry and
    // removed from the daemon, so that --pull has to fetch it.
    const registry = source.split("/")[0]!;
    const ref = `${registry}/layerview/explorer-pull:${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), "lv-pull-"));
    writeFileSync(join(dir, "made-by"), `explorer-pull test, process ${process.pid} at ${Date.now()}\n`);
    execFileSync("tar", ["-C", dir, "-cf", join(dir, "..", `${process.pid}-pull.tar`), "made-by"]);
    cli("import", join(dir, "..", `${process.pid}-pull.tar`), ref);
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, "..", `${process.pid}-pull.tar`), { force: true });
    cli("push", "-q", ref);
    cli("rmi", ref);
    const prev = process.env.DOCKER_HOST;
    try {
      process.env.DOCKER_HOST = docker.host;
      const loader = explorerLoader(parseArgs(["--pull", "--source", "docker", ref]));
      const events: LoadEvent[] = [];
      loader.subscribe((e) => events.push(e));
      await expect.poll(() => events.at(-1)?.kind, { timeout: 60_000 }).toMatch(/ready|error/);
      expect(events.at(-1)?.kind).toBe("ready");
      const pulls = events.filter((e) => e.kind === "pull");
      expect(pulls.length).toBeGreaterThan(1);
      const first = pulls[0] as Extract<LoadEvent, { kind: "pull" }>;
      expect(first.update.status).toMatch(/^pulling .* with Docker \(unix:\/\//);
      // The layer's own rows: its id and what the daemon did with it.
      const layerRows = pulls.map((e) => (e as typeof first).update).filter((u) => u.id !== null);
      expect(
        layerRows.some((u) => /^(Pull complete|Download complete|Downloading|Extracting)$/.test(u.status)),
      ).toBe(true);
      expect(events.findIndex((e) => e.kind === "pull")).toBeLessThan(
        events.findIndex((e) => e.kind === "image"),
      );
    } finally {
      if (prev === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = prev;
      try {
        cli("rmi", ref);
      } catch {
        // Not pulled after all: nothing to remove.
      }
    }
  });
});
