import type { Diagnostic } from "../model/diagnostics.js";
import { LayerContentsBuilder } from "../model/layer-contents.js";
import { PathTable } from "../model/path-table.js";
import { Remapper } from "../model/remap.js";
import type { ArchiveStore } from "./archive-store.js";
import { FileRangeChunks } from "./file-range.js";
import type { ImagePlan, PlannedLayer } from "./image-plan.js";
import { LayerBlobReader, type LayerBlobResult } from "./layer-blob.js";
import { decodeEntry } from "./layer-index-cache.js";
import type { ImageData, ImageInfo, LayerDescriptor, ReadLayer, ReadOptions } from "./types.js";
import type { FileRange } from "./workers/layer-job.js";
import { type LayerJobResult, LayerWorkerPool, layerWorkerScript } from "./workers/layer-pool.js";

/** Entry problems turned into diagnostics per layer; the rest stay in LayerContents.problems. */
const MAX_ENTRY_DIAGNOSTICS = 20;

/** A store whose members can be streamed by byte range (a tar file or a directory). */
export interface SeekableStore extends ArchiveStore {
  /** Canonical path of the member holding `path`'s data (links followed), or null. */
  resolve(path: string): string | null;
  open(path: string): AsyncIterable<unknown>;
  /** The file and byte range holding `path`'s data (links followed), for a worker thread to read. */
  locate(path: string): FileRange | null;
}

/** A worker result's digest field: in-memory hand-overs name no blob. */
const NO_DIGEST = Buffer.alloc(32);

/**
 * How many worker threads read this plan's layers: 0 (the default) reads them here, in order.
 * Measured on 2 cores (bench/speed.js, one thread against two workers in one run): 1M entries
 * 4.97 → 4.0–4.6 s, 375 MB uncompressed 0.83 → 0.68–0.74 s, the same gzip'd 1.53 → 1.31–1.39 s
 * (zlib already inflates on another core while this thread parses), for ~30 % more CPU and
 * 50–90 MB more peak memory (440–480 B per entry, over the 400 B budget): not yet the default.
 * Since the in-thread read decodes the next layer ahead (on zlib's pool), workers lose in most rows
 * (Node 20, bench/speed.js: 375 MB uncompressed 436 vs 563 ms, zstd 1543 vs 1645, gzip 1013 vs 1086;
 * 1M entries 5.19 vs 4.93 s).
 */
function workerThreads(plan: ImagePlan, keys: string[], opts: ReadOptions): number {
  const wanted = opts.threads ?? 0;
  if (wanted < 1 || plan.layers.length === 0 || keys.length === 0) return 0;
  if (layerWorkerScript() === null) return 0;
  return Math.min(wanted, keys.length);
}

/** A worker's result as the in-thread reader's, interned into `paths`; null to read it here instead. */
function fromWorker(r: LayerJobResult, paths: PathTable): LayerBlobResult | null {
  if (r.type === "failed") return null;
  if (r.encoded === null) {
    return {
      contents: null,
      compression: r.compression,
      error: r.error,
      skipped: r.skipped,
      blobBytes: r.blobBytes,
      packages: null,
    };
  }
  const buf = Buffer.from(r.encoded.buffer, r.encoded.byteOffset, r.encoded.byteLength);
  const layer = decodeEntry(buf, NO_DIGEST, paths);
  if (layer === null) return null;
  return {
    contents: layer.contents,
    compression: layer.compression,
    error: null,
    skipped: layer.skipped,
    blobBytes: layer.blobBytes,
    packages: layer.packages ?? null,
  };
}

export function layerLabel(d: LayerDescriptor): string {
  const id = d.digest ?? d.diffId;
  return id ? `layer ${d.index} (${id.replace(/^sha256:/, "").slice(0, 12)})` : `layer ${d.index}`;
}

