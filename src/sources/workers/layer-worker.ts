/**
 * A worker thread that reads layer blobs from files: decompresses, parses and hashes each one into
 * a path table of its own, and hands back the result in the layer index cache's compact encoding,
 * its buffer transferred, not copied. The main thread interns it into the image's table in order.
 */
import { parentPort } from "node:worker_threads";
import { PathTable } from "../../model/path-table.js";
import { FileRangeChunks } from "../file-range.js";
import { LayerBlobReader } from "../layer-blob.js";
import { encodeEntry } from "../layer-index-cache.js";
import { readBlob } from "../read-layers.js";
import type { LayerJob, LayerJobMessage } from "./layer-job.js";

/** The encoding's digest field: a worker's result never goes to disk, so it names no blob. */
const NO_DIGEST = Buffer.alloc(32);

const port = parentPort;
if (port === null) throw new Error("layer-worker.js runs only as a worker thread");

port.on("message", (job: LayerJob) => {
  run(job).then(
    (m) =>
      port.postMessage(m, m.type === "done" && m.encoded !== null ? [m.encoded.buffer as ArrayBuffer] : []),
    (e: unknown) =>
      port.postMessage({ type: "failed", id: job.id, message: String((e as Error)?.message ?? e) }),
  );
});

async function run(job: LayerJob): Promise<LayerJobMessage> {
  const paths = new PathTable();
  const reader = new LayerBlobReader(paths, {
    dataOffsets: job.dataOffsets,
    onProgress: (blobBytes, entries) =>
      port!.postMessage({ type: "progress", id: job.id, blobBytes, entries }),
  });
  const { file, start, length } = job.range;
  // The same reads as the main thread's: reused buffers, two ahead.
  const r = await readBlob(new FileRangeChunks(file, start, length), reader, undefined);
  let encoded: Buffer | null = null;
  if (r.contents !== null) {
    const layer = {
      contents: r.contents,
      compression: r.compression!,
      skipped: r.skipped,
      blobBytes: r.blobBytes,
      listedBy: "stream",
      packages: r.packages,
    };
    encoded = encodeEntry(layer, NO_DIGEST, paths);
    if (encoded === null) throw new Error("the layer's index is too large to hand over");
  }
  return {
    type: "done",
    id: job.id,
    encoded,
    compression: r.compression,
    error: r.error,
    skipped: r.skipped,
    blobBytes: r.blobBytes,
  };
}
