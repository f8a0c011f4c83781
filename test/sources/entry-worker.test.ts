import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  type ContentDigest,
  EntryType,
  LayerContentsBuilder,
  type TarEntryHeader,
} from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { readImage } from "../../src/sources/archive.js";
import type { ImageData, ReadProgress } from "../../src/sources/types.js";
import {
  BATCH_ENTRIES,
  type EntryBatch,
  EntryBatchWriter,
  replayBatch,
} from "../../src/sources/workers/entry-batch.js";
import { EntryWorker, entryWorkerScript } from "../../src/sources/workers/entry-reader.js";
import { imageSummary, layerListing } from "../engines/harness.js";
import {
  buildDockerArchive,
  buildOciLayout,
  fixtureDir,
  type ImageSpec,
  makeLayerTar,
  removeFixtures,
  writeFixture,
} from "../fixtures/images.js";
import { itReal, realFixture } from "../real-fixtures.js";

afterAll(removeFixtures);

/** Everything a read produced, path ids included: the worker's layers must intern in the very same order. */
function exact(d: ImageData) {
  return {
    summary: d.readLayers.every((l) => l.contents !== null) ? imageSummary(d) : null,
    listings: d.readLayers.map((l, i) => (l.contents ? [...layerListing(d, i).entries] : l.error)),
    pathCount: d.paths.size,
    paths: Array.from({ length: d.paths.size }, (_, n) => d.paths.path(n)),
    contents: d.readLayers.map((l) =>
      l.contents
        ? {
            node: [...l.contents.node],
            hash: [...l.contents.hash],
            type: [...l.contents.type],
            mode: [...l.contents.mode],
            uid: [...l.contents.uid],
            gid: [...l.contents.gid],
            size: [...l.contents.size],
            mtime: [...l.contents.mtime],
            links: [...l.contents.links],
            whiteouts: [...l.contents.whiteouts],
            opaque: [...l.contents.opaqueDirs],
            tarEntries: l.contents.tarEntries,
            scheme: l.contents.hashScheme,
          }
        : l.error,
    ),
    problems: d.readLayers.map((l) => l.contents?.problems ?? null),
    packages: d.readLayers.map((l) => l.packages ?? null),
    diagnostics: d.diagnostics,
    compression: d.layers.map((l) => [l.compression, l.blobSize, l.digest]),
  };
}

/** Reads `path` in one thread and with the worker; both must be identical, and the worker must have read layers. */
async function same(path: string, workerLayers = 1): Promise<ImageData> {
  // The last report of each layer: its blob bytes and entries.
  const finals = (list: ReadProgress[]) =>
    [...new Map(list.map((p) => [p.layer, `${p.bytesRead}:${p.entries}`])).entries()].sort();
  const here: ReadProgress[] = [];
  const inThread = await readImage(path, { threads: 0, onProgress: (p) => here.push(p) });
  const progress: ReadProgress[] = [];
  const give = vi.spyOn(EntryWorker.prototype, "give");
  let withWorker: ImageData;
  try {
    withWorker = await readImage(path, { threads: 1, onProgress: (p) => progress.push(p) });
    expect(give.mock.calls.length).toBeGreaterThanOrEqual(workerLayers);
  } finally {
    give.mockRestore();
  }
  expect(exact(withWorker)).toEqual(exact(inThread));
  expect(finals(progress)).toEqual(finals(here));
  return withWorker;
}

/** Many small files per layer, so that the layers after the first go to the worker. */
function smallFiles(prefix: string, n: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`${prefix}/d${i % 7}/f-${i}.txt`, `${prefix}${i}`]),
  );
}

