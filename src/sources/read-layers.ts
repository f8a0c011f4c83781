import type { Diagnostic } from "../model/diagnostics.js";
import { LayerContentsBuilder } from "../model/layer-contents.js";
import { PathTable } from "../model/path-table.js";
import { Remapper } from "../model/remap.js";
import type { ArchiveStore } from "./archive-store.js";
import type { ImagePlan, PlannedLayer } from "./image-plan.js";
import { LayerBlobReader, type LayerBlobResult } from "./layer-blob.js";
import type { ImageData, ImageInfo, LayerDescriptor, ReadLayer, ReadOptions } from "./types.js";

/** Entry problems turned into diagnostics per layer; the rest stay in LayerContents.problems. */
const MAX_ENTRY_DIAGNOSTICS = 20;

/** A store whose members can be streamed by byte range (a tar file or a directory). */
export interface SeekableStore extends ArchiveStore {
  /** Canonical path of the member holding `path`'s data (links followed), or null. */
  resolve(path: string): string | null;
  open(path: string): AsyncIterable<unknown>;
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
    for await (const chunk of source) {
      signal?.throwIfAborted();
      const wait = reader.write(chunk as Buffer);
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
  return { descriptor: d, contents, error: null };
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
  for (const planned of plan.layers) {
    opts.signal?.throwIfAborted();
    const d = planned.descriptor;
    const key = planned.missing === null && planned.path !== null ? store.resolve(planned.path) : null;
    let result: LayerBlobResult | null = null;
    if (key !== null) {
      result = done.get(key) ?? null;
      if (result === null) {
        const onProgress = opts.onProgress;
        const reader = new LayerBlobReader(paths, {
          onProgress: onProgress
            ? (bytesRead, entries) =>
                onProgress({
                  layer: d.index,
                  blob: planned.path!,
                  bytesRead,
                  totalBytes: d.blobSize,
                  entries,
                })
            : undefined,
        });
        result = await readBlob(store.open(key), reader, opts.signal);
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
