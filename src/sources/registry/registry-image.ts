import { type Diagnostic, UserError } from "../../model/diagnostics.js";
import { HashScheme, type LayerContents } from "../../model/layer-contents.js";
import { PathTable } from "../../model/path-table.js";
import { Remapper } from "../../model/remap.js";
import { MAX_JSON_BYTES } from "../archive-store.js";
import { baseAnnotationsOf } from "../base-annotations.js";
import { decodeImageConfig } from "../image-config.js";
import type { PlannedLayer } from "../image-plan.js";
import { LayerBlobReader, type LayerBlobResult } from "../layer-blob.js";
import type { LayerIndexCache } from "../layer-index-cache.js";
import { listLayerFromToc, tocFormatOf } from "../layer-toc.js";
import { finishLayer, layerLabel, partialImage, readBlob } from "../read-layers.js";
import type { ImageData, ImageInfo, LayerDescriptor, ReadLayer, ReadOptions } from "../types.js";
import { DigestMismatchError, type RegistryClient, short } from "./client.js";
import { type ClientSetup, registryClient } from "./connect.js";
import { type BlobDescriptor, choosePlatform, decodeManifest } from "./manifest.js";
import { Prefetch } from "./prefetch.js";
import { parseRegistryReference, type RegistryReference } from "./reference.js";

export interface RegistryOptions extends ClientSetup {
  /** The layer index cache; null or absent reads every layer (`--no-cache`). */
  cache?: LayerIndexCache | null;
  /** Layer downloads running at once (the one being parsed plus those buffered ahead). */
  concurrency?: number;
}

export interface RegistryReadOptions extends ReadOptions, RegistryOptions {}

/** How each layer's entries were obtained, and what the registry served: for tests, bench and --debug. */
export interface TransferStats {
  bytesReceived: number;
  layers: Array<"stream" | "cache" | "estargz-toc" | "zstd:chunked-toc" | "failed">;
}

export interface RegistryImageData extends ImageData {
  transfer: TransferStats;
}

/** What a registry image resolves to before any layer is read. */
export interface ResolvedRegistryImage {
  ref: RegistryReference;
  client: RegistryClient;
  info: ImageInfo;
  /** Manifest descriptors of the layers, in image order (annotations say whether a TOC exists). */
  layers: BlobDescriptor[];
  /** Config fields left out for their type (one line each). */
  warnings: string[];
}

/** Download buffered ahead of each layer's parser: enough to hide a round trip, far from a whole layer. */
const PREFETCH_BYTES = 8 * 1024 * 1024;

/**
 * Resolve REF to one image: its manifest (through an index by platform), then its config. Throws
 * UserError for anything that stops the image from being read at all.
 */
export async function resolveRegistryImage(
  input: string,
  opts: RegistryOptions & Pick<ReadOptions, "platform" | "signal">,
): Promise<ResolvedRegistryImage> {
  const ref = parseRegistryReference(input);
  const client = registryClient(ref, opts);
  try {
    const label = client.label;
    const top = await client.manifest(ref.manifestRef);
    let decoded = decodeManifest(top.bytes, top.mediaType, `${label}: the manifest of ${ref.manifestRef}`);
    let platform: string | null = null;
    let indexEntry: Record<string, string> | undefined;
    if (decoded.kind === "index") {
      const entry = choosePlatform(decoded.manifests, opts.platform, `${ref.familiar}`);
      indexEntry = entry.annotations;
      platform = entry.platform ? formatEntryPlatform(entry.platform) : null;
      const child = await client.manifest(entry.digest);
      decoded = decodeManifest(child.bytes, child.mediaType, `${label}: manifest ${short(entry.digest)}`);
      if (decoded.kind === "index") {
        throw new UserError(
          `${label}: the index of ${ref.manifestRef} points to another index for ${platform ?? "its image"}`,
          "nested indexes are not read; name the inner index's digest (NAME@sha256:…)",
        );
      }
    }
    const configBytes = await client.smallBlob(decoded.config.digest, MAX_JSON_BYTES, "the image config");
    let config: unknown;
    try {
      config = JSON.parse(configBytes.toString("utf8").replace(/^\uFEFF/, ""));
    } catch (e) {
      throw new UserError(
        `${label}: the image config is not valid JSON (${(e as Error).message})`,
        "the image in the registry is damaged",
      );
    }
    const { config: raw, warnings } = decodeImageConfig(config, `${label}: the image config`);
    const diffIds = raw.rootfs?.diff_ids ?? [];
    const layers: LayerDescriptor[] = decoded.layers.map((l, index) => ({
      index,
      diffId: typeof diffIds[index] === "string" ? diffIds[index] : null,
      digest: l.digest,
      mediaType: l.mediaType,
      blobSize: l.size,
      compression: null,
    }));
    const configPlatform =
      typeof raw.os === "string" &&
      typeof raw.architecture === "string" &&
      raw.os !== "" &&
      raw.architecture !== ""
        ? `${raw.os}/${raw.architecture}${typeof raw.variant === "string" && raw.variant !== "" ? `/${raw.variant}` : ""}`
        : null;
    const info: ImageInfo = {
      source: `registry://${input}`,
      reference: ref.familiar,
      id: decoded.config.digest,
      config: raw,
      layers,
      platform: configPlatform ?? platform,
      tags: [ref.familiar],
      baseAnnotations: baseAnnotationsOf(decoded.annotations, indexEntry),
    };
    return { ref, client, info, layers: decoded.layers, warnings };
  } catch (e) {
    await client.close();
    throw e;
  }
}

