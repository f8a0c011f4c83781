import {
  EntryType,
  type LayerContentsBuilder,
  parseEntryName,
  type TarEntryHeader,
} from "../../model/layer-contents.js";
import { TocError } from "./errors.js";
import type { TocCompression } from "./inflate.js";

export type TocFormat = "estargz" | "zstd:chunked";

/** Uncompressed TOC JSON larger than this is refused (V8 strings stop at ~512 MiB anyway). */
export const MAX_TOC_BYTES = 256 * 1024 * 1024;
/** More entries than this is refused: JSON.parse would need gigabytes for them. */
export const MAX_TOC_ENTRIES = 2_000_000;

export interface TocLimits {
  maxEntries: number;
  maxTocBytes: number;
}

const TYPE_OF: Record<string, EntryType> = {
  reg: EntryType.File,
  dir: EntryType.Dir,
  symlink: EntryType.Symlink,
  hardlink: EntryType.Hardlink,
  char: EntryType.CharDevice,
  block: EntryType.BlockDevice,
  fifo: EntryType.Fifo,
};

const DIGEST = /^sha256:([0-9a-fA-F]{64})$/;
const RFC3339 = /^(\d{4,})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** sha256 of no bytes: the content hash of every empty regular file. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** A SHA-256 given in hex (`sha256:` optional) as its 32 bytes (the layer model keeps the first 16). */
export function sha256HexBytes(hex: string): Uint8Array {
  const h = hex.startsWith("sha256:") ? hex.slice(7) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new TocError(`'${hex.slice(0, 80)}' is not a SHA-256 digest`);
  return Buffer.from(h, "hex");
}

/** RFC 3339 time (as Go writes it) to seconds; the fraction is kept as written, like a pax mtime. */
export function parseModtime(s: string): number | null {
  const m = RFC3339.exec(s);
  if (m === null) return null;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let secs = d.getTime() / 1000;
  const tz = m[8]!;
  if (tz !== "Z" && tz !== "z") {
    const sign = tz[0] === "-" ? -1 : 1;
    secs -= sign * (Number(tz.slice(1, 3)) * 3600 + Number(tz.slice(4, 6)) * 60);
  }
  const frac = m[7];
  if (frac === undefined || !Number.isFinite(secs)) return Number.isFinite(secs) ? secs : null;
  // Parse "secs.fraction" as one decimal so the double is the same one a pax mtime gives.
  return secs >= 0 ? Number(`${secs}${frac}`) : secs + Number(`0${frac}`);
}

/** `{` outside JSON strings: an upper bound on objects, found before JSON.parse builds them. */
export function countJsonObjects(buf: Buffer): number {
  let n = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) n++;
  }
  return n;
}

/** The parts of a TOC that `cat` needs: where each regular file's chunks lie in the blob. */
export interface TocTables {
  fileNames: string[];
  /** TOC entry index of each file (to order files against hard links). */
  fileEntry: Uint32Array;
  fileSize: Float64Array;
  /** 32 bytes per file: the SHA-256 of its content. */
  fileDigest: Uint8Array;
  /** Chunks of file i: [fileFirstChunk[i], fileFirstChunk[i + 1]). */
  fileFirstChunk: Uint32Array;
  chunkStart: Float64Array;
  /** Exclusive end of the compressed range holding the chunk. */
  chunkEnd: Float64Array;
  /** Uncompressed bytes to skip from chunkStart before the chunk's data (eStargz innerOffset). */
  chunkSkip: Float64Array;
  chunkLength: Float64Array;
  /** 32 bytes per chunk; chunkHasDigest says whether the TOC gave one. */
  chunkDigest: Uint8Array;
  chunkHasDigest: Uint8Array;
  linkNames: string[];
  linkTargets: string[];
  linkEntry: Uint32Array;
}

/** A layer's table of contents, kept after listing so `cat` can fetch single files. */
/** The eStargz TOC's own tar entry, listed when a tar reader sees it, so `cat` can read it too. */
export interface TocEntryFile {
  name: string;
  /** The TOC's gzip member: [start, end). */
  start: number;
  end: number;
  /** Its tar header, before the JSON. */
  skip: number;
  size: number;
  /** Hex sha256 of the JSON. */
  digest: string;
}

export class LayerToc {
  private index: Map<string, number> | null = null;
  /** Set by the eStargz reader when it lists the TOC entry. */
  tocEntry: TocEntryFile | null = null;

  constructor(
    readonly format: TocFormat,
    readonly compression: TocCompression,
    readonly blobSize: number,
    /** Blob offset where the TOC region starts: file data lies before it. */
    readonly dataEnd: number,
    /** TOC entries, chunks included. */
    readonly entryCount: number,
    /** "sha256:…" of what was verified (the JSON or the compressed manifest). */
    readonly tocDigest: string,
    readonly tables: TocTables,
  ) {}

