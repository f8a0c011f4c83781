import { createHash } from "node:crypto";
import { EntryType, type LayerContentsBuilder } from "../../model/layer-contents.js";
import { checksumOk, headerName, isZeroBlock, padding, parseNumeric } from "../tar-format.js";
import { type LayerToc, readTocEntries, sha256HexBytes, type TocLimits } from "./entries.js";
import { TocError } from "./errors.js";
import { type Fetcher, once } from "./fetch.js";
import { inflate, PieceReader } from "./inflate.js";

/** stargz-snapshotter's estargz.TOCJSONDigestAnnotation: sha256 of the TOC JSON bytes. */
export const STARGZ_TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
export const TOC_TAR_NAME = "stargz.index.json";
export const FOOTER_SIZE = 51;
export const LEGACY_FOOTER_SIZE = 47;
/** The first read takes this much of the blob's end: the footer, and for most layers the whole TOC. */
export const TAIL_GUESS = 64 * 1024;
/** Compressed bytes the check for end-of-archive blocks before the TOC may read. */
export const MAX_TAIL_PROBE = 32 * 1024 * 1024;

/**
 * The TOC offset from the last bytes of an eStargz blob: a gzip member with no data whose extra
 * field is subfield "SG" holding "%016xSTARGZ" (51 bytes), or for the legacy stargz footer the
 * bare "%016xSTARGZ" as the whole extra field (47 bytes). See estargz's gzip.go (ParseFooter).
 */
export function parseEstargzFooter(tail: Buffer): { tocOffset: number; footerSize: number } | null {
  const at = (size: number): Buffer | null =>
    tail.length >= size ? tail.subarray(tail.length - size) : null;
  const gzipHeader = (f: Buffer) => f[0] === 0x1f && f[1] === 0x8b && f[2] === 8 && (f[3]! & 4) !== 0;
  const f = at(FOOTER_SIZE);
  if (
    f !== null &&
    gzipHeader(f) &&
    f.readUInt16LE(10) === 26 &&
    f[12] === 0x53 && // 'S'
    f[13] === 0x47 && // 'G'
    f.readUInt16LE(14) === 22 &&
    f.toString("latin1", 32, 38) === "STARGZ"
  ) {
    const off = hexOffset(f.toString("latin1", 16, 32));
    return off === null ? null : { tocOffset: off, footerSize: FOOTER_SIZE };
  }
  const l = at(LEGACY_FOOTER_SIZE);
  if (l !== null && gzipHeader(l) && l.readUInt16LE(10) === 22 && l.toString("latin1", 28, 34) === "STARGZ") {
    const off = hexOffset(l.toString("latin1", 12, 28));
    return off === null ? null : { tocOffset: off, footerSize: LEGACY_FOOTER_SIZE };
  }
  return null;
}

function hexOffset(s: string): number | null {
  if (!/^[0-9a-fA-F]{16}$/.test(s)) return null;
  const n = Number.parseInt(s, 16);
  return Number.isSafeInteger(n) ? n : null;
}

export interface EstargzArgs {
  size: number;
  digest: string;
  fetcher: Fetcher;
  limits: TocLimits;
  builder: LayerContentsBuilder;
}

/**
 * List an eStargz layer from its footer and TOC. The TOC is itself a tar entry
 * (`stargz.index.json`) in the blob's last gzip member; whether a plain tar reader sees it depends
 * on the writer: a converted layer (ctr-remote, AppendTar) never wrote the tar's end-of-archive
 * blocks, so the TOC entry follows the last file; a lossless one (BuildKit, AppendTarLossLess)
 * kept them before the TOC, which then hides past the end. We emit the entry exactly when the
 * bytes before the TOC hold no end-of-archive block, so the listing equals the streamed one.
 */