function formatEntryPlatform(p: { os: string; architecture: string; variant?: string }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/**
 * Read an image straight from its registry: manifest and config first (`onImage` before any layer
 * byte), then each layer from the index cache, from its table of contents (eStargz, zstd:chunked:
 * a few Range requests), or streamed through the same layer reader as archives, verified as it
 * streams, with the next layers' downloads started while the current one is parsed.
 */
export async function readRegistryImage(
  input: string,
  opts: RegistryReadOptions,
): Promise<RegistryImageData> {
  const resolved = await resolveRegistryImage(input, opts);
  const { client, info } = resolved;
  try {
    opts.onImage?.(info);
    const diagnostics: Diagnostic[] = resolved.warnings.map((message) => ({ severity: "warning", message }));
    let paths = new PathTable();
    const transfer: TransferStats = { bytesReceived: 0, layers: [] };
    const results = await readEachLayer(resolved, paths, opts, diagnostics, transfer);
    // A layer that failed after some of its entries were interned leaves paths no layer holds.
    if (results.some((r) => r.contents === null && r.interned)) {
      const fresh = new PathTable();
      const remap = new Remapper(paths, fresh);
      const moved = new Map<LayerContents, LayerContents>();
      for (const r of results) {
        if (r.contents !== null && !moved.has(r.contents)) moved.set(r.contents, remap.contents(r.contents));
      }
      for (const r of results) if (r.contents !== null) r.contents = moved.get(r.contents)!;
      paths = fresh;
    }
    const readLayers: ReadLayer[] = info.layers.map((d, i) => {
      const r = results[i]!;
      const planned: PlannedLayer = { descriptor: d, path: d.digest, missing: r.missing };
      const layer = finishLayer(planned, r.missing === null ? r : null, client.label, diagnostics);
      opts.onLayer?.(layer);
      return layer;
    });
    transfer.bytesReceived = client.bytesReceived;
    return { ...info, readLayers, paths, diagnostics, transfer };
  } finally {
    await client.close();
  }
}

interface ParseTask {
  prefetch: Prefetch;
  table: PathTable;
  /** Parsing into the image's own path table (every layer below was done when it started). */
  direct: boolean;
  done: Promise<LayerResult>;
}

interface LayerResult extends LayerBlobResult {
  /** Why the layer could not be read at all (blob unknown, digest mismatch), or null. */
  missing: string | null;
  /** True when entries of this blob went into the path table before it failed. */
  interned: boolean;
}

async function readEachLayer(
  resolved: ResolvedRegistryImage,
  paths: PathTable,
  opts: RegistryReadOptions,
  diagnostics: Diagnostic[],
  transfer: TransferStats,
): Promise<LayerResult[]> {
  const { client, info } = resolved;
  const descriptors = resolved.layers;
  const cache = opts.cache ?? null;
  const byDigest = new Map<string, LayerResult>();
  const out: LayerResult[] = [];
  const concurrency = Math.max(1, opts.concurrency ?? 3);
  const tasks = new Map<number, ParseTask>();

  // Content hashes must compare across the image's layers: when some are listed from their TOC
  // (SHA-256 per file), the streamed ones are hashed with SHA-256 throughout as well.
  const hashScheme = descriptors.some((d) => tocFormatOf(tocInfo(d)) !== null)
    ? HashScheme.Sha256
    : HashScheme.Blake3Large;
  // Which layers will be streamed is known only after the cache and TOC checks, so they run first.
  const cached = new Map<string, LayerResult>();
  if (cache !== null) {
    for (const d of descriptors) {
      if (cached.has(d.digest)) continue;
      const hit = await cache.get(cacheKey(d), paths).catch(() => null);
      const comparable =
        hit !== null &&
        ((hit.contents.hashScheme ?? HashScheme.Sha256) === hashScheme || tocFormatOf(tocInfo(d)) !== null);
      if (hit !== null && comparable) {
        cached.set(d.digest, {
          contents: hit.contents,
          compression: hit.compression,
          error: null,
          skipped: hit.skipped,
          blobBytes: hit.blobBytes,
          packages: hit.packages ?? null,
          missing: null,
          interned: true,
        });
      }
    }
  }
  const streams = (i: number) => {
    const d = descriptors[i]!;
    return !cached.has(d.digest) && tocFormatOf(tocInfo(d)) === null;
  };
  /**
   * Layers stream and parse side by side (their decompression runs on other cores); a layer parses
   * straight into the image's path table only when every layer below it is done, otherwise into a
   * table of its own that is re-interned in image order once its turn comes.
   */
  const startTask = (i: number, direct: boolean) => {
    if (tasks.has(i) || i >= descriptors.length || !streams(i)) return;
    const d = descriptors[i]!;
    if (descriptors.findIndex((x) => x.digest === d.digest) !== i) return;
    const progress = progressReporter(opts, i, d.size);
    const prefetch = new Prefetch(
      (signal) =>
        client.blob(d.digest, d.size, `the blob of layer ${i} (${short(d.digest)})`, progress.bytes, signal),
      PREFETCH_BYTES,
    );
    const table = direct ? paths : new PathTable();
    const done = streamLayer(prefetch, progress, table, opts, d, hashScheme);
    done.catch(() => {});
    tasks.set(i, { prefetch, table, direct, done });
  };

  try {
    for (let i = 0; i < descriptors.length; i++) {
      opts.signal?.throwIfAborted();
      const d = descriptors[i]!;
      const desc = info.layers[i]!;
      const seen = byDigest.get(d.digest);
      if (seen !== undefined) {
        out.push(seen);
        transfer.layers.push(transfer.layers[descriptors.findIndex((x) => x.digest === d.digest)]!);
        continue;
      }
      startTask(i, true);
      for (let k = 1; k < concurrency; k++) startTask(i + k, false);
      let result: LayerResult | null = cached.get(d.digest) ?? null;
      if (result !== null) transfer.layers.push("cache");
      const format = result === null ? tocFormatOf(tocInfo(d)) : null;
      if (result === null && format !== null) {
        try {
          const listing = await listLayerFromToc(
            tocInfo(d),
            (start, end, signal) => client.range(d.digest, start, end, `the TOC of layer ${i}`, signal),
            paths,
            opts.signal,
          );
          result = {
            contents: listing.contents,
            compression: format === "estargz" ? "gzip" : "zstd",
            error: null,
            skipped: [],
            blobBytes: d.size ?? 0,
            packages: null,
            missing: null,
            interned: true,
          };
          transfer.layers.push(format === "estargz" ? "estargz-toc" : "zstd:chunked-toc");
          opts.onProgress?.({
            layer: i,
            bytesRead: listing.bytesFetched,
            totalBytes: listing.bytesFetched,
            entries: listing.contents.tarEntries,
          });
          await cache
            ?.put(
              cacheKey(d),
              {
                contents: listing.contents,
                compression: result.compression!,
                skipped: [],
                blobBytes: result.blobBytes,
                listedBy: transfer.layers[i]!,
                packages: null,
              },
              paths,
            )
            .catch(() => {});
        } catch (e) {
          if (opts.signal?.aborted) throw e;
          // Access and network failures stop the read; a TOC that does not parse or verify falls back.
          if (e instanceof UserError && !(e instanceof DigestMismatchError)) throw e;
          diagnostics.push({
            severity: "warning",
            layer: i,
            message: `${client.label}: ${layerLabel(desc)}: its ${format} table of contents could not be used (${(e as Error).message}); the layer was streamed instead`,
          });
        }
      }
      if (result === null) {
        startTask(i, true);
        const task = tasks.get(i)!;
        tasks.delete(i);
        result = await task.done;
        if (!task.direct) {
          result.interned = false;
          if (result.contents !== null)
            result.contents = new Remapper(task.table, paths).contents(result.contents);
        }
        transfer.layers.push(result.missing === null ? "stream" : "failed");
        if (result.missing === null && result.error === null && result.contents !== null && cache !== null) {
          await cache
            .put(
              cacheKey(d),
              {
                contents: result.contents,
                compression: result.compression!,
                skipped: result.skipped,
                blobBytes: result.blobBytes,
                listedBy: "stream",
                packages: result.packages,
              },
              paths,
            )
            .catch(() => {});
        }
      }
      byDigest.set(d.digest, result);
      out.push(result);
      if (out.length < descriptors.length && opts.onPartial) {
        const read = out.map((r, k): ReadLayer => {
          const planned: PlannedLayer = { descriptor: info.layers[k]!, path: null, missing: r.missing };
          return finishLayer(planned, r.missing === null ? r : null, client.label, []);
        });
        opts.onPartial(read.length, () => partialImage(info, read, paths));
      }
    }
  } finally {
    for (const t of tasks.values()) await t.prefetch.cancel();
  }
  return out;
}

/** The cache key of a layer: its blob digest, which streaming verifies (a TOC listing is keyed by its TOC's digest). */
function cacheKey(d: BlobDescriptor): string {
  const toc = d.annotations["containerd.io/snapshot/stargz/toc.digest"];
  if (tocFormatOf(tocInfo(d)) === "estargz" && toc !== undefined && /^sha256:[0-9a-f]{64}$/.test(toc))
    return toc;
  const chunked =
    d.annotations["io.github.containers.zstd-chunked.manifest-checksum"] ??
    d.annotations["io.containers.zstd-chunked.manifest-checksum"];
  if (
    tocFormatOf(tocInfo(d)) === "zstd:chunked" &&
    chunked !== undefined &&
    /^sha256:[0-9a-f]{64}$/.test(chunked)
  ) {
    return chunked;
  }
  return d.digest;
}

function tocInfo(d: BlobDescriptor) {
  return { mediaType: d.mediaType, size: d.size ?? 0, annotations: d.annotations };
}

type Progress = ReturnType<typeof progressReporter>;

/** Download bytes and parsed entries of one layer, reported at most every 100 ms (and once at the end). */
function progressReporter(opts: ReadOptions, layer: number, size: number | null) {
  let bytes = 0;
  let entries = 0;
  let last = 0;
  const emit = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    opts.onProgress?.({ layer, bytesRead: bytes, totalBytes: size, entries });
  };
  return {
    bytes: (n: number) => {
      bytes = n;
      emit(false);
    },
    entries: (n: number) => {
      entries = n;
      emit(false);
    },
    done: () => emit(true),
  };
}

