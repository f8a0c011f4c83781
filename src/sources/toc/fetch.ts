import { TocError } from "./errors.js";

/** Reads bytes [start, endInclusive] of the blob; the caller counts and verifies nothing else. */
export type RangeReader = (start: number, endInclusive: number, signal?: AbortSignal) => Promise<Buffer>;

/** Compressed bytes fetched per request when a range is read piece by piece. */
export const WINDOW = 4 * 1024 * 1024;

/** A RangeReader that checks each range lies in the blob, that the answer has its length, and counts. */
export class Fetcher {
  bytes = 0;
  // One span already fetched (the blob's tail): later ranges inside it are served without a request.
  private known: Buffer | null = null;
  private knownStart = 0;

  constructor(
    private readonly reader: RangeReader,
    readonly size: number,
    private readonly signal?: AbortSignal,
  ) {}

  async range(start: number, endInclusive: number): Promise<Buffer> {
    if (!(start >= 0 && start <= endInclusive && endInclusive < this.size)) {
      throw new TocError(`bytes ${start}-${endInclusive} lie outside the ${this.size}-byte blob`);
    }
    this.signal?.throwIfAborted();
    const k = this.known;
    if (k !== null && start >= this.knownStart && endInclusive < this.knownStart + k.length) {
      return k.subarray(start - this.knownStart, endInclusive + 1 - this.knownStart);
    }
    const b = await this.reader(start, endInclusive, this.signal);
    this.bytes += b.length;
    const want = endInclusive - start + 1;
    if (b.length !== want) {
      throw new TocError(
        `asked for bytes ${start}-${endInclusive} (${want}), the blob read gave ${b.length}`,
      );
    }
    return b;
  }

  /** Serve later ranges within [start, start + b.length) from `b`. */
  remember(start: number, b: Buffer): void {
    this.known = b;
    this.knownStart = start;
  }

  /** Bytes [start, end) fetched lazily, WINDOW at a time: a consumer that stops early fetches no more. */
  async *windows(start: number, end: number, window = WINDOW): AsyncGenerator<Buffer> {
    for (let at = start; at < end; at += window) yield await this.range(at, Math.min(end, at + window) - 1);
  }
}

/** One buffer as an async iterable (decompressors take those). */
export async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}