export async function listEstargz(a: EstargzArgs): Promise<LayerToc> {
  const { size, fetcher } = a;
  if (size < LEGACY_FOOTER_SIZE)
    throw new TocError(`the blob (${size} bytes) is too small for an eStargz footer`);
  const tailStart = size - Math.min(size, TAIL_GUESS);
  const tail = await fetcher.range(tailStart, size - 1);
  const footer = parseEstargzFooter(tail);
  if (footer === null) throw new TocError("the blob does not end in an eStargz footer");
  const { tocOffset, footerSize } = footer;
  const tocEnd = size - footerSize;
  if (tocOffset >= tocEnd) {
    throw new TocError(`the footer puts the TOC at byte ${tocOffset}, past the blob's ${tocEnd} data bytes`);
  }
  if (tocEnd - tocOffset > a.limits.maxTocBytes) {
    throw new TocError(
      `the compressed TOC would be ${tocEnd - tocOffset} bytes, over ${a.limits.maxTocBytes}`,
    );
  }
  // The 8 bytes before the TOC end the previous gzip member: its CRC and uncompressed size.
  const from = Math.max(0, tocOffset - 8);
  const spanStart = Math.min(from, tailStart);
  const span = from >= tailStart ? tail : Buffer.concat([await fetcher.range(from, tailStart - 1), tail]);
  fetcher.remember(spanStart, span);
  const region = span.subarray(from - spanStart, tocEnd - spanStart);
  const isize = tocOffset >= 8 ? region.readUInt32LE(tocOffset - from - 4) : null;
  const member = region.subarray(tocOffset - from);

  const reader = new PieceReader(inflate("gzip", once(member)));
  let head: Buffer;
  let json: Buffer;
  let after: Buffer;
  try {
    head = await reader.read(512);
    if (head.length < 512 || !checksumOk(head, 0)) {
      throw new TocError("the TOC's gzip member does not start with a tar header");
    }
    const name = headerName(head, 0);
    const flag = head[156];
    if (name !== TOC_TAR_NAME || (flag !== 0x30 && flag !== 0)) {
      throw new TocError(`the TOC's gzip member holds '${name.slice(0, 100)}', not ${TOC_TAR_NAME}`);
    }
    const jsonSize = parseNumeric(head, 124, 12);
    if (!(jsonSize >= 0)) throw new TocError(`the ${TOC_TAR_NAME} header has a bad size`);
    if (jsonSize > a.limits.maxTocBytes) {
      throw new TocError(`the TOC is ${jsonSize} bytes of JSON, over ${a.limits.maxTocBytes}`);
    }
    json = await reader.read(jsonSize);
    if (json.length < jsonSize)
      throw new TocError(`the TOC is truncated (${json.length} of ${jsonSize} bytes)`);
    after = await reader.read(padding(jsonSize) + 512);
  } finally {
    await reader.close();
  }
  const actual = `sha256:${createHash("sha256").update(json).digest("hex")}`;
  if (actual !== a.digest.toLowerCase()) {
    throw new TocError(`the TOC's digest is ${actual}, not the annotated ${a.digest.slice(0, 80)}`);
  }
  const { toc, last, emit } = readTocEntries(json, {
    format: "estargz",
    compression: "gzip",
    blobSize: size,
    dataEnd: tocOffset,
    limits: a.limits,
    tocDigest: actual,
  });

  const expected = (last.uncompressedEnd + 512 * last.entriesAfter) % 2 ** 32;
  // Equal sizes leave no room for end-of-archive blocks: no need to read the member itself.
  const visible =
    isize === expected ||
    (await noEndBlocksBefore(fetcher, last.start, last.uncompressedEnd, tocOffset, "the last file's data"));
  emit(a.builder);
  if (visible) {
    const rest = after.subarray(padding(json.length));
    if (rest.length > 0 && (rest.length < 512 || !isZeroBlock(rest, 0))) {
      throw new TocError(`the TOC's gzip member holds more than ${TOC_TAR_NAME}`);
    }
    toc.tocEntry = {
      name: headerName(head, 0),
      start: tocOffset,
      end: tocEnd,
      skip: 512,
      size: json.length,
      digest: actual.slice(7),
    };
    a.builder.add(
      {
        name: headerName(head, 0),
        type: EntryType.File,
        mode: numberOr0(parseNumeric(head, 100, 8)),
        uid: numberOr0(parseNumeric(head, 108, 8)),
        gid: numberOr0(parseNumeric(head, 116, 8)),
        size: json.length,
        mtime: numberOr0(parseNumeric(head, 136, 12)),
        linkName: null,
      },
      sha256HexBytes(actual),
    );
  }
  return toc;
}

/**
 * Decompress [start, end) of the blob, skip `skip` bytes, then walk tar headers to the end:
 * false at the first all-zero block (the tar ends there), true when the data runs out first.
 */
async function noEndBlocksBefore(
  fetcher: Fetcher,
  start: number,
  skip: number,
  end: number,
  what: string,
): Promise<boolean> {
  if (end - start > MAX_TAIL_PROBE) {
    throw new TocError(`telling whether the TOC entry is visible would need ${end - start} more bytes`);
  }
  const reader = new PieceReader(inflate("gzip", fetcher.windows(start, end)));
  try {
    if ((await reader.skip(skip)) < skip) throw new TocError(`${what} is shorter than the TOC says`);
    for (;;) {
      const block = await reader.read(512);
      if (block.length === 0) return true;
      if (block.length < 512) throw new TocError("the tar data before the TOC ends inside a block");
      if (isZeroBlock(block, 0)) return false;
      if (!checksumOk(block, 0))
        throw new TocError("a corrupt tar header lies between the last file and the TOC");
      const n = parseNumeric(block, 124, 12);
      if (!(n >= 0)) throw new TocError("a tar header before the TOC has a bad size");
      const skipped = await reader.skip(n + padding(n));
      if (skipped < n + padding(n)) throw new TocError("the tar data before the TOC ends inside an entry");
    }
  } finally {
    await reader.close();
  }
}

function numberOr0(n: number): number {
  return Number.isNaN(n) ? 0 : n;
}
