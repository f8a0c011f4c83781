/**
 * zstd decompression with no native build: `node:zlib`'s where the runtime has a complete one (Node 26;
 * 22.15+ and 24 have it but stop after a stream's first frame), else fzstd (pure JavaScript, a few
 * times slower than native: bench/zstd.js).
 */

import { createRequire } from "node:module";
import { Transform, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";
import type { Decompress } from "fzstd";
import { settled } from "./stream-io.js";

type NativeZstd = {
  createZstdDecompress?: (options?: { chunkSize?: number }) => Transform;
  zstdDecompressSync?: (data: Buffer) => Buffer;
};

/** "a" and "b" as two zstd frames with a skippable frame between: how zstd:chunked layers are laid out. */
const PROBE = Buffer.from(
  ["28b52ffd0458090000615b6e8ca9", "502a4d180400000000000000", "28b52ffd0458090000629b9ff31a"].join(""),
  "hex",
);

export type ZstdBackend = "node:zlib" | "node:zlib per frame" | "fzstd";

/**
 * Which decoder this runtime uses: node:zlib's where it reads every frame of a stream (Node 26);
 * node:zlib one frame at a time where it stops after the first (Node 22.15+ and 24: it would cut a
 * multi-frame layer short without an error); fzstd where node:zlib has no zstd.
 */
export function zstdBackend(): ZstdBackend {
  const z = zlib as NativeZstd;
  if (typeof z.createZstdDecompress !== "function" || typeof z.zstdDecompressSync !== "function")
    return "fzstd";
  try {
    return z.zstdDecompressSync(PROBE).toString("latin1") === "ab" ? "node:zlib" : "node:zlib per frame";
  } catch {
    return "node:zlib per frame";
  }
}

/**
 * A Transform that undoes zstd: concatenated frames and skippable frames (zstd:chunked's TOC) are
 * read as one stream. `force` picks a backend (tests run each one this runtime has).
 */
export function createZstdDecompress(options: { chunkSize?: number; force?: ZstdBackend } = {}): Transform {
  const backend = options.force ?? zstdBackend();
  const native = (zlib as NativeZstd).createZstdDecompress;
  if (backend === "fzstd" || native === undefined) return new FzstdTransform();
  const make = () => native({ chunkSize: options.chunkSize });
  return backend === "node:zlib" ? make() : new FrameByFrame(make);
}

/**
 * Whether a decompressor stops decoding while its output is not taken: node:zlib's do (gzip, zstd,
 * and zstd frame by frame, which passes it on); fzstd decodes each input chunk whole.
 */
export function stopsWhenOutputWaits(t: Transform): boolean {
  return !(t instanceof FzstdTransform);
}

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames: 0x184D2A50 to 0x184D2A5F. */
const isSkippable = (magic: number) => magic >>> 4 === 0x184d2a5;

/**
 * Cuts a zstd stream at its frame boundaries (read from the frame and block headers, which say how
 * long each part is) and decodes each frame with a fresh node:zlib decompressor; skippable frames are
 * passed over. Only headers are parsed here: the data itself is decoded natively.
 */
class FrameByFrame extends Transform {
  /** Header bytes being collected (frame magic, frame header, block header, skippable size). */
  private head: Buffer = Buffer.alloc(0);
  private need = 4;
  private state: "magic" | "frameHeader" | "block" | "blockBody" | "checksum" | "skip" = "magic";
  /** Bytes of the current part still to pass (block body, checksum) or to drop (skippable). */
  private left = 0;
  private lastBlock = false;
  private checksum = false;
  private frame: Transform | null = null;
  private frameDone: Promise<void> | null = null;
  private frameError: Error | null = null;

  constructor(private readonly make: () => Transform) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.consume(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.finishFrame().then(
      () => {
        if (this.state !== "magic" || this.head.length > 0) {
          const e = new Error("zstd stream truncated: unexpected end of data") as NodeJS.ErrnoException;
          e.code = "Z_BUF_ERROR";
          done(e);
        } else done();
      },
      (e: Error) => done(e),
    );
  }

  /**
   * The chunk being read and where its bytes of the current frame start (-1: not in a frame): a
   * frame's bytes go to its decompressor a whole chunk-span at a time, not block by block.
   */
  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  private spanStart = -1;

  private async consume(chunk: Buffer): Promise<void> {
    this.chunk = chunk;
    this.pos = 0;
    this.spanStart = this.frame !== null ? 0 : -1;
    while (this.pos < chunk.length) {
      if (this.frameError) throw this.frameError;
      if (this.state === "blockBody" || this.state === "checksum" || this.state === "skip") {
        const n = Math.min(this.left, chunk.length - this.pos);
        this.pos += n;
        this.left -= n;
        if (this.left === 0) await this.partDone();
        continue;
      }
      if (this.state === "block" && this.head.length === 0 && chunk.length - this.pos >= 3) {
        // The common case, a block header whole in this chunk: no copy.
        this.head = chunk.subarray(this.pos, this.pos + 3);
        this.pos += 3;
        await this.onHeader();
        continue;
      }
      const n = Math.min(this.need - this.head.length, chunk.length - this.pos);
      this.head = Buffer.concat([this.head, chunk.subarray(this.pos, this.pos + n)]);
      this.pos += n;
      if (this.head.length === this.need) await this.onHeader();
    }
    if (this.spanStart >= 0 && this.spanStart < chunk.length)
      await this.toFrame(chunk.subarray(this.spanStart));
    this.spanStart = -1;
  }

  private async onHeader(): Promise<void> {
    const h = this.head;
    switch (this.state) {
      case "magic": {
        const magic = h.readUInt32LE(0);
        if (isSkippable(magic)) {
          this.need = 8; // magic + u32 size
          this.state = "skip";
          if (h.length < 8) {
            this.state = "magic";
            return;
          }
          this.left = h.readUInt32LE(4);
          this.head = Buffer.alloc(0);
          if (this.left === 0) await this.partDone();
          return;
        }
        if (magic !== FRAME_MAGIC) throw corruptError("Unknown frame descriptor");
        if (h.length === 4) {
          this.need = 5;
          return;
        }
        const fhd = h[4]!;
        if (fhd & 0x08) throw corruptError("reserved bit set in a frame header");
        const single = (fhd & 0x20) !== 0;
        const fcsFlag = fhd >> 6;
        const fcs = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
        const did = [0, 1, 2, 4][fhd & 3]!;
        this.checksum = (fhd & 0x04) !== 0;
        this.need = 5 + (single ? 0 : 1) + did + fcs;
        this.state = "frameHeader";
        if (h.length < this.need) return;
        return this.onHeader();
      }
      case "frameHeader":
        this.frame = this.startFrame();
        await this.toFrame(h); // collected, possibly across chunks: the frame's bytes start after it
        this.spanStart = this.pos;
        this.head = Buffer.alloc(0);
        this.need = 3;
        this.state = "block";
        return;
      case "block": {
        const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        this.lastBlock = (v & 1) !== 0;
        const type = (v >> 1) & 3;
        if (type === 3) throw corruptError("reserved block type");
        this.left = type === 1 ? 1 : v >>> 3;
        this.head = Buffer.alloc(0);
        this.state = "blockBody";
        if (this.left === 0) await this.partDone();
        return;
      }
      default:
        return;
    }
  }

  /** A block body, checksum or skippable frame has been passed in full. */
  private async partDone(): Promise<void> {
    if (this.state === "blockBody" && !this.lastBlock) {
      this.state = "block";
      this.need = 3;
      return;
    }
    if (this.state === "blockBody" && this.checksum) {
      this.state = "checksum";
      this.left = 4;
      return;
    }
    if (this.state !== "skip") {
      if (this.spanStart >= 0) await this.toFrame(this.chunk.subarray(this.spanStart, this.pos));
      this.spanStart = -1;
      await this.finishFrame();
    }
    this.state = "magic";
    this.need = 4;
    this.head = Buffer.alloc(0);
  }

  /** The decompressor whose output comes here now (until it ends, also after `frame` was closed). */
  private output: Transform | null = null;

  private startFrame(): Transform {
    const d = this.make();
    this.frameError = null;
    // Backpressure through: a frame's decompressor waits while what it gave waits here (see _read).
    this.output = d;
    d.on("data", (c: Buffer) => {
      if (!this.push(c)) d.pause();
    });
    this.frameDone = new Promise<void>((resolve) => {
      d.once("end", resolve);
      d.once("error", (e: Error) => {
        this.frameError = e;
        resolve();
      });
    });
    return d;
  }

  private async toFrame(bytes: Buffer): Promise<void> {
    const d = this.frame;
    if (d === null || bytes.length === 0) return;
    if (!d.write(bytes)) await settled(d, "drain");
    if (this.frameError) throw this.frameError;
  }

  private async finishFrame(): Promise<void> {
    const d = this.frame;
    if (d === null) return;
    this.frame = null;
    d.end();
    await this.frameDone;
    if (this.frameError) throw this.frameError;
  }

  /** More is wanted: the frame's decompressor (paused when its output was not taken) goes on. */
  override _read(size: number): void {
    if (this.output?.isPaused()) this.output.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.frame?.destroy();
    done(error);
  }
}

function corruptError(message: string): Error {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = "ZSTD_error_corruption_detected";
  return e;
}

/**
 * fzstd as a stream. It decodes synchronously block by block (≤ 128 KiB each), so one input chunk's
 * output is bounded by what that chunk can expand to; callers that fear bombs feed small chunks.
 */
class FzstdTransform extends Transform {
  private readonly decoder: Decompress;

  constructor() {
    super();
    // fzstd loads only where node:zlib has no zstd and a zstd layer comes (~10 ms of start-up otherwise).
    const fzstd = createRequire(import.meta.url)("fzstd") as typeof import("fzstd");
    this.decoder = new fzstd.Decompress((block) => {
      if (block.length > 0) this.push(Buffer.from(block.buffer, block.byteOffset, block.length));
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      done();
    } catch (e) {
      done(corrupt(e));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (e) {
      done(corrupt(e));
    }
  }
}

/** fzstd's errors carry codes; "unexpected EOF" (code 5) is a truncated stream. */
function corrupt(e: unknown): Error {
  const err = e as Error & { code?: number };
  if (err.code !== 5) return corruptError(err.message);
  const out = new Error("zstd stream truncated: unexpected end of data") as NodeJS.ErrnoException;
  out.code = "ZSTD_TRUNCATED";
  return out;
}