  /** The file index for a name (hard links followed), or -1; the last entry for a path wins. */
  lookup(rawName: string): number {
    const index = this.buildIndex();
    let key = normalise(rawName);
    for (let hops = 0; key !== null && hops < 64; hops++) {
      const v = index.get(key);
      if (v === undefined) return -1;
      if (v >= 0) return v;
      key = normalise(this.tables.linkTargets[-v - 1]!);
    }
    return -1;
  }

  private buildIndex(): Map<string, number> {
    if (this.index !== null) return this.index;
    const t = this.tables;
    // Files and hard links merged in TOC order, so a later entry for the same path wins.
    const index = new Map<string, number>();
    let f = 0;
    let l = 0;
    while (f < t.fileNames.length || l < t.linkNames.length) {
      const takeFile =
        l >= t.linkNames.length || (f < t.fileNames.length && t.fileEntry[f]! < t.linkEntry[l]!);
      const key = normalise(takeFile ? t.fileNames[f]! : t.linkNames[l]!);
      if (key !== null) index.set(key, takeFile ? f : -(l + 1));
      if (takeFile) f++;
      else l++;
    }
    this.index = index;
    return index;
  }
}

/** A raw tar name as the layer model keys it ("./etc/x/" → "etc/x"), or null for the root and markers. */
export function normalise(raw: string): string | null {
  const p = parseEntryName(raw);
  return p.kind === "entry" && p.segments.length > 0 ? p.segments.join("/") : null;
}

interface EntryJson {
  [key: string]: unknown;
}

export interface ReadEntriesContext {
  format: TocFormat;
  compression: TocCompression;
  blobSize: number;
  dataEnd: number;
  limits: TocLimits;
  tocDigest: string;
}

/** What the eStargz tail check needs to know about the last file data before the TOC. */
export interface LastData {
  /** Blob offset of the compressed stream holding the last chunk, or 0 when no file has data. */
  start: number;
  /** Uncompressed bytes in that stream up to the end of the last file's padding. */
  uncompressedEnd: number;
  /** TOC entries (headers) after the last chunk: each has at least one 512-byte header. */
  entriesAfter: number;
}

export interface ReadEntries {
  toc: LayerToc;
  last: LastData;
  /** Hand every entry but `chunk`s to the builder, in TOC (= tar) order. */
  emit(builder: LayerContentsBuilder): void;
}

/**
 * Parse and check TOC JSON ({"version":1,"entries":[…]}: eStargz's and zstd:chunked's share the
 * fields used here) and keep the chunk tables. Throws TocError naming the first entry that is not
 * what a TOC writer makes — before anything reaches the builder, so a refused TOC leaves no trace.
 */
