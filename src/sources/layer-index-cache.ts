/**
 * A bounded on-disk cache of parsed layer indexes (entry columns, never the blobs), keyed by the
 * blob digest, so reopening an image does not read its layers again.
 *
 * One file per layer, `<64 hex>.lvi`:
 *   header (96 bytes, little-endian)
 *     0  magic "LVLAYIDX"          8  u32 format version     12 u32 header size (96)
 *     16 u32 payload bytes (low)   20 u32 payload bytes (high)
 *     24 32 bytes: the digest      56 32 bytes: sha256 of the payload
 *     88 u32 flags (bit 0: strings are UTF-16LE, else UTF-8; bit 1: data offsets;
 *                   bit 2: content hashes by HashScheme.Blake3Large, else SHA-256)   92 u32 reserved (0)
 *   payload
 *     u32 × 12 counts: entries, path nodes (root excluded), whiteouts, opaque dirs, links, problems,
 *                      skipped kinds, strings, string bytes, compression, listedBy string, package bytes
 *     f64 × 4: tarEntries, fileBytes, tarFileBytes, blobBytes
 *     f64[entries] size, mtime, [data offset when flagged]; i32[entries] node, uid, gid;
 *     u32[entries × 4] content hash (128 bits);
 *     i32[nodes] parent, name (a node's parent comes before it; local node 0 is the root);
 *     i32[whiteouts], i32[opaque dirs] (local nodes); i32[links] entry, string;
 *     i32[problems × 3] severity, entry string, message string; i32[skipped × 3] typeflag, count, first;
 *     i32[strings] length in UTF-16 units; u16[entries] mode; u8[entries] type; string bytes;
 *     package bytes: the layer's decoded package databases as UTF-8 JSON (none: the layer had none kept).
 * Every section starts 8- or 4-byte aligned, so columns are read through typed-array views and copied.
 */

import { createHash, randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { endianness, homedir as osHomedir } from "node:os";
import { join, posix, win32 } from "node:path";
import { UserError } from "../model/diagnostics.js";
import {
  type EntryProblem,
  EntryType,
  HASH_WORDS,
  HashScheme,
  type LayerContents,
  parseEntryName,
} from "../model/layer-contents.js";
import type { LayerPackageFiles } from "../model/package-db.js";
import { type PathTable, ROOT } from "../model/path-table.js";
import type { SkippedEntries } from "./layer-tar.js";
import { packagesFromJson, packagesToJson } from "./packages/package-json.js";
import type { Compression } from "./types.js";

export const LAYER_INDEX_FORMAT_VERSION = 4;
export const DEFAULT_CACHE_MAX_BYTES = 1024 * 1024 * 1024;

const MAGIC = Buffer.from("LVLAYIDX", "latin1");
const HEADER_BYTES = 96;
const COUNTS = 12;
const FIXED_BYTES = COUNTS * 4 + 4 * 8;
const BYTES_PER_ENTRY = 8 + 8 + 4 * 3 + 4 * HASH_WORDS + 2 + 1;
const FLAG_UTF16 = 1;
const FLAG_OFFSETS = 2;
const FLAG_BLAKE3_LARGE = 4;
// Node Buffers and typed arrays top out here on 64-bit hosts; anything larger is not ours.
const MAX_FILE_BYTES = 2 ** 31 - 1;
// A temp file this old belongs to a writer that died; younger ones may still be renamed into place.
const STALE_TEMP_MS = 10 * 60 * 1000;
const ENTRY_NAME = /^[0-9a-f]{64}\.lvi$/;
const TEMP_NAME = /^\.[0-9a-f]{64}\.[0-9a-f]+\.tmp$/;
const DIGEST = /^sha256:([0-9a-f]{64})$/;
const COMPRESSIONS: readonly Compression[] = ["none", "gzip", "zstd"];
const MAX_ENTRY_TYPE = EntryType.Fifo;

export interface CachedLayer {
  contents: LayerContents;
  compression: Compression;
  skipped: SkippedEntries[];
  /** Stored (compressed) bytes of the blob. */
  blobBytes: number;
  /** How the layer was listed, e.g. "stream" | "estargz-toc" | "zstd-chunked-toc". */
  listedBy: string;
  /** Its package databases, decoded; null when they were not kept (a TOC listing). */
  packages?: LayerPackageFiles | null;
}

export interface LayerIndexCacheOptions {
  /** Default: see `defaultCacheDir`. */
  dir?: string;
  /** Total size the entries may take; least recently used ones go past it. Default 1 GiB. */
  maxBytes?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** For the default directory; this host's by default. */
  platform?: NodeJS.Platform;
  homedir?: string;
}

export interface LayerIndexCacheStats {
  dir: string;
  entries: number;
  bytes: number;
  maxBytes: number;
}

/**
 * $XDG_CACHE_HOME/layerview/layers when set (and absolute, as the XDG spec asks), else the platform's
 * cache folder: ~/.cache/layerview/layers, ~/Library/Caches/layerview, %LOCALAPPDATA%\layerview\Cache.
 */
export function defaultCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = osHomedir(),
): string {
  const path = platform === "win32" ? win32 : posix;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "layerview", "layers");
  if (platform === "darwin") return path.join(home, "Library", "Caches", "layerview");
  if (platform === "win32") {
    const local = env.LOCALAPPDATA;
    const base = local && path.isAbsolute(local) ? local : path.join(home, "AppData", "Local");
    return path.join(base, "layerview", "Cache");
  }
  return path.join(home, ".cache", "layerview", "layers");
}

