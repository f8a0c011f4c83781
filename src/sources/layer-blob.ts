import type { Transform } from "node:stream";
import { finished } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { HashScheme, type LayerContents, LayerContentsBuilder } from "../model/layer-contents.js";
import type { LayerPackageFiles } from "../model/package-db.js";
import { PathTable } from "../model/path-table.js";
import { type ContentHashing, contentHashing } from "./content-hash.js";
import { type EntrySink, LayerTarParser, type SkippedEntries } from "./layer-tar.js";
import { PackageDbKeeper } from "./packages/package-keeper.js";
import { settled } from "./stream-io.js";
import { BLOCK, checksumOk, isZeroBlock, NOT_A_TAR, TarFormatError } from "./tar-format.js";
import type { Compression } from "./types.js";
import { createZstdDecompress, stopsWhenOutputWaits } from "./zstd.js";

/** Bytes needed to tell a tar from a compressed stream. */
export const SNIFF_BYTES = BLOCK;
/**
 * Decompressed bytes per chunk. zlib runs each chunk on a thread-pool thread and calls back here; at
 * 256 KiB the hand-overs and fresh buffers cost more than the decoding (375 MB, `--json`: zstd on
 * Node 24 0.62 → 0.46 s, gzip 1.35 → 1.18 s; gzip on Node 20 1.29 → 1.19 s). 4 MiB gains nothing more.
 */
export const OUTPUT_CHUNK = 1024 * 1024;
const PROGRESS_INTERVAL_MS = 100;
/**
 * How far a held reader (see `hold`) reads ahead of its turn. A decompressor that stops when its
 * output is not taken (node:zlib's gzip and zstd, also frame by frame) decodes up to
 * HOLD_DECODED_BYTES on zlib's thread pool — on the other core while this layer is parsed — and is
 * then paused (375 MB in 62 MB gzip layers, Node 20, `--json`: 16 MiB held 1.02 s, 32 MiB 0.97 s,
 * 64 MiB 0.81 s, 128 MiB 0.83 s; zstd on Node 24 0.47 → 0.42 s), for that much more peak memory.
 * fzstd expands a whole input chunk at once, which a crafted blob can make gigabytes (and decodes on
 * this thread, so ahead gains nothing): for it, as for an uncompressed layer, only HOLD_READ_BYTES of
 * input wait.
 */
const HOLD_DECODED_BYTES = 64 * 1024 * 1024;
const HOLD_READ_BYTES = 4 * 1024 * 1024;
/** Tar bytes after which `onEarly` tells what a layer looks like (a few thousand entries of small files). */
const EARLY_TAR_BYTES = 4 * 1024 * 1024;

interface Held {
  /** Input not given to the decompressor (or parser) yet. */
  raw: Buffer[];
  rawBytes: number;
  /** Decompressed, not parsed yet. */
  decoded: Buffer[];
  decodedBytes: number;
  released: Promise<void>;
  release: () => void;
}

/** Compression of a blob from its first bytes; null when it is neither gzip, zstd nor tar. */
export function sniffCompression(head: Buffer): Compression | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return "zstd";
  }
  if (head.length >= BLOCK && (isZeroBlock(head, 0) || checksumOk(head, 0))) return "none";
  return null;
}

/** Why a blob is not a layer, in words: names formats layerview recognises but does not read. */
export function describeUnrecognised(head: Buffer): string {
  if (head.length === 0) return "the blob is empty";
  if (head.subarray(0, 3).toString("latin1") === "BZh") return "bzip2-compressed layers are not supported";
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))) {
    return "xz-compressed layers are not supported";
  }
  if (head.length < BLOCK && (head.every((b) => b === 0) || head.includes(Buffer.from("ustar")))) {
    return "the layer tar is truncated";
  }
  const hex = head.subarray(0, 4).toString("hex").replace(/(..)/g, "$1 ").trim();
  return `the blob is not a tar, gzip or zstd stream (it starts with ${hex})`;
}

/** Entries handed somewhere other than a LayerContentsBuilder (a worker's batches), counted. */
export interface EntryCollector extends EntrySink {
  readonly entriesRead: number;
}

export interface LayerBlobResult {
  /** Null on error, and always when the entries went to an EntryCollector. */
  contents: LayerContents | null;
  /** Known once the first bytes were seen; null when they matched no layer format. */
  compression: Compression | null;
  error: string | null;
  /** Entries skipped for an unknown tar type (contents are still valid). */
  skipped: SkippedEntries[];
  /** Stored (compressed) bytes read. */
  blobBytes: number;
  /** Bytes of the tar itself (after decompression) parsed; absent where a source does not count them. */
  tarBytes?: number;
  /** The layer's package databases, decoded (null when the layer could not be read). */
  packages: LayerPackageFiles | null;
}

