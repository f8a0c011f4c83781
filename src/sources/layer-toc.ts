/**
 * Listing a registry layer without downloading it, from the table of contents that eStargz and
 * zstd:chunked layers carry: a footer and the TOC are read by range, the TOC is checked against
 * the digest its descriptor annotates, and its entries go through the same LayerContentsBuilder
 * as a streamed tar, so both listings agree. `cat` can then fetch one file's chunks alone.
 */
import { createHash } from "node:crypto";
import { type LayerContents, LayerContentsBuilder } from "../model/layer-contents.js";
import type { PathTable } from "../model/path-table.js";
import {
  type LayerToc,
  MAX_TOC_BYTES,
  MAX_TOC_ENTRIES,
  normalise,
  type TocFormat,
  type TocLimits,
} from "./toc/entries.js";
import { TocError } from "./toc/errors.js";
import { listEstargz, STARGZ_TOC_DIGEST } from "./toc/estargz.js";
import { Fetcher, type RangeReader } from "./toc/fetch.js";
import { inflate, PieceReader, type TocCompression } from "./toc/inflate.js";
import { listZstdChunked, ZSTD_CHECKSUM_KEYS, ZSTD_POSITION_KEYS } from "./toc/zstd-chunked.js";

export {
  LayerToc,
  MAX_TOC_BYTES,
  MAX_TOC_ENTRIES,
  sha256HexBytes,
  type TocFormat,
} from "./toc/entries.js";
export { TocError } from "./toc/errors.js";
export type { RangeReader } from "./toc/fetch.js";

export interface TocLayerInfo {
  mediaType: string | null;
  /** Blob size. */
  size: number;
  annotations: Record<string, string>;
}

export interface TocListing {
  contents: LayerContents;
  format: TocFormat;
  /** Blob bytes the range reads returned. */
  bytesFetched: number;
  /** Kept for `cat` (fileChunks). */
  toc: LayerToc;
}

export interface TocOptions extends Partial<TocLimits> {
  /**
   * Use a zstd:chunked TOC found by the footer alone when no annotation gives a digest (a blob
   * copied without its annotations). The listing is then only as trustworthy as the registry.
   */
  unverified?: boolean;
}

/** Which TOC format the descriptor announces (annotations + media type), or null. */
export function tocFormatOf(layer: TocLayerInfo): TocFormat | null {
  const a = layer.annotations ?? {};
  const mediaType = (layer.mediaType ?? "").toLowerCase();
  const gzip = /gzip/.test(mediaType);
  const zstd = /zstd/.test(mediaType);
  const untyped = mediaType === "";
  const has = (k: string) => typeof a[k] === "string" && a[k] !== "";
  if ((ZSTD_POSITION_KEYS.some(has) || ZSTD_CHECKSUM_KEYS.some(has)) && (zstd || untyped))
    return "zstd:chunked";
  if (has(STARGZ_TOC_DIGEST)) {
    if (zstd) return "zstd:chunked"; // stargz-snapshotter's zstd variant: eStargz TOC in a skippable frame
    if (gzip || untyped) return "estargz";
  }
  return null;
}

/**
 * Read only the footer and the TOC by range, verify the TOC against its annotated digest, and
 * build the layer's entries. Throws TocError (one-line reason, bytesFetched set) when the TOC is
 * missing, fails its digest or does not parse: the caller then streams the whole layer instead.
 * Errors of the reader itself (network, abort) pass through unchanged.
 */
export async function listLayerFromToc(
  layer: TocLayerInfo,
  read: RangeReader,
  paths: PathTable,
  signal?: AbortSignal,
  options: TocOptions = {},
): Promise<TocListing> {
  const limits: TocLimits = {
    maxEntries: options.maxEntries ?? MAX_TOC_ENTRIES,
    maxTocBytes: options.maxTocBytes ?? MAX_TOC_BYTES,
  };
  const unverifiedZstd = options.unverified === true && /zstd/i.test(layer.mediaType ?? "");
  const format = tocFormatOf(layer) ?? (unverifiedZstd ? "zstd:chunked" : null);
  const fetcher = new Fetcher(read, layer.size, signal);
  try {
    if (format === null) throw new TocError("the layer's descriptor announces no table of contents");
    if (!Number.isSafeInteger(layer.size) || layer.size <= 0) {
      throw new TocError(`the layer's size ${layer.size} is not a byte count`);
    }
    const builder = new LayerContentsBuilder(paths, 1024);
    const annotations = layer.annotations ?? {};
    const toc =
      format === "estargz"
        ? await listEstargz({
            size: layer.size,
            digest: annotations[STARGZ_TOC_DIGEST]!,
            fetcher,
            limits,
            builder,
          })
        : await listZstdChunked({
            size: layer.size,
            annotations,
            jsonDigest: annotations[STARGZ_TOC_DIGEST] || null,
            unverified: options.unverified === true,
            fetcher,
            limits,
            builder,
          });
    return { contents: builder.finish(), format, bytesFetched: fetcher.bytes, toc };
  } catch (e) {
    if (e instanceof TocError) e.bytesFetched = fetcher.bytes;
    throw e;
  }
}