const spec: ImageSpec = {
  tags: ["app:1"],
  layers: [
    { ...smallFiles("usr/share", 300), "etc/os-release": "ID=test\n", "usr/lib/a.so": "aaa" },
    [
      { file: "usr/lib/a.so", content: "changed" },
      { whiteout: "usr/share/d1" },
      { file: "srv/data/x", content: "x".repeat(5000) },
      ...Object.entries(smallFiles("srv/many", 200)).map(([file, content]) => ({ file, content })),
    ],
    [{ opaque: "srv/data" }, { file: "srv/data/y", content: "y" }, { symlink: "srv/link", target: "data/y" }],
    { ...smallFiles("home/ünïcødé/日本語", 50), "usr/bin/tool": randomBytes(200_000) },
    [
      { hardlink: "usr/bin/tool2", target: "usr/bin/tool" },
      { file: "var/empty", content: "" },
    ],
  ],
};

describe("the entry worker reads layers of many small files beside this thread", () => {
  it("finds its worker script (built by npm test), so the tests below use it", () => {
    expect(entryWorkerScript()).not.toBeNull();
  });

  it("gives exactly what reading in this thread gives: a docker-save archive, gzip and plain layers", async () => {
    const path = await writeFixture(
      "ew-docker.tar",
      buildDockerArchive({ ...spec, layerCompression: ["gzip", "none", "gzip", "none", "gzip"] }),
    );
    const d = await same(path, 3);
    expect(d.readLayers.every((l) => l.contents !== null)).toBe(true);
  });

  it("an OCI layout directory (zstd and gzip layers) and an OCI archive", async () => {
    const dir = buildOciLayout(
      { ...spec, layerCompression: ["zstd", "gzip", "zstd", "none", "zstd"] },
      { dir: "ew-oci" },
    );
    await same(dir, 3);
    await same(await writeFixture("ew-oci.tar", buildOciLayout(spec, { tar: true })), 3);
  });

  it("bad layers are the same per-layer errors, and the others are still read", async () => {
    const bad: ImageSpec = {
      ...spec,
      blobOverrides: {
        1: gzipSync(makeLayerTar({ "a.txt": "a" })).subarray(0, 40), // truncated gzip
        2: Buffer.from("this is not a layer at all, not even close to one"),
        3: makeLayerTar(smallFiles("t", 40)).subarray(0, 512 * 30 + 100), // a tar cut inside an entry
      },
    };
    const d = await same(await writeFixture("ew-bad.tar", buildDockerArchive(bad)), 3);
    expect(d.readLayers.map((l) => l.contents === null)).toEqual([false, true, true, true, false]);
    expect(d.diagnostics.filter((x) => x.severity === "error").length).toBeGreaterThanOrEqual(3);
  });

  it("a layer shared by two positions is read once", async () => {
    const shared = smallFiles("s", 100);
    const path = await writeFixture(
      "ew-shared.tar",
      buildDockerArchive({ layers: [smallFiles("a", 100), shared, smallFiles("b", 100), shared] }),
    );
    // Layer 1 is read here (nothing is known yet when it is started), so the worker's layer 3 is
    // that same blob: it is not read again.
    await same(path, 1);
  });

  it("package databases found by the worker are the same", async () => {
    const status = [
      "Package: tool",
      "Status: install ok installed",
      "Version: 1.0",
      "Architecture: amd64",
      "Installed-Size: 12",
      "",
      "",
    ].join("\n");
    const path = await writeFixture(
      "ew-dpkg.tar",
      buildDockerArchive({
        layers: [
          smallFiles("x", 100),
          smallFiles("w", 100),
          {
            ...smallFiles("y", 100),
            "var/lib/dpkg/status": status,
            "var/lib/dpkg/info/tool.list": "/usr/bin/tool\n",
          },
        ],
      }),
    );
    const d = await same(path, 1);
    expect(d.readLayers[2]!.packages?.files.size).toBeGreaterThan(0);
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
      await same(realFixture(f), 0);
    }
  });

  it("goes back to the event loop between batches: timers and input are not held up for the whole image", async () => {
    const layers = [0, 1, 2, 3].map((i) => smallFiles(`e${i}`, 12_000));
    const path = await writeFixture("ew-loop.tar", buildDockerArchive({ layers }));
    // A callback that runs once per turn of the event loop, counting turns.
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const seen: { layer: number; turns: number }[] = [];
    const give = vi.spyOn(EntryWorker.prototype, "give");
    try {
      await readImage(path, { threads: 1, onProgress: (p) => seen.push({ layer: p.layer, turns }) });
      expect(give).toHaveBeenCalled();
    } finally {
      spinning = false;
      give.mockRestore();
    }
    // The worker's layers (2 and 3) report after each batch of entries: a turn passed between any two.
    for (const layer of [2, 3]) {
      const reports = seen.filter((s) => s.layer === layer);
      expect(reports.length).toBeGreaterThan(2);
      for (let k = 1; k < reports.length; k++)
        expect(reports[k]!.turns).toBeGreaterThan(reports[k - 1]!.turns);
    }
  });

  it("every layer after the first goes to the worker when the first one is of many small files", async () => {
    const layers = [0, 1, 2].map((i) => smallFiles(`p${i}`, 200));
    const path = await writeFixture("ew-early.tar", buildDockerArchive({ layers }));
    await same(path, 2);
    const give = vi.spyOn(EntryWorker.prototype, "give");
    try {
      await readImage(path, { threads: 1 });
      expect(give).toHaveBeenCalledTimes(2);
    } finally {
      give.mockRestore();
    }
  });

  it("by default, only for images with many entries left to read: a small one stays in this thread", async () => {
    const path = await writeFixture("ew-small.tar", buildDockerArchive(spec));
    const give = vi.spyOn(EntryWorker.prototype, "give");
    try {
      await readImage(path, {});
      expect(give).not.toHaveBeenCalled();
    } finally {
      give.mockRestore();
    }
  });

  it("layers of large files stay in this thread", async () => {
    const big = { layers: [0, 1, 2].map((i) => ({ [`f${i}`]: randomBytes(300_000), [`g${i}`]: "g" })) };
    const give = vi.spyOn(EntryWorker.prototype, "give");
    try {
      await readImage(await writeFixture("ew-large.tar", buildDockerArchive(big)), { threads: 1 });
      expect(give).not.toHaveBeenCalled();
    } finally {
      give.mockRestore();
    }
  });

  it("a worker that fails: its layers are read in this thread, with the same result", async () => {
    const path = await writeFixture("ew-fails.tar", buildDockerArchive(spec));
    const inThread = await readImage(path, { threads: 0 });
    const give = vi
      .spyOn(EntryWorker.prototype, "give")
      .mockImplementation(() => ({ take: () => Promise.resolve(null) }));
    try {
      const d = await readImage(path, { threads: 1 });
      expect(give).toHaveBeenCalled();
      expect(exact(d)).toEqual(exact(inThread));
    } finally {
      give.mockRestore();
    }
  });

  it("a worker script that cannot start answers every layer with null", async () => {
    const script = join(fixtureDir(), "ew-broken-worker.mjs");
    writeFileSync(script, "throw new Error('broken on purpose');\n");
    const w = new EntryWorker(pathToFileURL(script), new PathTable());
    const layer = w.give({ file: "/nonexistent", start: 0, length: 1 }, "x.tar");
    await expect(layer.take()).resolves.toBeNull();
    // Given after it is gone: null at once.
    await expect(w.give({ file: "/nonexistent", start: 0, length: 1 }, "x.tar").take()).resolves.toBeNull();
    await w.close();
  });

  it("stops the worker when the read is cancelled", async () => {
    const layers = [0, 1, 2, 3, 4].map((i) => smallFiles(`c${i}`, 3000));
    const path = await writeFixture("ew-cancel.tar", buildDockerArchive({ layers }));
    const abort = new AbortController();
    let seen = 0;
    const read = readImage(path, {
      threads: 1,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.layer >= 2 && ++seen === 1) abort.abort(new Error("stop here"));
      },
    });
    await expect(read).rejects.toThrow("stop here");
  });
});

