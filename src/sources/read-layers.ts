import type { Diagnostic } from "../model/diagnostics.js";
import { LayerContentsBuilder } from "../model/layer-contents.js";
import { PathTable } from "../model/path-table.js";
import { Remapper } from "../model/remap.js";
import type { ArchiveStore } from "./archive-store.js";
import { FileRangeChunks } from "./file-range.js";
import type { ImagePlan, PlannedLayer } from "./image-plan.js";
import { LayerBlobReader, type LayerBlobResult } from "./layer-blob.js";
import type { ImageData, ImageInfo, LayerDescriptor, ReadLayer, ReadOptions } from "./types.js";
import type { FileRange } from "./workers/entry-job.js";
import { EntryWorker, entryWorkerScript, type WorkerLayer } from "./workers/entry-reader.js";

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

/**
 * Layers of many small files — less than this much tar per entry, on average over the layers read
 * so far — are read by a worker thread (workers/entry-reader.ts) while this thread interns their
 * paths; others are read here, the next one decompressed ahead on zlib's pool. Measured on this
 * machine's 2 vCPUs (alternated runs, Node 20 and 24), with the worker for every layer: 1M entries
 * (~900 B per entry) 3.3–3.7 → 2.75–3.0 s; but the 375 MB content image (~100 KB per entry) was
 * 10–25 % slower (the worker's start, and the reading done there is no faster), where this thread
 * has little to intern. Where the two costs meet is at a few KB per entry; 8 KiB leans to the worker.
 */
const WORKER_TAR_BYTES_PER_ENTRY = 8192;
/**
 * …and only when the layers left to read hold this many entries, by the entries per stored byte
 * seen so far: the worker's start costs ~50–100 ms (its own modules, the BLAKE3 binding), and it
 * saves ~0.4 µs per entry (the 1M figures above). Below that it loses: the 277-entry example image
 * took 194 → 264 ms with the worker, a 14-layer kaniko image 197 → 315 ms (`node bench/ab.js`).
 * `threads: 1` (LAYERVIEW_THREADS=1) uses it for any layers of small files, however few.
 */
const WORKER_MIN_ENTRIES = 200_000;
/** What the layers read so far hold: tar bytes, entries, stored bytes. */
interface Seen {
  tarBytes: number;
  entries: number;
  blobBytes: number;
}

/** Layers the worker is given ahead of the one being interned: the one it parses, the next read ahead. */
const WORKER_AHEAD = 2;

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

  // The worker, once many layers of many small files are seen (see WORKER_TAR_BYTES_PER_ENTRY).
  const script = opts.threads === 0 ? null : entryWorkerScript();
  const always = opts.threads !== undefined && opts.threads > 0;

  let worker = null as EntryWorker | null;
  const given = new Map<string, WorkerLayer>();
  let tarBytes = 0;
  let entries = 0;
  let blobBytes = 0;
  // Before any layer is done: the start of the first one (LayerBlobReader's onEarly).
  let early: Seen | null = null;
  /** Whether the worker should read the layers from `j` on. */
  const forWorker = (j: number) => {
    const seen = entries > 0 ? { tarBytes, entries, blobBytes } : early;
    if (seen === null || seen.entries === 0 || seen.tarBytes >= seen.entries * WORKER_TAR_BYTES_PER_ENTRY) {
      return false;
    }
    if (always || worker !== null) return true;
    bytesFrom ??= storedBytesFrom();
    return (bytesFrom[j]! * seen.entries) / Math.max(1, seen.blobBytes) >= WORKER_MIN_ENTRIES;
  };
  /** Stored bytes of the distinct blobs from layer j on (each counted where it first appears), once. */
  let bytesFrom: number[] | null = null;
  const storedBytesFrom = () => {
    const first = new Set<string>();
    const own = plan.layers.map((planned) => {
      const key = keyOf(planned);
      if (key === null || first.has(key)) return 0;
      first.add(key);
      return store.locate(key)?.length ?? 0;
    });
    const from = new Array<number>(own.length + 1).fill(0);
    for (let k = own.length - 1; k >= 0; k--) from[k] = from[k + 1]! + own[k]!;
    return from;
  };
  const stop = () => void worker?.close();
  opts.signal?.addEventListener("abort", stop, { once: true });

  // Read here, one layer ahead: the next layer's blob is read and decompressed (zlib's work runs on
  // its thread pool, so on the other core) while this one is parsed; it is parsed in its turn.
  const reading = new Map<string, { reader: LayerBlobReader; result: Promise<LayerBlobResult> }>();
  const startReading = (planned: PlannedLayer, key: string, held: boolean, i: number) => {
    const reader = new LayerBlobReader(paths, {
      onProgress: progressOf(planned),
      // The first layer read decides, from its first megabytes, how the next one is read.
      onEarly: (tarBytes, entries, blobBytes) => {
        if (early !== null || plan.layers.length === 1) return;
        early = { tarBytes, entries, blobBytes };
        readAhead(i);
      },
    });
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
  /** Start the layers after `i`: one held here, or up to WORKER_AHEAD with the worker. */
  const readAhead = (i: number) => {
    let ahead = 0;
    for (let j = i + 1; j < plan.layers.length && ahead < WORKER_AHEAD; j++) {
      const key = keyOf(plan.layers[j]!);
      if (key === null || done.has(key)) continue;
      if (reading.has(key)) return;
      ahead++;
      if (given.has(key)) continue;
      const range = script !== null && forWorker(j) ? store.locate(key) : null;
      if (range === null) {
        if (ahead === 1) startReading(plan.layers[j]!, key, true, j);
        return;
      }
      worker ??= new EntryWorker(script!, paths);
      given.set(key, worker.give(range, store.label));
    }
  };
  try {
    for (const [i, planned] of plan.layers.entries()) {
      opts.signal?.throwIfAborted();
      const key = keyOf(planned);
      let result: LayerBlobResult | null = null;
      if (key !== null) {
        result = done.get(key) ?? null;
        const fromWorker = result === null ? given.get(key) : undefined;
        if (fromWorker !== undefined) {
          readAhead(i);
          result = await fromWorker.take(progressOf(planned));
          opts.signal?.throwIfAborted();
        }
        if (result === null) {
          // Not the worker's (or the worker failed: read again here).
          const r = reading.get(key) ?? startReading(planned, key, false, i);
          r.reader.release();
          // Nothing known yet about the layers: onEarly reads ahead once the first megabytes are seen.
          if (entries > 0 || early !== null) readAhead(i);
          result = await r.result;
          reading.delete(key);
        }
        done.set(key, result);
        if (result.contents !== null) {
          tarBytes += result.tarBytes ?? 0;
          entries += result.contents.tarEntries;
          blobBytes += result.blobBytes;
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
    await worker?.close();
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