/** The hex part of a "sha256:<64 hex>" key; anything else is a caller bug, not a disk problem. */
function keyHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new TypeError(`layer index cache key must be "sha256:<64 hex digits>", got ${digest}`);
  return m[1]!;
}

export class LayerIndexCache {
  // The file format is little-endian raw columns; a big-endian host just has no cache.
  private readonly usable = endianness() === "LE";

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  static open(opts: LayerIndexCacheOptions = {}): LayerIndexCache {
    const maxBytes = opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new TypeError(`bad cache size limit ${maxBytes}`);
    const dir = opts.dir ?? defaultCacheDir(opts.env ?? process.env, opts.platform, opts.homedir);
    return new LayerIndexCache(dir, maxBytes);
  }

  /** The entry's file name, for tests and diagnostics. */
  fileFor(digest: string): string {
    return this.join(`${keyHex(digest)}.lvi`);
  }

  /**
   * The cached layer for a blob digest the caller verified, its paths interned into `paths`; null on a
   * miss. A corrupt, truncated, foreign or other-version entry is a miss and is removed.
   */
  async get(digest: string, paths: PathTable): Promise<CachedLayer | null> {
    const hex = keyHex(digest);
    if (!this.usable) return null;
    const file = this.join(`${hex}.lvi`);
    const read = await readEntryFile(file, Math.min(this.maxBytes, MAX_FILE_BYTES));
    if (read === "missing") return null;
    const layer = read === "corrupt" ? null : decodeEntry(read, Buffer.from(hex, "hex"), paths);
    if (layer === null) {
      await unlink(file).catch(() => {});
      return null;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return layer;
  }

  /**
   * Store a successfully read layer (its nodes in `paths`). Best effort: disk problems leave the cache
   * as it was and are not reported. Atomic: readers see the old entry, no entry, or the whole new one.
   */
  async put(digest: string, layer: CachedLayer, paths: PathTable): Promise<void> {
    const hex = keyHex(digest);
    if (!this.usable) return;
    const data = encodeEntry(layer, Buffer.from(hex, "hex"), paths, Math.min(this.maxBytes, MAX_FILE_BYTES));
    if (data === null) return;
    const temp = this.join(`.${hex}.${process.pid.toString(16)}${randomBytes(6).toString("hex")}.tmp`);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // No fsync: after a crash a short or garbled file fails its checksum and is read as a miss.
      await writeFile(temp, data, { flag: "wx", mode: 0o600 });
      await rename(temp, this.join(`${hex}.lvi`));
    } catch {
      await unlink(temp).catch(() => {});
      return;
    }
    await this.evict().catch(() => {});
  }

