import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import { readImage } from "../../src/sources/archive.js";
import type { ImageData, ReadProgress } from "../../src/sources/types.js";
import {
  type LayerJobResult,
  LayerWorkerPool,
  layerWorkerScript,
} from "../../src/sources/workers/layer-pool.js";
import { imageSummary, layerListing } from "../engines/harness.js";
import {
  buildDockerArchive,
  buildOciLayout,
  type ImageSpec,
  makeLayerTar,
  removeFixtures,
  writeFixture,
} from "../fixtures/images.js";
import { itReal, realFixture } from "../real-fixtures.js";

afterAll(removeFixtures);

/** Everything a read produced, path ids included: worker reads must intern in the very same order. */
function exact(d: ImageData) {
  return {
    summary: d.readLayers.every((l) => l.contents !== null) ? imageSummary(d) : null,
    listings: d.readLayers.map((l, i) => (l.contents ? [...layerListing(d, i).entries] : l.error)),
    pathCount: d.paths.size,
    nodes: d.readLayers.map((l) => (l.contents ? [...l.contents.node] : l.error)),
    whiteouts: d.readLayers.map((l) => (l.contents ? [...l.contents.whiteouts] : null)),
    problems: d.readLayers.map((l) => l.contents?.problems ?? null),
    diagnostics: d.diagnostics,
    compression: d.layers.map((l) => [l.compression, l.blobSize, l.digest]),
  };
}

async function same(path: string): Promise<ImageData> {
  const finals = (list: ReadProgress[]) =>
    list.filter((p) => p.bytesRead === p.totalBytes).map((p) => `${p.layer}:${p.bytesRead}:${p.entries}`);
  const here: ReadProgress[] = [];
  const inThread = await readImage(path, { threads: 0, onProgress: (p) => here.push(p) });
  const progress: ReadProgress[] = [];
  // The worker path really ran: each distinct blob was a worker's job, and none fell back.
  const read = vi.spyOn(LayerWorkerPool.prototype, "read");
  const workers = await readImage(path, { threads: 2, onProgress: (p) => progress.push(p) });
  const results = await Promise.all(read.mock.results.map((r) => r.value as Promise<LayerJobResult>));
  read.mockRestore();
  expect(results.length).toBe(new Set(inThread.layers.map((l) => l.digest ?? l.diffId)).size);
  expect(results.map((r) => r.type)).toEqual(results.map(() => "done"));
  expect(exact(workers)).toEqual(exact(inThread));
  // Each layer read reports its end (blob bytes and entries), as in this thread.
  expect(new Set(finals(progress))).toEqual(new Set(finals(here)));
  return workers;
}

const spec: ImageSpec = {
  tags: ["app:1"],
  layers: [
    { "etc/os-release": "ID=test\n", "usr/bin/tool": randomBytes(200_000), "usr/lib/a.so": "aaa" },
    [
      { file: "usr/lib/a.so", content: "changed" },
      { whiteout: "usr/bin/tool" },
      { file: "srv/data/x", content: "x".repeat(5000) },
    ],
    [{ opaque: "srv/data" }, { file: "srv/data/y", content: "y" }],
    { "usr/lib/a.so": "aaa", "home/ünïcødé/日本語.txt": "u" },
  ],
};

describe("reading layers in worker threads", () => {
  it("finds its worker script (built by npm test) so the tests below use workers", () => {
    expect(layerWorkerScript()).not.toBeNull();
  });

  it("gives exactly what reading in this thread gives: a docker-save archive, gzip and plain layers", async () => {
    const path = await writeFixture(
      "workers-docker.tar",
      buildDockerArchive({ ...spec, layerCompression: ["gzip", "none", "gzip", "none"] }),
    );
    const d = await same(path);
    expect(d.readLayers.every((l) => l.contents !== null)).toBe(true);
  });

  it("an OCI layout directory and an OCI archive with zstd layers", async () => {
    const dir = buildOciLayout(
      { ...spec, layerCompression: ["zstd", "gzip", "zstd", "none"] },
      { dir: "w-oci" },
    );
    await same(dir);
    const tar = await writeFixture("workers-oci.tar", buildOciLayout(spec, { tar: true }));
    await same(tar);
  });

  it("bad layers are the same per-layer errors, and the others are still read", async () => {
    const bad: ImageSpec = {
      ...spec,
      blobOverrides: {
        1: gzipSync(makeLayerTar({ "a.txt": "a" })).subarray(0, 40), // truncated gzip
        2: Buffer.from("this is not a layer at all, not even close to one"),
      },
    };
    const d = await same(await writeFixture("workers-bad.tar", buildDockerArchive(bad)));
    expect(d.readLayers.map((l) => l.contents === null)).toEqual([false, true, true, false]);
    expect(d.diagnostics.filter((x) => x.severity === "error")).toHaveLength(2);
  });

  it("a layer shared by two positions is read once", async () => {
    const shared = { "a.txt": "same bytes" };
    const path = await writeFixture(
      "workers-shared.tar",
      buildDockerArchive({ layers: [shared, { "b.txt": "b" }, shared] }),
    );
    await same(path);
  });

  itReal("the real fixtures, every layout and compression", async () => {
    for (const f of [
      "test-docker-image.tar",
      "test-kaniko-image.tar",
      "test-oci-gzip-image.tar",
      "test-oci-zstd-image.tar",
      "test-oci-estargz-image.tar",
      "test-oci-uncompressed-image.tar",
    ]) {
      await same(realFixture(f));
    }
  });

  it("stops every worker when the read is cancelled", async () => {
    const big = { layers: [0, 1, 2, 3].map((i) => ({ [`f${i}`]: randomBytes(4_000_000) })) };
    const path = await writeFixture("workers-cancel.tar", buildDockerArchive(big));
    const abort = new AbortController();
    const read = readImage(path, {
      threads: 2,
      signal: abort.signal,
      onProgress: () => abort.abort(new Error("stop here")),
    });
    await expect(read).rejects.toThrow("stop here");
  });

  it("a pool whose workers are gone answers every job as failed (then the layer is read in-thread)", async () => {
    const pool = new LayerWorkerPool(layerWorkerScript()!, 1);
    await pool.close();
    const r = await pool.read({ file: "/nonexistent", start: 0, length: 1 }, false);
    expect(r.type).toBe("failed");
  });
});

describe("a layer too big for a worker's heap", () => {
  it("ends that worker, and the layer is read in this thread with the same result", async () => {
    const many = Array.from({ length: 60_000 }, (_, i) => ({
      file: `d${i % 300}/file-${i}.txt`,
      content: `${i}`,
    }));
    const path = await writeFixture(
      "workers-oom.tar",
      buildDockerArchive({ layers: [many, { "x.txt": "x" }] }),
    );
    const inThread = await readImage(path, { threads: 0 });
    const real = LayerWorkerPool.prototype.read;
    const results: Promise<LayerJobResult>[] = [];
    // Pools made during this read get a heap far too small for the 60,000-entry layer.
    const spy = vi.spyOn(LayerWorkerPool.prototype, "read").mockImplementation(function (
      this: LayerWorkerPool,
      ...a
    ) {
      const r = real.apply(this, a);
      results.push(r);
      return r;
    });
    const ctor = vi
      .spyOn(LayerWorkerPool, "limitsFor")
      .mockReturnValue({ maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 });
    try {
      const d = await readImage(path, { threads: 1 });
      expect(exact(d)).toEqual(exact(inThread));
    } finally {
      spy.mockRestore();
      ctor.mockRestore();
    }
    const types = (await Promise.all(results)).map((r) => r.type);
    expect(types[0]).toBe("failed");
  });
});