/** One compressed range of the blob and the slice of its decompressed bytes that is file data. */
export interface FileChunk {
  /** Blob offset where the gzip member / zstd frame starts. */
  start: number;
  endInclusive: number;
  /** Decompressed bytes before the chunk's data (eStargz innerOffset). */
  skip: number;
  /** Decompressed bytes of file data. */
  length: number;
  /** Hex sha256 of those bytes, when the TOC gives one. */
  digest: string | null;
}

/** For `cat`: the byte ranges of the blob that hold one regular file's content, and how to decode them. */
export interface FileChunks {
  /** Raw name of the regular file (the target's, when a hard link was asked for). */
  name: string;
  compression: TocCompression;
  blobSize: number;
  size: number;
  /** Hex sha256 of the whole file. */
  digest: string;
  chunks: FileChunk[];
}

/** The chunks of a regular file (or of a hard link's target) by raw or normalised name; null if none. */
export function fileChunks(toc: LayerToc, rawName: string): FileChunks | null {
  const own = toc.tocEntry;
  if (own !== null && normalise(rawName) === normalise(own.name)) {
    const chunk = {
      start: own.start,
      endInclusive: own.end - 1,
      skip: own.skip,
      length: own.size,
      digest: own.digest,
    };
    const { compression, blobSize } = toc;
    return { name: own.name, compression, blobSize, size: own.size, digest: own.digest, chunks: [chunk] };
  }
  const f = toc.lookup(rawName);
  if (f < 0) return null;
  const t = toc.tables;
  const chunks: FileChunk[] = [];
  for (let c = t.fileFirstChunk[f]!; c < t.fileFirstChunk[f + 1]!; c++) {
    chunks.push({
      start: t.chunkStart[c]!,
      endInclusive: t.chunkEnd[c]! - 1,
      skip: t.chunkSkip[c]!,
      length: t.chunkLength[c]!,
      digest: t.chunkHasDigest[c]
        ? Buffer.from(t.chunkDigest.subarray(c * 32, c * 32 + 32)).toString("hex")
        : null,
    });
  }
  return {
    name: t.fileNames[f]!,
    compression: toc.compression,
    blobSize: toc.blobSize,
    size: t.fileSize[f]!,
    digest: Buffer.from(t.fileDigest.subarray(f * 32, f * 32 + 32)).toString("hex"),
    chunks,
  };
}

/** Chunks up to this size are checked against their digest before any of their bytes are handed out. */
const VERIFY_WHOLE_CHUNK = 8 * 1024 * 1024;

/**
 * Fetch and decompress each chunk (a gzip member for eStargz, a zstd frame for zstd:chunked),
 * yielding the file's bytes in order. Each chunk's digest is checked (before its bytes are yielded
 * when it is small enough), and the whole file's at the end; a mismatch throws TocError.
 */
export async function* readFileFromChunks(
  chunks: FileChunks,
  read: RangeReader,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const fetcher = new Fetcher(read, chunks.blobSize, signal);
  const whole = createHash("sha256");
  let total = 0;
  const list = chunks.chunks;
  for (let i = 0; i < list.length; ) {
    // Chunks that follow each other in the blob are separate members/frames of one stream: fetch them together.
    let j = i + 1;
    while (j < list.length && list[j]!.skip === 0 && list[j]!.start === list[j - 1]!.endInclusive + 1) j++;
    const first = list[i]!;
    const reader = new PieceReader(
      inflate(chunks.compression, fetcher.windows(first.start, list[j - 1]!.endInclusive + 1)),
    );
    try {
      if ((await reader.skip(first.skip)) < first.skip)
        throw new TocError(`a chunk of '${chunks.name}' is truncated`);
      for (; i < j; i++) {
        const c = list[i]!;
        const hash = c.digest !== null ? createHash("sha256") : null;
        const check = () => {
          if (hash !== null && hash.digest("hex") !== c.digest) {
            throw new TocError(
              `a chunk of '${chunks.name}' (file bytes ${total - c.length}+) fails its digest`,
            );
          }
        };
        if (hash !== null && c.length <= VERIFY_WHOLE_CHUNK) {
          const data = await reader.read(c.length);
          if (data.length < c.length) throw new TocError(`a chunk of '${chunks.name}' is truncated`);
          hash.update(data);
          whole.update(data);
          total += data.length;
          check();
          yield data;
        } else {
          let left = c.length;
          while (left > 0) {
            const p = await reader.piece();
            if (p === null) throw new TocError(`a chunk of '${chunks.name}' is truncated`);
            const piece = p.length > left ? p.subarray(0, left) : p;
            if (p.length > left) reader.unread(p.subarray(left));
            left -= piece.length;
            total += piece.length;
            hash?.update(piece);
            whole.update(piece);
            yield piece;
          }
          check();
        }
      }
    } finally {
      await reader.close();
    }
  }
  if (total !== chunks.size || whole.digest("hex") !== chunks.digest) {
    throw new TocError(`'${chunks.name}' read from its chunks does not match its TOC digest`);
  }
}
