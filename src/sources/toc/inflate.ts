import { Readable, type Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { createZstdDecompress, zstdBackend } from "../zstd.js";
import { TocError } from "./errors.js";

export type TocCompression = "gzip" | "zstd";

/** Compressed bytes handed to a decompressor at a time: bounds the output one step can produce. */
const INPUT_SLICE = 64 * 1024;
/** fzstd's input step: a zstd block of 4 bytes can stand for 128 KiB, so 1 KiB of input yields at most 32 MiB. */
const FZSTD_SLICE = 1024;

/**
 * Decompress a sequence of gzip members or zstd frames lazily: output comes piece by piece and
 * stops as soon as the consumer stops, so a bomb costs only what the consumer asked for.
 * (A one-shot decompress would allocate whatever size a frame header declares.)
 */
export function inflate(kind: TocCompression, input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (kind === "gzip") return pieces(createGunzip(), input, INPUT_SLICE, "gzip");
  // fzstd decodes a whole input chunk at once: small chunks bound what one step can expand to.
  const native = zstdBackend() === "node:zlib";
  return pieces(createZstdDecompress(), input, native ? INPUT_SLICE : FZSTD_SLICE, "zstd");
}

async function* slices(input: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const b of input) {
    for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
  }
}

async function* pieces(
  dec: Transform,
  input: AsyncIterable<Buffer>,
  slice: number,
  what: TocCompression,
): AsyncGenerator<Buffer> {
  const src = Readable.from(slices(input, slice), { objectMode: false });
  // A failed fetch (or an abort) is passed on as it is; only the decompressor's errors mean corrupt data.
  let sourceError: unknown = null;
  src.on("error", (e) => {
    sourceError = e;
    dec.destroy(e);
  });
  src.pipe(dec);
  try {
    for await (const out of dec) yield out as Buffer;
  } catch (e) {
    if (sourceError !== null) throw sourceError;
    throw new TocError(`the ${what} data is corrupt (${(e as Error).message})`);
  } finally {
    src.destroy();
    dec.destroy();
  }
}

/**
 * Pulls exact byte counts out of a piece generator: `read(n)` gives n bytes, or fewer at the end.
 * `close()` stops the generator (and so the decompressor and the fetches behind it).
 */
export class PieceReader {
  private pending: Buffer | null = null;
  private done = false;
  /** Output bytes handed out or skipped so far. */
  consumed = 0;

  constructor(private readonly source: AsyncGenerator<Buffer>) {}

  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const piece = await this.next();
      if (piece === null) break;
      const want = n - have;
      if (piece.length > want) {
        parts.push(piece.subarray(0, want));
        this.pending = piece.subarray(want);
        have += want;
      } else {
        parts.push(piece);
        have += piece.length;
      }
    }
    this.consumed += have;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
  }

  /** Skip n bytes without keeping them; returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const piece = await this.next();
      if (piece === null) break;
      if (piece.length > left) {
        this.pending = piece.subarray(left);
        left = 0;
      } else left -= piece.length;
    }
    this.consumed += n - left;
    return n - left;
  }

  /** The next piece of any size, or null at the end. */
  async piece(): Promise<Buffer | null> {
    const p = await this.next();
    if (p !== null) this.consumed += p.length;
    return p;
  }

  /** Give back the unused end of the last piece (it is read again next). */
  unread(rest: Buffer): void {
    this.pending = rest;
    this.consumed -= rest.length;
  }

  async close(): Promise<void> {
    this.done = true;
    this.pending = null;
    await this.source.return(undefined);
  }

  private async next(): Promise<Buffer | null> {
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      return p;
    }
    if (this.done) return null;
    const r = await this.source.next();
    if (r.done) {
      this.done = true;
      return null;
    }
    return r.value;
  }
}
