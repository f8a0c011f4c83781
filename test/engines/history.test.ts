import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cli, ensureBuilt } from "../cli/run-cli.js";
import {
  missingReason,
  missingTools,
  type RunningRegistry,
  requireRegistry,
  startRegistry,
} from "../registry/harness.js";
import { engineDescribe, probeEngine, run } from "./harness.js";

// `layerview history` on an image built here with a real `docker build` (test/engines/history-image),
// read from the daemon, from its `docker save` archive and from a real registry: the same history each
// time, and the one the Dockerfile says.
const CONTEXT = fileURLToPath(new URL("./history-image", import.meta.url));
const target = await probeEngine("docker");
const TAG = `layerview-history-test:${process.pid}`;

interface Event {
  layer: number;
  kind: string;
  type: string | null;
  mode: string | null;
  uid: number | null;
  gid: number | null;
  size: number;
  link: string | null;
  by: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
  removed: { paths: number; files: number; bytes: number } | null;
}
type History = { path: string; present: boolean; events: Event[] };

engineDescribe(target, "layerview history on an image built with docker build", () => {
  const dockerEnv = {
    ...process.env,
    DOCKER_HOST: target.host,
    DOCKER_CONFIG: `${target.vars.LAYERVIEW_ENGINES_DIR}/docker-cli`,
    DOCKER_BUILDKIT: "0",
  };
  let tmp = "";
  let archive = "";
  let registry: RunningRegistry | null = null;
  const registryMissing = missingReason(
    missingTools({ auth: "none" }).filter((m) => !m.includes("fixtures")),
  );

  beforeAll(async () => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), "layerview-history-"));
    await run("docker", ["build", "-q", "--network", "none", "-t", TAG, CONTEXT], {
      env: dockerEnv,
      timeout: 240_000,
    });
    archive = join(tmp, "history.tar");
    await run("docker", ["save", "-o", archive, TAG], { env: dockerEnv, timeout: 60_000 });
    if (registryMissing === "") {
      registry = await startRegistry();
      await registry.push(`docker-archive:${archive}`, "history-test:1");
    }
  }, 300_000);

  afterAll(async () => {
    await run("docker", ["rmi", "-f", TAG], { env: dockerEnv }).catch(() => {});
    await registry?.stop();
    if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
  });

  const daemonEnv = { DOCKER_HOST: target.host, DOCKER_CONTEXT: "", CONTAINER_HOST: "" };
  const fromArchive = (path: string): History => {
    const r = cli(["history", "--json", archive, path]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };
  // One path of each kind of event, for the sources that read the whole image per call.
  const SOME = ["/hist/conf", "/hist/gone", "/hist/cache/old", "/hist/tobedir", "/hist/sub/inner"];
  const brief = (h: History) => h.events.map((e) => [e.layer, e.kind]);

  it("a file's content, mode and owner changes, then an identical rewrite (touch)", () => {
    const conf = fromArchive("/hist/conf");
    expect(brief(conf)).toEqual([
      [1, "added"],
      [2, "modified"],
      [3, "modified"],
      [4, "modified"],
      [7, "rewritten"],
    ]);
    expect(conf.events.map((e) => e.changes.map((c) => c.field))).toEqual([
      [],
      ["content"],
      ["mode"],
      ["owner"],
      ["mtime"],
    ]);
    expect(conf.events[1]!.changes[0]).toEqual({ field: "content", from: 4, to: 8 });
    expect(conf.events[2]!.changes[0]).toEqual({ field: "mode", from: "0644", to: "0600" });
    expect(conf.events[3]!.changes[0]).toEqual({ field: "owner", from: "0:0", to: "1000:1000" });
    expect(conf.events[4]).toMatchObject({ size: 8, mode: "0600", uid: 1000, gid: 1000 });
    expect(conf.present).toBe(true);
    // Through a symlinked directory: the history of where it leads, with a note saying so.
    const via = cli(["history", archive, "/hist-link/conf"]);
    expect(via.code).toBe(0);
    expect(via.stdout.split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/^\/hist\/conf in /),
      "(/hist-link/conf leads to /hist/conf through symbolic links in the final image)",
    ]);
    expect(JSON.parse(cli(["history", "--json", archive, "/hist-link/conf"]).stdout).events).toEqual(
      conf.events,
    );
  });

  it("rm is a whiteout; rm -rf DIR && mkdir DIR is an opaque directory", () => {
    const gone = fromArchive("/hist/gone");
    expect(brief(gone)).toEqual([
      [1, "added"],
      [4, "whiteout"],
    ]);
    expect(gone.events[1]).toMatchObject({
      by: "/hist/gone",
      size: 4,
      removed: { paths: 1, files: 1, bytes: 4 },
    });
    expect(gone.present).toBe(false);
    const old = fromArchive("/hist/cache/old");
    expect(brief(old)).toEqual([
      [1, "added"],
      [5, "opaque"],
    ]);
    expect(old.events[1]!.by).toBe("/hist/cache");
    expect(brief(fromArchive("/hist/cache/new"))).toEqual([[5, "added"]]);
    const cache = fromArchive("/hist/cache");
    expect(cache.events.map((e) => e.layer)).toEqual([1, 5]);
    expect(cache.events[1]!.removed).toEqual({ paths: 1, files: 1, bytes: 4 });
  });

  it("a retargeted link, a file replaced by a directory, a directory replaced by a file", () => {
    const link = fromArchive("/hist/link");
    expect(brief(link)).toEqual([
      [1, "added"],
      [6, "modified"],
    ]);
    expect(link.events[1]!.changes).toEqual([{ field: "link", from: "conf", to: "other" }]);
    const dir = fromArchive("/hist/tobedir");
    expect(brief(dir)).toEqual([
      [1, "added"],
      [6, "replaced"],
    ]);
    expect(dir.events[1]!.changes[0]).toEqual({ field: "type", from: "file", to: "dir" });
    const sub = fromArchive("/hist/sub");
    expect(brief(sub)).toEqual([
      [1, "added"],
      [6, "replaced"],
    ]);
    expect(sub.events[1]).toMatchObject({ type: "file", size: "now a file\n".length });
    const inner = fromArchive("/hist/sub/inner");
    expect(brief(inner)).toEqual([
      [1, "added"],
      [6, "parent-replaced"],
    ]);
    expect(inner.events[1]!.by).toBe("/hist/sub");
  });

  it("the daemon gives the same history as the saved archive", () => {
    for (const path of SOME) {
      const r = cli(["history", "--json", `docker://${TAG}`, path], { env: daemonEnv });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).events, path).toEqual(fromArchive(path).events);
    }
    const text = cli(["history", `docker://${TAG}`, "/hist/conf"], { env: daemonEnv });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("layer 3  RUN chmod 600 /hist/conf\n");
    expect(text.stdout).toMatch(/^ {2}~ +8 B {2}-rw------- {2}0:0 +modified: mode 0644 → 0600$/m);
    const missing = cli(["history", `docker://${TAG}`, "/hist/never"], { env: daemonEnv });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(
      /^layerview: \/hist\/never is not in any of the 8 layers of docker:\/\/.*\n$/,
    );
  });

  it("a registry gives the same history as the saved archive", (ctx) => {
    if (registryMissing !== "") {
      if (requireRegistry()) throw new Error(`registry tests cannot run: ${registryMissing}`);
      ctx.skip();
    }
    const ref = `registry://${registry!.host}/history-test:1`;
    for (const path of SOME) {
      const r = cli(["history", "--json", "--no-cache", ref, path]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).events, path).toEqual(fromArchive(path).events);
    }
  });
});