/** Feed a stream of blob bytes to a LayerBlobReader, honouring backpressure and the abort signal. */
export async function readBlob(
  source: AsyncIterable<unknown>,
  reader: LayerBlobReader,
  signal: AbortSignal | undefined,
): Promise<LayerBlobResult> {
  try {
    const recycle = source instanceof FileRangeChunks ? source : null;
    for await (const chunk of source) {
      signal?.throwIfAborted();
      const wait = reader.write(chunk as Buffer);
      if (recycle !== null && !reader.holdsInput) recycle.recycle(chunk as Buffer);
      if (wait) await wait;
    }
  } catch (e) {
    reader.destroy();
    if (signal?.aborted) throw signal.reason;
    const result = await reader.end();
    return { ...result, contents: null, error: `reading the blob failed: ${(e as Error).message}` };
  }
  signal?.throwIfAborted();
  return reader.end();
}

/** The ReadLayer for one planned layer from its blob's result, with diagnostics appended. */
export function finishLayer(
  planned: PlannedLayer,
  result: LayerBlobResult | null,
  label: string,
  diagnostics: Diagnostic[],
): ReadLayer {
  const d = planned.descriptor;
  if (result !== null) {
    d.compression = result.compression;
    if (d.digest === null && result.compression === "none") d.digest = d.diffId;
    if (d.blobSize === null) d.blobSize = result.blobBytes;
  }
  const error = result === null ? (planned.missing ?? "its blob is not in the archive") : result.error;
  const where = `${label}: ${layerLabel(d)}`;
  if (error !== null) {
    const mediaType =
      d.mediaType && !/\.tar(\+gzip|\+zstd)?$|rootfs\.diff/.test(d.mediaType) ? ` [${d.mediaType}]` : "";
    diagnostics.push({ severity: "error", layer: d.index, message: `${where}: ${error}${mediaType}` });
    return { descriptor: d, contents: null, error };
  }
  for (const s of result!.skipped) {
    diagnostics.push({
      severity: "warning",
      layer: d.index,
      message: `${where}: skipped ${s.count} ${s.count === 1 ? "entry" : "entries"} of unknown tar type ${s.typeflag} (first: ${s.first})`,
    });
  }
  const contents = result!.contents!;
  contents.problems.slice(0, MAX_ENTRY_DIAGNOSTICS).forEach((p) => {
    diagnostics.push({ severity: p.severity, layer: d.index, message: `${where}: ${p.entry}: ${p.message}` });
  });
  if (contents.problems.length > MAX_ENTRY_DIAGNOSTICS) {
    diagnostics.push({
      severity: "warning",
      layer: d.index,
      message: `${where}: ${contents.problems.length - MAX_ENTRY_DIAGNOSTICS} more entry problems not listed`,
    });
  }
  return { descriptor: d, contents, error: null, packages: result!.packages };
}