  async stats(): Promise<LayerIndexCacheStats> {
    const { entries } = await this.list();
    return {
      dir: this.dir,
      entries: entries.length,
      bytes: entries.reduce((sum, e) => sum + e.size, 0),
      maxBytes: this.maxBytes,
    };
  }

  /** Remove every entry (and leftover temp files); other files in the directory are left alone. */
  async clear(): Promise<{ removed: number; bytes: number }> {
    const { entries, temps } = await this.list();
    let removed = 0;
    let bytes = 0;
    const failures: string[] = [];
    for (const e of [...entries, ...temps]) {
      try {
        await unlink(this.join(e.name));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") continue;
        failures.push(code ?? String(err));
        continue;
      }
      if (ENTRY_NAME.test(e.name)) {
        removed++;
        bytes += e.size;
      }
    }
    if (failures.length > 0) {
      throw new UserError(
        `could not remove ${failures.length} of the cache's files in ${this.dir} (${failures[0]})`,
        "check the directory's permissions, or remove its *.lvi files by hand",
      );
    }
    return { removed, bytes };
  }

  /** Past the limit, remove least recently used entries (mtime, touched on every hit) until under it. */
  private async evict(): Promise<void> {
    const { entries, temps } = await this.list();
    const now = Date.now();
    for (const t of temps) {
      if (now - t.mtimeMs > STALE_TEMP_MS) await unlink(this.join(t.name)).catch(() => {});
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    if (total <= this.maxBytes) return;
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      try {
        await unlink(this.join(e.name));
      } catch (err) {
        // Another process evicted it first: its bytes are gone all the same.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") continue;
      }
      total -= e.size;
    }
  }