export interface LayerBlobOptions {
  /** Stored bytes read so far and tar entries parsed; throttled, and called once at the end. */
  onProgress?: (blobBytes: number, entries: number) => void;
  /**
   * Called once, when EARLY_TAR_BYTES of tar have been parsed (or at the end, if sooner): what the
   * layer looks like so far, for deciding how to read the layers after it.
   */
  onEarly?: (tarBytes: number, entries: number, blobBytes: number) => void;
  /** Keep each file's data offset when the blob is an uncompressed tar (its reader can fetch ranges). */
  dataOffsets?: boolean;
  /**
   * HashScheme.Sha256 to hash every file with SHA-256, as the TOC-listed layers of the same image are
   * (registry images with eStargz/zstd:chunked layers); default: BLAKE3 for large files where it loads.
   */
  hashScheme?: HashScheme;
}

/**
 * Reads one layer blob pushed to it chunk by chunk: sniffs gzip/zstd/tar from the first bytes,
 * decompresses, parses the tar into a LayerContentsBuilder. Never throws for bad data: the result
 * says what went wrong, and further chunks are just counted so a one-pass outer stream keeps going.
 */
export class LayerBlobReader {
  private head: Buffer[] = [];
  private headLength = 0;
  private started = false;
  private compression: Compression | null = null;
  private builder: LayerContentsBuilder | null = null;
  private readonly paths: PathTable | null;
  private readonly collector: EntryCollector | null;
  private parser: LayerTarParser | null = null;
  private readonly keeper = new PackageDbKeeper();
  private readonly hashing: ContentHashing;
  private decompressor: Transform | null = null;
  private decompressorDone: Promise<void> | null = null;
  private error: string | null = null;
  private blobBytes = 0;
  private lastProgress = 0;
  private held: Held | null = null;
  /** The decompressor stops when its output waits (see HOLD_DECODED_BYTES). */
  private decodesAhead = false;
  private earlyTold = false;

  /** Entries go into a LayerContentsBuilder on `target`, or to `target` itself when it is a collector. */
  constructor(
    target: PathTable | EntryCollector,
    private readonly options: LayerBlobOptions = {},
  ) {
    this.paths = target instanceof PathTable ? target : null;
    this.collector = target instanceof PathTable ? null : target;
    this.hashing = contentHashing(options.hashScheme ?? HashScheme.Blake3Large);
  }