/** Read the plan's layers from a seekable store, in image order, each distinct blob once. */
export async function readPlannedLayers(
  plan: ImagePlan,
  store: SeekableStore,
  paths: PathTable,
  opts: ReadOptions,
  diagnostics: Diagnostic[],
): Promise<ReadLayer[]> {
  const done = new Map<string, LayerBlobResult>();
  const out: ReadLayer[] = [];
  const keyOf = (planned: PlannedLayer) =>
    planned.missing === null && planned.path !== null ? store.resolve(planned.path) : null;
  const progressOf = (planned: PlannedLayer) => {
    const onProgress = opts.onProgress;
    const d = planned.descriptor;
    return onProgress
      ? (bytesRead: number, entries: number) =>
          onProgress({ layer: d.index, blob: planned.path!, bytesRead, totalBytes: d.blobSize, entries })
      : undefined;
  };

  // Layers are independent until they are stacked: worker threads read them side by side (each
  // into a path table of its own), and this thread interns each result in image order.
  const keys = [...new Set(plan.layers.map(keyOf).filter((k): k is string => k !== null))];
  const threads = workerThreads(plan, keys, opts);
  const script = threads > 0 ? layerWorkerScript() : null;
  const pool = script !== null ? new LayerWorkerPool(script, threads) : null;
  const jobs = new Map<string, Promise<LayerJobResult>>();
  const stop = () => void pool?.close();
  if (pool !== null) {
    opts.signal?.addEventListener("abort", stop, { once: true });
    for (const planned of plan.layers) {
      const key = keyOf(planned);
      if (key === null || jobs.has(key)) continue;
      const range = store.locate(key);
      if (range !== null) jobs.set(key, pool.read(range, false, progressOf(planned)));
    }
  }
  // Read here, one layer ahead: the next layer's blob is read and decompressed (zlib's work runs on
  // its thread pool, so on the other core) while this one is parsed; it is parsed in its turn.
  const reading = new Map<string, { reader: LayerBlobReader; result: Promise<LayerBlobResult> }>();
  const startReading = (planned: PlannedLayer, key: string, held: boolean) => {
    const reader = new LayerBlobReader(paths, { onProgress: progressOf(planned) });
    if (held) reader.hold();
    const range = store.locate(key);
    const source =
      range !== null
        ? new FileRangeChunks(range.file, range.start, range.length, store.label)
        : store.open(key);
    const result = readBlob(source, reader, opts.signal);
    // Awaited in its turn; a failure before then (an abort) is seen there, not as an unhandled rejection.
    result.catch(() => {});
    const r = { reader, result };
    reading.set(key, r);
    return r;
  };
  const readAhead = (from: number) => {
    if (pool !== null) return;
    for (let j = from; j < plan.layers.length; j++) {
      const key = keyOf(plan.layers[j]!);
      if (key === null || done.has(key)) continue;
      if (!reading.has(key)) startReading(plan.layers[j]!, key, true);
      return;
    }
  };
  try {
    for (const [i, planned] of plan.layers.entries()) {
      opts.signal?.throwIfAborted();
      const key = keyOf(planned);
      let result: LayerBlobResult | null = null;
      if (key !== null) {
        result = done.get(key) ?? null;
        const job = result === null ? jobs.get(key) : undefined;
        if (job !== undefined) {
          const r = await job;
          opts.signal?.throwIfAborted();
          result = fromWorker(r, paths);
          if (result !== null) done.set(key, result);
        }
        if (result === null) {
          const r = reading.get(key) ?? startReading(planned, key, false);
          r.reader.release();
          readAhead(i + 1);
          result = await r.result;
          reading.delete(key);
          done.set(key, result);
        }
      }
      const layer = finishLayer(planned, result, store.label, diagnostics);
      out.push(layer);
      opts.onLayer?.(layer);
      if (opts.onPartial && out.length < plan.layers.length) {
        const read = out.slice();
        opts.onPartial?.(read.length, () => partialImage(plan.info, read, paths));
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    await pool?.close();
    // Stopped early (aborted, or a failure): the layer read ahead is dropped, its file closed.
    for (const r of reading.values()) r.reader.destroy();
    await Promise.allSettled([...reading.values()].map((r) => r.result));
  }
  return out;
}

/**
 * The first layers of an image as an image of its own, in a path table of its own (the reader's
 * goes on growing): the layers after them are empty. For showing the tree while the rest is read.
 */
export function partialImage(info: ImageInfo, read: readonly ReadLayer[], paths: PathTable): ImageData {
  const fresh = new PathTable();
  const remap = new Remapper(paths, fresh);
  const readLayers = info.layers.map((descriptor, i): ReadLayer => {
    const r = read[i];
    if (r !== undefined) return { ...r, contents: r.contents && remap.contents(r.contents) };
    return { descriptor, contents: new LayerContentsBuilder(fresh, 16).finish(), error: null };
  });
  return { ...info, readLayers, paths: fresh, diagnostics: [] };
}