async function streamLayer(
  prefetch: Prefetch,
  progress: Progress,
  paths: PathTable,
  opts: RegistryReadOptions,
  d: BlobDescriptor,
  hashScheme: HashScheme,
): Promise<LayerResult> {
  let failure: unknown = null;
  const guarded = (async function* () {
    try {
      yield* prefetch;
    } catch (e) {
      failure = e;
      throw e;
    }
  })();
  let entries = 0;
  const reader = new LayerBlobReader(paths, {
    dataOffsets: true,
    hashScheme,
    onProgress: (_bytes, n) => {
      entries = n;
      progress.entries(n);
    },
  });
  const result = await readBlob(guarded, reader, opts.signal);
  progress.done();
  if (failure instanceof DigestMismatchError) {
    return {
      ...result,
      contents: null,
      missing: failure.message,
      interned: entries > 0 || result.contents !== null,
    };
  }
  if (failure instanceof UserError) {
    if (/not found/.test(failure.message)) {
      const foreign = d.urls.length > 0 ? `; it is a foreign layer that lives at ${d.urls[0]}` : "";
      return { ...result, contents: null, missing: `${failure.message}${foreign}`, interned: entries > 0 };
    }
    throw failure;
  }
  if (failure !== null) throw failure;
  return { ...result, missing: null, interned: true };
}