export function readTocEntries(json: Buffer, ctx: ReadEntriesContext): ReadEntries {
  const { limits } = ctx;
  if (countJsonObjects(json) > limits.maxEntries * 2 + 1) {
    throw new TocError(`the TOC lists more than ${limits.maxEntries} entries`);
  }
  let root: unknown;
  try {
    root = JSON.parse(json.toString("utf8"));
  } catch (e) {
    throw new TocError(`the TOC is not JSON (${(e as Error).message})`);
  }
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    throw new TocError("the TOC is not a JSON object");
  }
  const { version, entries } = root as { version?: unknown; entries?: unknown };
  if (version !== 1) throw new TocError(`the TOC has version ${JSON.stringify(version) ?? "none"}, not 1`);
  if (!Array.isArray(entries)) throw new TocError("the TOC has no 'entries' list");
  if (entries.length > limits.maxEntries) {
    throw new TocError(`the TOC lists ${entries.length} entries, more than ${limits.maxEntries}`);
  }

  const fileNames: string[] = [];
  const fileEntry: number[] = [];
  const fileSize: number[] = [];
  const fileDigest: string[] = [];
  const fileEndOffset: number[] = [];
  const fileFirstChunk: number[] = [];
  const chunkStart: number[] = [];
  const chunkSkip: number[] = [];
  const chunkFileOffset: number[] = [];
  const chunkSizeField: number[] = [];
  const chunkDigest: (string | null)[] = [];
  const linkNames: string[] = [];
  const linkTargets: string[] = [];
  const linkEntry: number[] = [];
  let current = -1; // the file that following `chunk` entries continue
  let lastDataEntry = -1;
  const header = emptyHeader();

  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as EntryJson;
    if (typeof e !== "object" || e === null || Array.isArray(e))
      throw new TocError(`TOC entry ${i} is not an object`);
    const name = e.name;
    if (e.type === "chunk") {
      // stargz-snapshotter gives a chunk to the file before it whatever its name; we refuse only another name.
      const where = `TOC entry ${i} (a chunk)`;
      if (current < 0 || (name !== undefined && name !== "" && name !== fileNames[current])) {
        throw new TocError(`${where} does not follow its file`);
      }
      chunkStart.push(int(e, "offset", where));
      chunkSkip.push(int(e, "innerOffset", where));
      chunkFileOffset.push(int(e, "chunkOffset", where));
      chunkSizeField.push(int(e, "chunkSize", where));
      chunkDigest.push(digestOf(e, "chunkDigest", where));
      lastDataEntry = i;
      continue;
    }
    if (typeof name !== "string" || name === "") throw new TocError(`TOC entry ${i} has no name`);
    const where = `TOC entry ${i} ('${name.slice(0, 200)}')`;
    const type = toHeader(e, where, header);
    current = -1;
    if (type !== EntryType.File) {
      if (type === EntryType.Hardlink) {
        linkNames.push(name);
        linkTargets.push(header.linkName ?? "");
        linkEntry.push(i);
      }
      continue;
    }
    const size = header.size;
    let digest = digestOf(e, "digest", where);
    if (digest === null) {
      if (size > 0) throw new TocError(`${where} has no content digest`);
      digest = EMPTY_SHA256;
    }
    current = fileNames.length;
    fileNames.push(name);
    fileEntry.push(i);
    fileSize.push(size);
    fileDigest.push(digest);
    fileEndOffset.push(int(e, "endOffset", where));
    fileFirstChunk.push(chunkStart.length);
    if (size > 0) {
      // Offset 0 is real: eStargz puts a small first file in the gzip member that starts the blob.
      chunkStart.push(int(e, "offset", where));
      chunkSkip.push(int(e, "innerOffset", where));
      chunkFileOffset.push(int(e, "chunkOffset", where));
      chunkSizeField.push(int(e, "chunkSize", where));
      chunkDigest.push(digestOf(e, "chunkDigest", where));
      lastDataEntry = i;
    }
  }
  fileFirstChunk.push(chunkStart.length);

  const tables = chunkTables(ctx, {
    fileNames,
    fileSize,
    fileEndOffset,
    fileFirstChunk,
    chunkStart,
    chunkSkip,
    chunkFileOffset,
    chunkSizeField,
  });
  const digestBytes = new Uint8Array(fileDigest.length * 32);
  fileDigest.forEach((d, i) => {
    digestBytes.set(Buffer.from(d, "hex"), i * 32);
  });
  const chunkDigestBytes = new Uint8Array(chunkDigest.length * 32);
  const chunkHasDigest = new Uint8Array(chunkDigest.length);
  chunkDigest.forEach((d, i) => {
    if (d === null) return;
    chunkDigestBytes.set(Buffer.from(d, "hex"), i * 32);
    chunkHasDigest[i] = 1;
  });

  const toc = new LayerToc(
    ctx.format,
    ctx.compression,
    ctx.blobSize,
    ctx.dataEnd,
    entries.length,
    ctx.tocDigest,
    {
      fileNames,
      fileEntry: Uint32Array.from(fileEntry),
      fileSize: Float64Array.from(fileSize),
      fileDigest: digestBytes,
      fileFirstChunk: Uint32Array.from(fileFirstChunk),
      chunkStart: Float64Array.from(chunkStart),
      chunkEnd: tables.chunkEnd,
      chunkSkip: Float64Array.from(chunkSkip),
      chunkLength: tables.chunkLength,
      chunkDigest: chunkDigestBytes,
      chunkHasDigest,
      linkNames,
      linkTargets,
      linkEntry: Uint32Array.from(linkEntry),
    },
  );

  let last: LastData;
  const n = chunkStart.length;
  let entriesAfter = 0;
  for (let i = lastDataEntry + 1; i < entries.length; i++)
    if ((entries[i] as EntryJson).type !== "chunk") entriesAfter++;
  if (n === 0) last = { start: 0, uncompressedEnd: 0, entriesAfter };
  else {
    const file = tables.chunkFile[n - 1]!;
    const size = fileSize[file]!;
    last = {
      start: chunkStart[n - 1]!,
      uncompressedEnd: chunkSkip[n - 1]! + tables.chunkLength[n - 1]! + padding(size),
      entriesAfter,
    };
  }
  const emit = (builder: LayerContentsBuilder): void => {
    const h = emptyHeader();
    let file = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as EntryJson;
      if (e.type === "chunk") continue;
      const type = toHeader(e, "", h);
      if (type !== EntryType.File) builder.add(h);
      else {
        builder.add(h, digestBytes.subarray(file * 32, file * 32 + 32));
        file++;
      }
    }
  };
  return { toc, last, emit };
}