  private async list(): Promise<{ entries: ListedFile[]; temps: ListedFile[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { entries: [], temps: [] };
      throw new UserError(
        `cannot read the layer cache directory ${this.dir} (${code ?? String(err)})`,
        code === "ENOTDIR" ? "it is not a directory" : "check its permissions",
      );
    }
    const entries: ListedFile[] = [];
    const temps: ListedFile[] = [];
    for (const name of names) {
      const isEntry = ENTRY_NAME.test(name);
      if (!isEntry && !TEMP_NAME.test(name)) continue;
      let st: Stats;
      try {
        st = await lstat(this.join(name));
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      (isEntry ? entries : temps).push({ name, size: st.size, mtimeMs: st.mtimeMs });
    }
    return { entries, temps };
  }

  private join(name: string): string {
    return join(this.dir, name);
  }
}

interface ListedFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The whole file, "missing" when it cannot be opened, "corrupt" when it is no regular file of sane size. */
async function readEntryFile(file: string, cap: number): Promise<Buffer | "missing" | "corrupt"> {
  let fh: FileHandle;
  try {
    // Non-blocking so a FIFO planted under an entry's name cannot hang us; no symlinks followed.
    fh = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return "missing";
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return "missing";
    if (st.size < HEADER_BYTES || st.size > cap) return "corrupt";
    // Its own ArrayBuffer at offset 0, so aligned sections can be viewed as typed arrays.
    const buf = Buffer.allocUnsafeSlow(st.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === buf.length ? buf : "corrupt";
  } catch {
    return "missing";
  } finally {
    await fh.close().catch(() => {});
  }
}

/** Unique strings of an entry, each with an id; path names are deduplicated by the PathTable already. */
class StringTable {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();

  add(s: string): number {
    this.list.push(s);
    return this.list.length - 1;
  }

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.add(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

/**
 * The cache file for one layer: header + payload as laid out at the top of this file; null when it
 * would be larger than `maxFileBytes`.
 */
export function encodeEntry(
  layer: CachedLayer,
  digest: Buffer,
  paths: PathTable,
  maxFileBytes = MAX_FILE_BYTES,
): Buffer | null {
  const c = layer.contents;
  const n = c.count;
  const compression = COMPRESSIONS.indexOf(layer.compression);
  if (compression < 0) throw new TypeError(`unknown compression ${layer.compression}`);
  const { parents, nameIds, nameCount } = paths.columns();
  const size = parents.length;

  // Mark (-1) the nodes the layer uses and their ancestors, then number them in id order: parents come
  // first, and a fresh table gets them in the order a fresh read would intern them. 0 is the root.
  const local = new Int32Array(size);
  let nodeCount = 0;
  const mark = (nodes: ArrayLike<number>) => {
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (!(node >= 0 && node < size)) throw new RangeError(`node ${node} is not in this path table`);
      for (let x = node; x !== ROOT && local[x] === 0; x = parents[x]!) {
        local[x] = -1;
        nodeCount++;
      }
    }
  };
  mark(c.node);
  mark(c.whiteouts);
  mark(c.opaqueDirs);

  const strings = new StringTable();
  // Name id -> string id + 1 (0: not added yet).
  const nameString = new Int32Array(nameCount);
  const nodeParent = new Int32Array(nodeCount);
  const nodeName = new Int32Array(nodeCount);
  for (let x = 1, j = 0; j < nodeCount; x++) {
    if (local[x] === 0) continue;
    local[x] = j + 1;
    const nameId = nameIds[x]!;
    if (nameString[nameId] === 0) nameString[nameId] = strings.add(paths.nameById(nameId)) + 1;
    nodeParent[j] = local[parents[x]!]!;
    nodeName[j] = nameString[nameId]! - 1;
    j++;
  }
  const linkEntries = [...c.links.keys()];
  const linkStrings = linkEntries.map((i) => strings.id(c.links.get(i)!));
  const problems = c.problems.flatMap((p) => [
    p.severity === "error" ? 0 : 1,
    strings.id(p.entry),
    strings.id(p.message),
  ]);
  const skipped = layer.skipped.flatMap((s) => [strings.id(s.typeflag), s.count, strings.id(s.first)]);
  const listedBy = strings.id(layer.listedBy);

  const joined = strings.list.join("");
  // Lone surrogates do not survive UTF-8; such rare names go as UTF-16 so they come back unchanged.
  const utf16 = /\p{Cs}/u.test(joined);
  const stringBytes = Buffer.from(joined, utf16 ? "utf16le" : "utf8");
  const packageBytes =
    layer.packages == null ? Buffer.alloc(0) : Buffer.from(packagesToJson(layer.packages), "utf8");

  const offsets = c.dataOffset !== undefined;
  const payloadBytes =
    payloadSize(
      n,
      nodeCount,
      c.whiteouts.length + c.opaqueDirs.length + linkEntries.length * 2 + problems.length + skipped.length,
      strings.list.length,
      stringBytes.length,
    ) +
    (offsets ? n * 8 : 0) +
    packageBytes.length;
  if (HEADER_BYTES + payloadBytes > maxFileBytes) return null;
  const buf = Buffer.allocUnsafeSlow(HEADER_BYTES + payloadBytes);
  const ab = buf.buffer;
  let at = HEADER_BYTES;
  const u32 = (values: ArrayLike<number>) => {
    new Uint32Array(ab, at, values.length).set(values);
    at += values.length * 4;
  };
  const i32 = (values: ArrayLike<number>) => {
    new Int32Array(ab, at, values.length).set(values);
    at += values.length * 4;
  };
  const f64 = (values: ArrayLike<number>) => {
    new Float64Array(ab, at, values.length).set(values);
    at += values.length * 8;
  };
  u32([
    n,
    nodeCount,
    c.whiteouts.length,
    c.opaqueDirs.length,
    linkEntries.length,
    c.problems.length,
    layer.skipped.length,
    strings.list.length,
    stringBytes.length,
    compression,
    listedBy,
    packageBytes.length,
  ]);
  f64([c.tarEntries, c.fileBytes, c.tarFileBytes, layer.blobBytes]);
  f64(c.size.subarray(0, n));
  f64(c.mtime.subarray(0, n));
  if (c.dataOffset !== undefined) f64(c.dataOffset.subarray(0, n));
  const nodes = new Int32Array(ab, at, n);
  for (let i = 0; i < n; i++) nodes[i] = local[c.node[i]!]!;
  at += n * 4;
  u32(c.uid.subarray(0, n));
  u32(c.gid.subarray(0, n));
  u32(c.hash.subarray(0, n * HASH_WORDS));
  i32(nodeParent);
  i32(nodeName);
  i32(Array.from(c.whiteouts, (x) => local[x]!));
  i32(Array.from(c.opaqueDirs, (x) => local[x]!));
  i32(linkEntries);
  i32(linkStrings);
  i32(problems);
  i32(skipped);
  i32(strings.list.map((s) => s.length));
  new Uint16Array(ab, at, n).set(c.mode.subarray(0, n));
  at += n * 2;
  buf.set(c.type.subarray(0, n), at);
  at += n;
  buf.set(stringBytes, at);
  at += stringBytes.length;
  buf.set(packageBytes, at);
  at += packageBytes.length;
  if (at !== buf.length) throw new Error(`layer index encoding is off by ${buf.length - at} bytes`);

  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(LAYER_INDEX_FORMAT_VERSION, 8);
  buf.writeUInt32LE(HEADER_BYTES, 12);
  buf.writeUInt32LE(payloadBytes % 2 ** 32, 16);
  buf.writeUInt32LE(Math.floor(payloadBytes / 2 ** 32), 20);
  digest.copy(buf, 24);
  createHash("sha256").update(buf.subarray(HEADER_BYTES)).digest().copy(buf, 56);
  buf.writeUInt32LE(
    (utf16 ? FLAG_UTF16 : 0) |
      (offsets ? FLAG_OFFSETS : 0) |
      (c.hashScheme === HashScheme.Blake3Large ? FLAG_BLAKE3_LARGE : 0),
    88,
  );
  buf.writeUInt32LE(0, 92);
  return buf;
}

/** Payload bytes for these counts; `words` are the 4-byte cells of the variable-length int sections. */
function payloadSize(entries: number, nodes: number, words: number, strings: number, stringBytes: number) {
  return FIXED_BYTES + entries * BYTES_PER_ENTRY + nodes * 8 + words * 4 + strings * 4 + stringBytes;
}

class Corrupt extends Error {}

function check(ok: boolean): asserts ok {
  if (!ok) throw new Corrupt();
}

/**
 * The layer in a cache file, or null when the file is not a whole, valid entry of this version for
 * `digest`. Everything is validated before anything is interned, so a bad file leaves `paths` as it was.
 */
export function decodeEntry(buf: Buffer, digest: Buffer, paths: PathTable): CachedLayer | null {
  let own = buf;
  if (buf.byteOffset !== 0) {
    // Sections are viewed in place: they need the buffer to start its ArrayBuffer.
    own = Buffer.allocUnsafeSlow(buf.length);
    buf.copy(own);
  }
  try {
    return decode(own, digest, paths);
  } catch (e) {
    if (e instanceof Corrupt) return null;
    throw e;
  }
}

function decode(buf: Buffer, digest: Buffer, paths: PathTable): CachedLayer {
  check(buf.length >= HEADER_BYTES);
  check(buf.subarray(0, 8).equals(MAGIC));
  check(buf.readUInt32LE(8) === LAYER_INDEX_FORMAT_VERSION && buf.readUInt32LE(12) === HEADER_BYTES);
  const payloadBytes = buf.readUInt32LE(16) + buf.readUInt32LE(20) * 2 ** 32;
  check(payloadBytes === buf.length - HEADER_BYTES && payloadBytes >= FIXED_BYTES);
  check(buf.subarray(24, 56).equals(digest));
  const flags = buf.readUInt32LE(88);
  check((flags & ~(FLAG_UTF16 | FLAG_OFFSETS | FLAG_BLAKE3_LARGE)) === 0 && buf.readUInt32LE(92) === 0);
  const offsets = (flags & FLAG_OFFSETS) !== 0;
  const sum = createHash("sha256").update(buf.subarray(HEADER_BYTES)).digest();
  check(sum.equals(buf.subarray(56, 88)));

  const ab = buf.buffer;
  let at = HEADER_BYTES;
  const counts = new Uint32Array(ab, at, COUNTS);
  at += COUNTS * 4;
  const [n, nodeCount, nWhiteouts, nOpaque, nLinks, nProblems, nSkipped, nStrings, nStringBytes] = counts;
  const compression = COMPRESSIONS[counts[9]!];
  check(compression !== undefined);
  const nPackageBytes = counts[11]!;
  // Counts are u32, so this sum is exact: every allocation below is bounded by the file's size.
  const expected =
    payloadSize(
      n!,
      nodeCount!,
      nWhiteouts! + nOpaque! + nLinks! * 2 + nProblems! * 3 + nSkipped! * 3,
      nStrings!,
      nStringBytes!,
    ) +
    (offsets ? n! * 8 : 0) +
    nPackageBytes;
  check(expected === payloadBytes);
  const [tarEntries, fileBytes, tarFileBytes, blobBytes] = new Float64Array(ab, at, 4);
  at += 32;
  for (const v of [tarEntries!, fileBytes!, tarFileBytes!, blobBytes!]) check(Number.isFinite(v) && v >= 0);

  const take = <T>(
    ctor: new (b: ArrayBufferLike, o: number, l: number) => T,
    bytes: number,
    count: number,
  ) => {
    const view = new ctor(ab, at, count);
    at += count * bytes;
    return view;
  };
  const size = take(Float64Array, 8, n!).slice();
  const mtime = take(Float64Array, 8, n!).slice();
  const dataOffset = offsets ? take(Float64Array, 8, n!).slice() : undefined;
  const localNode = take(Int32Array, 4, n!);
  const uid = take(Uint32Array, 4, n!).slice();
  const gid = take(Uint32Array, 4, n!).slice();
  const hash = take(Uint32Array, 4, n! * HASH_WORDS).slice();
  const nodeParent = take(Int32Array, 4, nodeCount!);
  const nodeName = take(Int32Array, 4, nodeCount!);
  const whiteoutsLocal = take(Int32Array, 4, nWhiteouts!);
  const opaqueLocal = take(Int32Array, 4, nOpaque!);
  const linkEntry = take(Int32Array, 4, nLinks!);
  const linkString = take(Int32Array, 4, nLinks!);
  const problemCells = take(Int32Array, 4, nProblems! * 3);
  const skippedCells = take(Int32Array, 4, nSkipped! * 3);
  const lengths = take(Int32Array, 4, nStrings!);
  const mode = take(Uint16Array, 2, n!).slice();
  const type = take(Uint8Array, 1, n!).slice();
  const text = buf.toString(flags & FLAG_UTF16 ? "utf16le" : "utf8", at, at + nStringBytes!);
  let packages: LayerPackageFiles | null = null;
  if (nPackageBytes > 0) {
    packages = packagesFromJson(buf.toString("utf8", at + nStringBytes!, at + nStringBytes! + nPackageBytes));
    check(packages !== null);
  }
  check(!(flags & FLAG_UTF16) || nStringBytes! % 2 === 0);

  const strings: string[] = new Array(nStrings!);
  let pos = 0;
  for (let s = 0; s < nStrings!; s++) {
    const len = lengths[s]!;
    check(len >= 0 && pos + len <= text.length);
    strings[s] = text.slice(pos, pos + len);
    pos += len;
  }
  check(pos === text.length);
  const str = (id: number): string => {
    check(id >= 0 && id < nStrings!);
    return strings[id]!;
  };

  // Local nodes: parents first, each used by an entry or as an ancestor, names that a tar path yields.
  const localCount = nodeCount! + 1;
  const used = new Uint8Array(localCount);
  const markUsed = (x: number) => {
    check(x >= 0 && x < localCount);
    used[x] = 1;
  };
  for (let j = 0; j < nodeCount!; j++) {
    const p = nodeParent[j]!;
    check(p >= 0 && p <= j);
    const name = str(nodeName[j]!);
    check(name !== "" && name !== "." && name !== ".." && !name.includes("/"));
  }
  const entryAt = new Int32Array(localCount).fill(-1);
  let linked = 0;
  for (let i = 0; i < n!; i++) {
    const x = localNode[i]!;
    check(x >= 0 && x < localCount && entryAt[x] === -1);
    entryAt[x] = i;
    const t = type[i]!;
    check(t <= MAX_ENTRY_TYPE && Number.isFinite(size[i]!) && size[i]! >= 0 && Number.isFinite(mtime[i]!));
    check(x !== ROOT || t === EntryType.Dir);
    if (dataOffset !== undefined) check(Number.isSafeInteger(dataOffset[i]!) && dataOffset[i]! >= 0);
    if (t === EntryType.Symlink || t === EntryType.Hardlink) linked++;
  }
  for (let i = 0; i < n!; i++) markUsed(localNode[i]!);
  whiteoutsLocal.forEach(markUsed);
  opaqueLocal.forEach(markUsed);
  for (let j = nodeCount! - 1; j >= 0; j--) if (used[j + 1]) used[nodeParent[j]!] = 1;
  for (let x = 1; x < localCount; x++) check(used[x] === 1);

  // Symlinks and hardlinks each have a target, nothing else has one; hardlinks point at a normal path.
  check(linked === nLinks);
  const links = new Map<number, string>();
  for (let k = 0; k < nLinks!; k++) {
    const i = linkEntry[k]!;
    check(i >= 0 && i < n! && !links.has(i));
    const t = type[i]!;
    check(t === EntryType.Symlink || t === EntryType.Hardlink);
    const target = str(linkString[k]!);
    if (t === EntryType.Hardlink) {
      const parsed = parseEntryName(target);
      check(
        parsed.kind === "entry" && parsed.segments.length > 0 && `/${parsed.segments.join("/")}` === target,
      );
    }
    links.set(i, target);
  }
  const problems: EntryProblem[] = [];
  for (let k = 0; k < nProblems! * 3; k += 3) {
    const severity = problemCells[k]!;
    check(severity === 0 || severity === 1);
    problems.push({
      severity: severity === 0 ? "error" : "warning",
      entry: str(problemCells[k + 1]!),
      message: str(problemCells[k + 2]!),
    });
  }
  const skipped: SkippedEntries[] = [];
  for (let k = 0; k < nSkipped! * 3; k += 3) {
    const count = skippedCells[k + 1]!;
    check(count > 0);
    skipped.push({ typeflag: str(skippedCells[k]!), count, first: str(skippedCells[k + 2]!) });
  }
  const listedBy = str(counts[10]!);

  // Valid: now intern, parents first.
  const global = new Int32Array(localCount);
  global[0] = ROOT;
  for (let j = 0; j < nodeCount!; j++) {
    global[j + 1] = paths.internChild(global[nodeParent[j]!]!, strings[nodeName[j]!]!);
  }
  const node = new Int32Array(n!);
  for (let i = 0; i < n!; i++) node[i] = global[localNode[i]!]!;
  const contents: LayerContents = {
    count: n!,
    node,
    type,
    mode,
    uid,
    gid,
    size,
    mtime,
    hash,
    ...((flags & FLAG_BLAKE3_LARGE) !== 0 ? { hashScheme: HashScheme.Blake3Large } : {}),
    ...(dataOffset !== undefined ? { dataOffset } : {}),
    links,
    whiteouts: Int32Array.from(whiteoutsLocal, (x) => global[x]!),
    opaqueDirs: Int32Array.from(opaqueLocal, (x) => global[x]!),
    tarEntries: tarEntries!,
    fileBytes: fileBytes!,
    tarFileBytes: tarFileBytes!,
    problems,
  };
  return { contents, compression, skipped, blobBytes: blobBytes!, listedBy, packages };
}
