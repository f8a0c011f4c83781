import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PathTable } from "../../src/model/path-table.js";
import { LayerBlobReader } from "../../src/sources/layer-blob.js";
import { readBlob } from "../../src/sources/read-layers.js";
import { compressFile, writeLargeLayerTar } from "../fixtures/large.js";

/**
 * Speed of layer reading on a big generated layer. Off by default (it writes ~1.5 GB):
 *   LAYERVIEW_SPEED=1 LAYERVIEW_SPEED_FILES=1000000 npx vitest run test/sources/speed.test.ts
 */
const enabled = process.env.LAYERVIEW_SPEED === "1";
const files = Number(process.env.LAYERVIEW_SPEED_FILES ?? 1_000_000);

describe.skipIf(!enabled)("layer reading speed", () => {
  let dir = "";
  let tar = "";
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  let info = { entries: 0, bytes: 0 };

  it("generates the layer", { timeout: 600_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), "layerview-speed-"));
    tar = join(dir, "layer.tar");
    info = writeLargeLayerTar(tar, { files });
    await compressFile(tar, `${tar}.gz`, "gzip");
    await compressFile(tar, `${tar}.zst`, "zstd");
    expect(info.entries).toBeGreaterThan(files);
  });

  it.each(["", ".gz", ".zst"])("reads layer.tar%s", { timeout: 600_000 }, async (ext) => {
    const file = tar + ext;
    const paths = new PathTable();
    const reader = new LayerBlobReader(paths);
    const t0 = performance.now();
    const r = await readBlob(createReadStream(file, { highWaterMark: 1 << 20 }), reader, undefined);
    const s = (performance.now() - t0) / 1000;
    expect(r.error).toBeNull();
    expect(r.contents!.tarEntries).toBe(info.entries);
    const stored = statSync(file).size;
    console.log(
      `layer.tar${ext}: ${info.entries} entries, ${(info.bytes / 1e6).toFixed(0)} MB tar, ${(stored / 1e6).toFixed(0)} MB stored: ` +
        `${s.toFixed(2)} s = ${(info.entries / s / 1e3).toFixed(0)}k entries/s, ${(info.bytes / s / 1e6).toFixed(0)} MB/s of tar, ` +
        `${(stored / s / 1e6).toFixed(0)} MB/s stored; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
    );
  });
});