function emptyHeader(): TarEntryHeader {
  return { name: "", type: EntryType.File, mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, linkName: null };
}

/** Fill `h` from a checked non-chunk entry; returns its type. */
function toHeader(e: EntryJson, where: string, h: TarEntryHeader): EntryType {
  const typeName = e.type;
  const type = typeof typeName === "string" ? TYPE_OF[typeName] : undefined;
  if (type === undefined) throw new TocError(`${where} has an unknown type ${JSON.stringify(typeName)}`);
  h.name = e.name as string;
  h.type = type;
  h.mode = int(e, "mode", where);
  h.uid = int(e, "uid", where);
  h.gid = int(e, "gid", where);
  h.size = type === EntryType.File ? int(e, "size", where) : 0;
  const modtime = e.modtime;
  if (modtime === undefined || modtime === null || modtime === "") h.mtime = 0;
  else {
    const t = typeof modtime === "string" ? parseModtime(modtime) : null;
    if (t === null) throw new TocError(`${where} has a bad modtime ${JSON.stringify(modtime).slice(0, 60)}`);
    h.mtime = t;
  }
  const link = e.linkName;
  if (link !== undefined && link !== null && typeof link !== "string") {
    throw new TocError(`${where} has a linkName that is not a string`);
  }
  h.linkName =
    type === EntryType.Symlink || type === EntryType.Hardlink ? ((link as string | undefined) ?? "") : null;
  return type;
}

interface RawChunks {
  fileNames: string[];
  fileSize: number[];
  fileEndOffset: number[];
  fileFirstChunk: number[];
  chunkStart: number[];
  chunkSkip: number[];
  chunkFileOffset: number[];
  chunkSizeField: number[];
}

/** Per chunk: its uncompressed length and the end of its compressed range; checks they fit. */
function chunkTables(
  ctx: ReadEntriesContext,
  r: RawChunks,
): { chunkEnd: Float64Array; chunkLength: Float64Array; chunkFile: Uint32Array } {
  const n = r.chunkStart.length;
  const chunkEnd = new Float64Array(n);
  const chunkLength = new Float64Array(n);
  const chunkFile = new Uint32Array(n);
  // eStargz gives no end offsets: a chunk's stream ends where the next one starts (or at the TOC).
  const starts = Float64Array.from(r.chunkStart).sort();
  const nextStart = (at: number): number => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length ? starts[lo]! : ctx.dataEnd;
  };
  for (let f = 0; f < r.fileNames.length; f++) {
    const first = r.fileFirstChunk[f]!;
    const end = r.fileFirstChunk[f + 1]!;
    const size = r.fileSize[f]!;
    const where = `the chunks of '${r.fileNames[f]!.slice(0, 200)}'`;
    for (let c = first; c < end; c++) {
      chunkFile[c] = f;
      const from = r.chunkFileOffset[c]!;
      const to = c + 1 < end ? r.chunkFileOffset[c + 1]! : size;
      if ((c === first && from !== 0) || to <= from || to > size) {
        throw new TocError(`${where} do not cover the file in order`);
      }
      const length = to - from;
      if (r.chunkSizeField[c]! !== 0 && r.chunkSizeField[c]! !== length) {
        throw new TocError(`${where} have sizes that do not add up`);
      }
      chunkLength[c] = length;
      const start = r.chunkStart[c]!;
      const fileEnd = r.fileEndOffset[f]!;
      const stop = fileEnd > 0 ? (c + 1 < end ? r.chunkStart[c + 1]! : fileEnd) : nextStart(start);
      if (start >= stop || stop > ctx.dataEnd) {
        throw new TocError(`${where} point outside the blob's data (bytes ${start}-${stop})`);
      }
      chunkEnd[c] = stop;
    }
  }
  return { chunkEnd, chunkLength, chunkFile };
}

function int(e: EntryJson, key: string, where: string): number {
  const v = e[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new TocError(`${where} has a bad ${key} ${JSON.stringify(v).slice(0, 40)}`);
  }
  return v;
}

function digestOf(e: EntryJson, key: string, where: string): string | null {
  const v = e[key];
  if (v === undefined || v === null || v === "") return null;
  const m = typeof v === "string" ? DIGEST.exec(v) : null;
  if (m === null) throw new TocError(`${where} has a ${key} that is not sha256:<64 hex digits>`);
  return m[1]!.toLowerCase();
}

function padding(size: number): number {
  const rest = size % 512;
  return rest === 0 ? 0 : 512 - rest;
}
