import { createHash } from "node:crypto";
import type { LayerContentsBuilder } from "../../model/layer-contents.js";
import { type LayerToc, readTocEntries, type TocLimits } from "./entries.js";
import { TocError } from "./errors.js";
import { type Fetcher, once } from "./fetch.js";
import { inflate, PieceReader } from "./inflate.js";

/** containers/storage pkg/chunked: the current keys first, then the ones before v1.44 (skopeo 1.9). */
export const ZSTD_POSITION_KEYS = [
  "io.github.containers.zstd-chunked.manifest-position",
  "io.containers.zstd-chunked.manifest-position",
] as const;
export const ZSTD_CHECKSUM_KEYS = [
  "io.github.containers.zstd-chunked.manifest-checksum",
  "io.containers.zstd-chunked.manifest-checksum",
] as const;
const MANIFEST_TYPE_CRFS = 1;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** "GnUlInUx" up to containers/storage v1.49, "GNUlInUx" since (commit f989a957). */
const FOOTER_MAGICS = ["GnUlInUx", "GNUlInUx"];
/** Bytes at the end of the blob that hold any known footer (the 64-byte data frame is the longest). */
export const ZSTD_FOOTER_READ = 72;

export interface ManifestPosition {
  offset: number;
  length: number;
  uncompressed: number;
  type: number;
}

/** `OFFSET:LENGTH:UNCOMPRESSED_LENGTH:TYPE`, decimal; OFFSET is where the zstd frame itself starts. */
export function parseManifestPosition(s: string): ManifestPosition | null {
  const m = /^(\d{1,16}):(\d{1,16}):(\d{1,16}):(\d{1,16})$/.exec(s.trim());
  if (m === null) return null;
  const [offset, length, uncompressed, type] = m.slice(1).map(Number) as [number, number, number, number];
  if (![offset, length, uncompressed].every(Number.isSafeInteger)) return null;
  return { offset, length, uncompressed, type };
}

/**
 * The manifest position from the skippable frame that ends a zstd:chunked blob. Three layouts:
 * 40 data bytes (offset, length, uncompressed length, type as u64 LE, magic), the same padded to
 * 56 (v1.47–1.49), and 64 (tar-split offset/lengths added before the magic, v1.50+).
 */
export function parseZstdChunkedFooter(tail: Buffer): ManifestPosition | null {
  for (const [dataSize, magicAt] of [
    [64, 56],
    [40, 32],
    [56, 32],
  ] as const) {
    const frame = tail.length >= 8 + dataSize ? tail.subarray(tail.length - 8 - dataSize) : null;
    if (frame === null || frame.readUInt32LE(0) !== SKIPPABLE_MAGIC || frame.readUInt32LE(4) !== dataSize)
      continue;
    const data = frame.subarray(8);
    if (!FOOTER_MAGICS.includes(data.toString("latin1", magicAt, magicAt + 8))) continue;
    const u = (i: number) => Number(data.readBigUInt64LE(i * 8));
    const pos = { offset: u(0), length: u(1), uncompressed: u(2), type: u(3) };
    if (![pos.offset, pos.length, pos.uncompressed].every(Number.isSafeInteger)) return null;
    return pos;
  }
  return null;
}

export interface ZstdChunkedArgs {
  size: number;
  annotations: Record<string, string>;
  /** stargz-snapshotter's zstd:chunked also annotates the sha256 of the TOC JSON. */
  jsonDigest: string | null;
  /** Accept a TOC no annotation vouches for (found by the footer alone). */
  unverified: boolean;
  fetcher: Fetcher;
  limits: TocLimits;
  builder: LayerContentsBuilder;
}

/**
 * List a zstd:chunked layer: the manifest is a zstd frame inside a skippable frame (so a plain
 * zstd reader skips it), located by the annotation or else the footer; the annotated
 * manifest-checksum is the sha256 of those compressed bytes (WriteZstdChunkedManifest in
 * containers/storage). The tar stream itself shows no TOC entry, so nothing is added to the listing.
 */
export async function listZstdChunked(a: ZstdChunkedArgs): Promise<LayerToc> {
  const { size, fetcher, limits } = a;
  const checksum = pick(a.annotations, ZSTD_CHECKSUM_KEYS);
  if (checksum === null && a.jsonDigest === null && !a.unverified) {
    throw new TocError("no manifest-checksum annotation to verify the zstd:chunked TOC against");
  }
  const posText = pick(a.annotations, ZSTD_POSITION_KEYS);
  let pos: ManifestPosition | null;
  if (posText !== null) {
    pos = parseManifestPosition(posText);
    if (pos === null)
      throw new TocError(`the manifest-position annotation '${posText.slice(0, 80)}' is malformed`);
  } else {
    const n = Math.min(size, ZSTD_FOOTER_READ);
    if (n < 48) throw new TocError(`the blob (${size} bytes) is too small for a zstd:chunked footer`);
    pos = parseZstdChunkedFooter(await fetcher.range(size - n, size - 1));
    if (pos === null) throw new TocError("the blob does not end in a zstd:chunked footer");
  }
  if (pos.type !== MANIFEST_TYPE_CRFS) throw new TocError(`the TOC has manifest type ${pos.type}, not 1`);
  if (pos.offset < 8 || pos.length === 0 || pos.offset + pos.length > size) {
    throw new TocError(`the TOC position ${pos.offset}+${pos.length} does not fit the ${size}-byte blob`);
  }
  if (pos.length > limits.maxTocBytes || pos.uncompressed > limits.maxTocBytes) {
    throw new TocError(
      `the TOC would be ${Math.max(pos.length, pos.uncompressed)} bytes, over ${limits.maxTocBytes}`,
    );
  }
  const compressed = await fetcher.range(pos.offset, pos.offset + pos.length - 1);
  const compressedDigest = `sha256:${createHash("sha256").update(compressed).digest("hex")}`;
  if (checksum !== null && compressedDigest !== checksum.toLowerCase()) {
    throw new TocError(
      `the TOC's checksum is ${compressedDigest}, not the annotated ${checksum.slice(0, 80)}`,
    );
  }
  const reader = new PieceReader(inflate("zstd", once(compressed)));
  let json: Buffer;
  try {
    json = await reader.read(pos.uncompressed + 1);
  } finally {
    await reader.close();
  }
  if (json.length !== pos.uncompressed) {
    throw new TocError(`the TOC decompresses to ${json.length} bytes, not the ${pos.uncompressed} announced`);
  }
  const jsonDigest = `sha256:${createHash("sha256").update(json).digest("hex")}`;
  if (a.jsonDigest !== null && jsonDigest !== a.jsonDigest.toLowerCase()) {
    throw new TocError(`the TOC's digest is ${jsonDigest}, not the annotated ${a.jsonDigest.slice(0, 80)}`);
  }
  const { toc, emit } = readTocEntries(json, {
    format: "zstd:chunked",
    compression: "zstd",
    blobSize: size,
    dataEnd: pos.offset - 8,
    limits,
    tocDigest: checksum !== null ? compressedDigest : jsonDigest,
  });
  emit(a.builder);
  return toc;
}

function pick(annotations: Record<string, string>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = annotations[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return null;
}