describe("batches of entries", () => {
  function header(i: number): TarEntryHeader {
    const kinds = [EntryType.File, EntryType.Dir, EntryType.Symlink, EntryType.Hardlink, EntryType.Fifo];
    const type = kinds[i % kinds.length]!;
    const long = i % 997 === 0 ? `/${"ü".repeat(3000)}` : "";
    return {
      name: `dir-${i % 13}/名前-${i}${long}`,
      type,
      mode: (i * 37) & 0o7777,
      uid: i % 5 === 0 ? 4_294_967_295 : i,
      gid: i * 3,
      size: type === EntryType.File ? i * 1000 + 0.5 * (i % 2) : 0,
      mtime: 1_700_000_000 + i,
      linkName: type === EntryType.Symlink || type === EntryType.Hardlink ? `target-${i}/→` : null,
    };
  }
  function digest(i: number): ContentDigest | null {
    if (i % 5 !== 0) return null;
    return i % 2 === 0 ? randomBytes(32) : randomBytes(32).toString("latin1");
  }

  it("hand every entry over as the parser gave it, across many batches", () => {
    const n = BATCH_ENTRIES * 2 + 123;
    const given: { h: TarEntryHeader; d: number[] | null; offset: number }[] = [];
    const batches: EntryBatch[] = [];
    const writer = new EntryBatchWriter((b) => batches.push(b));
    for (let i = 0; i < n; i++) {
      const h = header(i);
      const d = digest(i);
      given.push({
        h: { ...h },
        d: d === null ? null : [...(typeof d === "string" ? Buffer.from(d, "latin1") : d).subarray(0, 16)],
        offset: i * 512,
      });
      writer.add(h, d, i * 512);
    }
    writer.flush();
    writer.flush(); // nothing more: no empty batch
    expect(batches.length).toBe(3);
    expect(writer.entriesRead).toBe(n);
    const got: typeof given = [];
    for (const b of batches) {
      replayBatch(b, {
        add: (h, d, offset) =>
          got.push({ h: { ...h }, d: d === null ? null : [...(d as Uint8Array)].slice(0, 16), offset }),
      });
    }
    expect(got).toEqual(given);
  });

  it("the same layer contents as adding the entries directly", () => {
    const direct = new LayerContentsBuilder(new PathTable(), 16);
    const viaBatches = new LayerContentsBuilder(new PathTable(), 16);
    const writer = new EntryBatchWriter((b) => replayBatch(b, viaBatches));
    for (let i = 0; i < 5000; i++) {
      const d = digest(i);
      direct.add(header(i), d, 0);
      writer.add(header(i), d, 0);
    }
    writer.flush();
    const a = direct.finish();
    const b = viaBatches.finish();
    expect([...b.hash]).toEqual([...a.hash]);
    expect([...b.uid]).toEqual([...a.uid]);
    expect([...b.size]).toEqual([...a.size]);
    expect([...b.links]).toEqual([...a.links]);
    expect(b.problems).toEqual(a.problems);
  });

  it("a batch whose sizes do not fit its buffers is refused, not read past", () => {
    let batch: EntryBatch | null = null;
    const writer = new EntryBatchWriter((b) => {
      batch = b;
    });
    writer.add(header(1), null, 0);
    writer.flush();
    const b = batch! as EntryBatch;
    expect(() => replayBatch({ ...b, textBytes: b.text.length + 1 }, { add: () => {} })).toThrow(/malformed/);
    expect(() => replayBatch({ ...b, count: BATCH_ENTRIES + 1 }, { add: () => {} })).toThrow(/malformed/);
    const ints = b.ints.slice();
    ints[0] = b.textBytes + 5;
    expect(() => replayBatch({ ...b, ints }, { add: () => {} })).toThrow(/malformed/);
  });
});
