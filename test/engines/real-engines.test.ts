import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import { EntryType } from "../../src/model/layer-contents.js";
import { pullLine } from "../../src/model/pull-progress.js";
import { openImage } from "../../src/sources/resolve.js";
import type { ImageData, ImageInfo, ReadProgress } from "../../src/sources/types.js";
import {
  type EngineTarget,
  engineDescribe,
  imageSummary,
  layerListing,
  mergedTree,
  probeEngine,
  REQUIRE_ENGINES,
  saveWithCli,
} from "./harness.js";

// Real dockerd and podman from `.ci/engines.sh start`, reading the image built from test/engines/image/Dockerfile.
const targets = await Promise.all([probeEngine("docker"), probeEngine("podman")]);

for (const t of targets) {
  engineDescribe(t, `real ${t.engine}: ${t.image}`, () => suite(t));
}

function suite(t: EngineTarget) {
  // How a user names the image: a bare name for Docker (DOCKER_HOST is set), podman:// for Podman.
  const byName = t.engine === "docker" ? "layerview-test" : "podman://layerview-test";
  let inspect: Docker.ImageInspectInfo;
  let data: ImageData;
  let early: ImageInfo | null = null;
  let earlyBeforeLayers = false;
  const progress: ReadProgress[] = [];
  let tmp = "";

  beforeAll(async () => {
    // Endpoint discovery is under test too: point it at this engine the way a user would.
    // Stubbed, so the next test file in this worker sees the environment it started with.
    vi.stubEnv("DOCKER_HOST", targets[0]!.host);
    vi.stubEnv("CONTAINER_HOST", targets[1]!.host);
    tmp = mkdtempSync(join(tmpdir(), `layerview-${t.engine}-`));
    inspect = await new Docker({ socketPath: t.host.slice("unix://".length) }).getImage(t.image).inspect();
    let layersSeen = 0;
    const started = performance.now();
    data = await openImage(byName, {
      onImage: (info) => {
        early = info;
        earlyBeforeLayers = layersSeen === 0;
      },
      onLayer: () => {
        layersSeen++;
      },
      onProgress: (p) => progress.push({ ...p }),
    });
    console.info(
      `[layerview] ${t.engine}: opened ${byName} (${data.layers.length} layers) in ${Math.round(performance.now() - started)} ms`,
    );
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("opens the image by name through openImage", () => {
    expect(data.source).toBe(`${t.engine}://layerview-test`);
    expect(data.reference).toBe("layerview-test");
    expect(data.id).toBe(inspect.Id);
    expect(data.layers.map((l) => l.diffId)).toEqual(inspect.RootFS.Layers ?? []);
    expect(data.readLayers.every((l) => l.error === null && l.contents !== null)).toBe(true);
    expect(data.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("shows the layer list, with commands, before the layers are read", () => {
    expect(early).not.toBeNull();
    expect(earlyBeforeLayers).toBe(true);
    const info = early as unknown as ImageInfo;
    expect(info.layers.map((l) => l.diffId)).toEqual(inspect.RootFS.Layers);
    // The preview's history (from the history endpoint) matches the archive's config history.
    const commands = (h: ImageInfo["config"]["history"]) =>
      h?.map((e) => [e.created_by ?? "", e.empty_layer ?? false]);
    expect(commands(info.config.history)).toEqual(commands(data.config.history));
  });

  it("reports progress in bytes while streaming", () => {
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress.map((p) => p.bytesRead))).toBeGreaterThan(0);
  });

  it("reads every kind of change the Dockerfile makes", () => {
    expect(data.layers).toHaveLength(6);
    const [, add, copy, modify, replaceDir, dirToFile] = [0, 1, 2, 3, 4, 5].map((i) => layerListing(data, i));
    expect(layerListing(data, 0).entries.get("/bin/busybox")?.type).toBe(EntryType.File);
    expect(add!.entries.get("/app/data/big.bin")).toMatchObject({ type: EntryType.File, size: 300 * 1024 });
    expect(add!.entries.get("/app/hello-link")).toMatchObject({
      type: EntryType.Symlink,
      link: "/app/hello.txt",
    });
    // A hardlink pair: the tar stores one name as the file and the other as a link to it.
    const pair = ["/app/hello.txt", "/app/hello-hard"].map((p) => add!.entries.get(p));
    expect(pair.map((e) => e?.type).sort()).toEqual([EntryType.File, EntryType.Hardlink]);
    expect(pair.find((e) => e?.type === EntryType.File)?.size).toBe(6);
    expect(pair.find((e) => e?.type === EntryType.Hardlink)?.link).toMatch(/^\/app\/hello(-hard|\.txt)$/);
    expect(copy!.entries.get("/app/added.txt")).toMatchObject({ type: EntryType.File, size: 14 });
    expect(modify!.entries.get("/app/hello.txt")).toMatchObject({ size: 14 });
    expect(modify!.entries.get("/etc/app.conf")).toMatchObject({ mode: 0o600 });
    expect(modify!.entries.get("/app/added.txt")).toMatchObject({ mode: 0o755 });
    expect(modify!.whiteouts).toEqual(["/app/data/big.bin"]);
    // overlay writes an opaque directory; vfs (the fallback) writes a whiteout per old child.
    const replaced = replaceDir!.opaque.includes("/app/cache")
      ? []
      : ["/app/cache/a", "/app/cache/b"].filter((p) => !replaceDir!.whiteouts.includes(p));
    expect(replaced).toEqual([]);
    expect(replaceDir!.entries.get("/app/cache/c")?.type).toBe(EntryType.File);
    expect(dirToFile!.entries.get("/opt/tool")).toMatchObject({ type: EntryType.File, size: 11 });

    const merged = mergedTree(data);
    expect(merged.has("/app/data/big.bin")).toBe(false);
    expect([...merged.keys()].filter((p) => p.startsWith("/app/cache/"))).toEqual(["/app/cache/c"]);
    expect(merged.get("/opt/tool")?.type).toBe(EntryType.File);
    expect([...merged.keys()].some((p) => p.startsWith("/opt/tool/"))).toBe(false);
  });

  it("yields exactly what the engine's own saved archive yields", async () => {
    const file = join(tmp, "saved.tar");
    await saveWithCli(t, file);
    const fromArchive = await openImage(file);
    const a = imageSummary(data);
    const b = imageSummary(fromArchive);
    expect(a.diffIds).toEqual(b.diffIds);
    expect(a.config.history).toEqual(b.config.history);
    a.layers.forEach((layer, i) => {
      const other = b.layers[i]!;
      expect([i, layer.entries.length, layer.fileBytes]).toEqual([i, other.entries.length, other.fileBytes]);
    });
    expect(a).toEqual(b);
  });

  it("opens the same image by short ID, sha256:ID and full ID", async () => {
    const hex = inspect.Id.replace(/^sha256:/, "");
    const prefix = t.engine === "docker" ? "docker://" : "podman://";
    for (const ref of [hex.slice(0, 12), `sha256:${hex}`, hex]) {
      const byId = await openImage(`${prefix}${ref}`);
      expect(
        byId.layers.map((l) => l.diffId),
        ref,
      ).toEqual(inspect.RootFS.Layers);
      expect(byId.id).toBe(inspect.Id);
      expect(byId.reference).toMatch(/layerview-test:latest$/);
    }
  });

  it("opens the image by digest when the engine has one", async (ctx) => {
    const digestRef = inspect.RepoDigests?.[0];
    // Docker has digests only for pulled images (the --pull test covers it); Podman has one for builds too.
    if (digestRef === undefined) ctx.skip(`${t.engine} keeps no repo digest for a locally built image`);
    const byDigest = await openImage(`${t.engine}://${digestRef}`);
    expect(byDigest.layers.map((l) => l.diffId)).toEqual(inspect.RootFS.Layers);
  });

  it("says an unknown image is not found, and how to get it", async () => {
    const err = await openImage(`${t.engine}://layerview-no-such-image:1`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      new RegExp(
        `^image 'layerview-no-such-image:1' not found in the ${t.engine === "docker" ? "Docker" : "Podman"} daemon \\(unix://`,
      ),
    );
    expect((err as UserError).hint).toContain(`${t.engine} pull layerview-no-such-image:1`);
  });

  it("--pull pulls a missing image from a registry, reporting progress, then opens it (also by digest)", async (ctx) => {
    const pullRef = t.vars.LAYERVIEW_PULL_IMAGE;
    if (pullRef === undefined) {
      const why =
        "no local registry in the engines env (install docker-registry, rerun `.ci/engines.sh start`)";
      if (REQUIRE_ENGINES) throw new Error(why);
      ctx.skip(why);
      return;
    }
    const client = new Docker({ socketPath: t.host.slice("unix://".length) });
    const drop = () =>
      client
        .getImage(pullRef)
        .remove({ force: true })
        .catch(() => undefined);
    await drop(); // so the pull below is a real one
    try {
      const missing = await openImage(`${t.engine}://${pullRef}`).catch((e: unknown) => e);
      expect((missing as UserError).message).toMatch(/not found/);
      const messages: string[] = [];
      const pulled = await openImage(`${t.engine}://${pullRef}`, {
        pull: true,
        onPull: (u) => messages.push(pullLine(u)),
      });
      expect(messages[0]).toMatch(
        new RegExp(`^pulling ${pullRef.replace(/[.]/g, "\\.")} with (Docker|Podman) \\(unix://`),
      );
      expect(messages.length).toBeGreaterThan(1);
      // The registry holds the Docker-built test image.
      expect(pulled.layers).toHaveLength(6);
      expect(mergedTree(pulled).get("/opt/tool")?.type).toBe(EntryType.File);
      expect(pulled.reference).toBe(pullRef);

      const digestRef = (await client.getImage(pullRef).inspect()).RepoDigests?.[0];
      expect(digestRef).toMatch(/@sha256:[0-9a-f]{64}$/);
      const byDigest = await openImage(`${t.engine}://${digestRef}`);
      expect(byDigest.layers.map((l) => l.diffId)).toEqual(pulled.layers.map((l) => l.diffId));
    } finally {
      await drop();
    }
  });

  it("--pull reports a registry it cannot reach in one line", async () => {
    const messages: string[] = [];
    const err = await openImage(`${t.engine}://localhost:1/layerview/nope:1`, {
      pull: true,
      onPull: (u) => messages.push(pullLine(u)),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      /^pulling 'localhost:1\/layerview\/nope:1' with (Docker|Podman) failed: /,
    );
    expect((err as UserError).message).not.toContain("\n");
  });
}