  /** Returns a promise when the caller should wait before writing more (backpressure). */
  write(chunk: Buffer): Promise<void> | null {
    this.blobBytes += chunk.length;
    if (this.options.onProgress) {
      const now = Date.now();
      if (now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
        this.lastProgress = now;
        this.options.onProgress(this.blobBytes, this.entriesRead);
      }
    }
    if (this.error !== null) return null;
    if (!this.started) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength < SNIFF_BYTES) return null;
      const all = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
      this.head = [];
      this.start(all);
      if (this.error !== null) return null;
      return this.feed(all);
    }
    return this.feed(chunk);
  }

  /**
   * The last chunk written may still be in use (kept for sniffing, queued while held, or in a
   * decompressor); false once an uncompressed tar is being parsed, which copies whatever it keeps.
   */
  get holdsInput(): boolean {
    return !this.started || this.decompressor !== null || this.held !== null;
  }

  /**
   * Take bytes (and decompress them, on zlib's thread pool: another core) before this layer's turn,
   * but parse nothing until `release`: the layer before it is still being added to the same path
   * table, and layers are interned in image order. Up to HOLD_DECODED_BYTES (HOLD_READ_BYTES
   * uncompressed) wait; then writes wait too.
   * Call before the first write.
   */
  hold(): void {
    if (this.held !== null || this.started) return;
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held = { raw: [], rawBytes: 0, decoded: [], decodedBytes: 0, released, release };
  }

  /** This layer's turn: parse what waited, in order, and go on as an ordinary reader. */
  release(): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    for (const chunk of h.decoded) this.parse(chunk);
    // At most HOLD_READ_BYTES: given on at once, whatever the decompressor's backpressure.
    for (const chunk of h.raw) this.feed(chunk);
    h.release();
    if (this.decompressor !== null && !this.decompressor.destroyed) this.decompressor.resume();
  }

  async end(): Promise<LayerBlobResult> {
    if (this.held !== null) await this.held.released;
    if (!this.started && this.error === null) {
      const all = Buffer.concat(this.head);
      this.head = [];
      if (all.length === 0) {
        // A zero-byte blob: read as an empty layer rather than guessing.
        this.compression = "none";
        this.startParser(16, false);
        this.started = true;
      } else {
        this.start(all);
        if (this.error === null) {
          const wait = this.feed(all);
          if (wait) await wait;
        }
      }
    }
    if (this.decompressor && this.error === null) {
      this.decompressor.end();
      await this.decompressorDone;
    }
    if (this.error === null && this.parser) {
      try {
        this.parser.end();
      } catch (e) {
        this.fail(e);
      }
    }
    this.options.onProgress?.(this.blobBytes, this.entriesRead);
    this.early();
    const ok = this.error === null && this.parser !== null;
    return {
      contents: ok ? (this.builder?.finish() ?? null) : null,
      compression: this.compression,
      error: this.error,
      skipped: this.parser?.skippedEntries ?? [],
      blobBytes: this.blobBytes,
      tarBytes: this.parser?.bytes ?? 0,
      packages: ok ? await this.keeper.finish() : null,
    };
  }

  /** Stop reading (abort): release the decompressor. */
  destroy(): void {
    this.error ??= "reading was cancelled";
    this.decompressor?.destroy();
    const h = this.held;
    this.held = null;
    h?.release();
  }

  private start(head: Buffer): void {
    this.started = true;
    this.compression = sniffCompression(head);
    if (this.compression === null) {
      this.error = describeUnrecognised(head);
      return;
    }
    this.startParser(1024, this.compression === "none" && this.options.dataOffsets === true);
    if (this.compression === "none") return;
    const dec: Transform =
      this.compression === "gzip"
        ? createGunzip({ chunkSize: OUTPUT_CHUNK })
        : createZstdDecompress({ chunkSize: OUTPUT_CHUNK });
    this.decompressor = dec;
    this.decodesAhead = stopsWhenOutputWaits(dec);
    dec.on("data", (c: Buffer) => this.parse(c));
    // Destroyed early (cancelled, or the tar failed) it rejects as a premature close: the error is already set.
    this.decompressorDone = finished(dec).catch((e: unknown) => this.fail(e));
  }

  private startParser(capacity: number, dataOffsets: boolean): void {
    let sink: EntrySink | null = this.collector;
    if (this.paths !== null) {
      this.builder = new LayerContentsBuilder(this.paths, capacity, {
        dataOffsets,
        hashScheme: this.hashing.scheme,
      });
      sink = this.builder;
    }
    this.parser = new LayerTarParser(sink!, this.keeper, this.hashing);
  }

  private get entriesRead(): number {
    return (this.builder ?? this.collector)?.entriesRead ?? 0;
  }

  /**
   * Decompress nothing more until `until` settles: whoever takes the entries is behind. (An
   * uncompressed blob's writer waits on its own: nothing is parsed but what it writes.)
   */
  pauseOutputUntil(until: Promise<void>): void {
    const dec = this.decompressor;
    if (dec === null || dec.destroyed || !this.decodesAhead) return;
    dec.pause();
    until.then(() => {
      if (this.held === null && !dec.destroyed) dec.resume();
    });
  }

  /** Stored bytes written so far. */
  get blobBytesRead(): number {
    return this.blobBytes;
  }

  /** The hash scheme the entries' digests were made with. */
  get hashScheme(): HashScheme {
    return this.hashing.scheme;
  }

  private feed(chunk: Buffer): Promise<void> | null {
    const h = this.held;
    if (h !== null && (this.decompressor === null || !this.decodesAhead)) {
      h.raw.push(chunk);
      h.rawBytes += chunk.length;
      return h.rawBytes >= HOLD_READ_BYTES ? h.released : null;
    }
    if (this.decompressor === null) {
      this.parse(chunk);
      return null;
    }
    const dec = this.decompressor;
    if (dec.destroyed) return null;
    if (dec.write(chunk)) return null;
    return settled(dec, "drain");
  }

  private parse(chunk: Buffer): void {
    if (this.error !== null || this.parser === null) return;
    const h = this.held;
    if (h !== null) {
      h.decoded.push(chunk);
      h.decodedBytes += chunk.length;
      // Enough waits: the decompressor stops, its buffers fill, and writes wait for 'drain'.
      if (h.decodedBytes >= HOLD_DECODED_BYTES) this.decompressor?.pause();
      return;
    }
    try {
      this.parser.write(chunk);
    } catch (e) {
      this.fail(e);
      this.decompressor?.destroy();
    }
    if (this.parser.bytes >= EARLY_TAR_BYTES) this.early();
  }

  private early(): void {
    const f = this.options.onEarly;
    if (f === undefined || this.earlyTold) return;
    this.earlyTold = true;
    f(this.parser?.bytes ?? 0, this.entriesRead, this.blobBytes);
  }

  private fail(e: unknown): void {
    if (this.error !== null) return;
    this.error = describeFailure(e, this.compression);
  }
}

function describeFailure(e: unknown, compression: Compression | null): string {
  if (e instanceof TarFormatError) {
    if (compression === "none" || compression === null) return e.message;
    if (e.message === NOT_A_TAR) return `the ${compression} data does not hold a tar archive`;
    return `${e.message} (inside the ${compression} stream)`;
  }
  const err = e as NodeJS.ErrnoException;
  const message = err?.message ?? String(e);
  if (compression === "gzip") {
    if (err?.code === "Z_BUF_ERROR" || /unexpected end/i.test(message)) return "the gzip stream is truncated";
    return `the gzip data is corrupt (${message})`;
  }
  if (compression === "zstd") {
    if (err?.code === "Z_BUF_ERROR" || /ended in middle|truncated|incomplete|unexpected end/i.test(message))
      return "the zstd stream is truncated";
    return `the zstd data is corrupt (${message})`;
  }
  return message;
}
