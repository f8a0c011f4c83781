import { closeSync, openSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { UserError } from "../model/diagnostics.js";

const CHUNK = 1 << 20;
/** Reads in flight while the consumer parses the chunk before them. */
const AHEAD = 2;

/**
 * One byte range of a file, as chunks read two ahead of the consumer into buffers it hands back
 * (`recycle`) once it is done with them. A fresh 1 MiB buffer per chunk, as fs.createReadStream gives,
 * costs page faults on every read and a garbage collector that frees 1 MiB blocks: on a 375 MB image
 * about a fifth of the read time (bench/speed.js, uncompressed row). A chunk not handed back (a
 * decompressor still holds it) is simply left to the collector.
 */
export class FileRangeChunks implements AsyncIterable<Buffer> {
  protected readonly free: Buffer[] = [];

  constructor(
    protected readonly file: string,
    protected readonly start: number,
    protected readonly length: number,
    /** Names the file in an error (the archive's path as the user gave it). */
    protected readonly label: string = file,
  ) {}

  /** The consumer is done with `chunk` (one this iterator yielded): its buffer may be read into again. */
  recycle(chunk: Buffer): void {
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK && this.free.length < AHEAD + 1) {
      this.free.push(Buffer.from(chunk.buffer, 0, CHUNK));
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.length === 0) return;
    const fh = await open(this.file, "r");
    const reads: Promise<Buffer>[] = [];
    let pos = this.start;
    const end = this.start + this.length;
    const issue = () => {
      if (pos >= end) return;
      const n = Math.min(CHUNK, end - pos);
      const buf = this.free.pop() ?? Buffer.allocUnsafe(CHUNK);
      const read = readFully(fh, buf, n, pos, this.label);
      // Not awaited until its turn: a failure is seen then, not as an unhandled rejection.
      read.catch(() => {});
      reads.push(read);
      pos += n;
    };
    try {
      for (let i = 0; i < AHEAD; i++) issue();
      while (reads.length > 0) {
        const chunk = await reads.shift()!;
        issue();
        yield chunk;
      }
    } finally {
      await Promise.allSettled(reads);
      await fh.close();
    }
  }
}

/**
 * `FileRangeChunks` read with blocking reads, for a worker thread, which has nothing else to do
 * meanwhile: each read is a copy from the page cache on this thread, with no hand-over to libuv's
 * pool and back.
 */
export class SyncFileRangeChunks extends FileRangeChunks {
  override async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.length === 0) return;
    const fd = openSync(this.file, "r");
    try {
      let pos = this.start;
      const end = this.start + this.length;
      while (pos < end) {
        const n = Math.min(CHUNK, end - pos);
        const buf = this.free.pop() ?? Buffer.allocUnsafe(CHUNK);
        let done = 0;
        while (done < n) {
          const got = readSync(fd, buf, done, n - done, pos + done);
          if (got === 0) throw shrunk(this.label);
          done += got;
        }
        pos += n;
        yield done === buf.length ? buf : buf.subarray(0, done);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** `length` bytes at `position` into `buf` (its first `length` bytes returned); the file shrinking is one clear error. */
export async function readFully(
  fh: FileHandle,
  buf: Buffer,
  length: number,
  position: number,
  label: string,
): Promise<Buffer> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) {
      throw shrunk(label);
    }
    done += bytesRead;
  }
  return done === buf.length ? buf : buf.subarray(0, done);
}

function shrunk(label: string): UserError {
  return new UserError(`${label} changed while being read (it is shorter now)`, "read it again");
}
