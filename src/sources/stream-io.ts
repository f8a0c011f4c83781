/** Moving bytes from async iterables to writables and files, and the small stream steps readers share. */
import type { FileHandle } from "node:fs/promises";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Copy an async iterable of buffers into a writable, honouring backpressure; does not end it. */
export async function copyTo(data: AsyncIterable<unknown>, out: Writable): Promise<void> {
  if (out.destroyed) throw new Error("the output was closed");
  await pipeline(data, out, { end: false });
}

/** Write an async iterable of buffers to an open file, from its start; returns the bytes written. */
export async function writeAll(data: AsyncIterable<unknown>, fh: FileHandle): Promise<number> {
  let written = 0;
  await fh.truncate(0);
  for await (const chunk of data) {
    const b = chunk as Buffer;
    let off = 0;
    while (off < b.length) {
      const { bytesWritten } = await fh.write(b, off, b.length - off, written);
      off += bytesWritten;
      written += bytesWritten;
    }
  }
  return written;
}

/**
 * Resolves when a stream emits `event` or closes (then the next write says why). Two listeners, not
 * `events.once` with an AbortSignal: that costs enough per wait to slow a 165 MB registry read by
 * ~130 ms (a wait per decompressor write; bench/registry).
 */
export function settled(stream: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const go = () => {
      stream.off(event, go);
      stream.off("close", go);
      resolve();
    };
    stream.on(event, go);
    stream.on("close", go);
  });
}

/** The first `n` bytes (fewer if the stream is shorter), and an iterable of the rest. */
export async function peek(
  source: AsyncIterable<unknown>,
  n: number,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ head: Buffer; rest: AsyncIterable<unknown> }> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = r.value as Buffer;
    onChunk?.(b);
    chunks.push(b);
    length += b.length;
  }
  const rest: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => {
      if (done) return { next: async () => ({ done: true, value: undefined }) };
      if (onChunk === undefined) return it;
      return {
        next: async () => {
          const r = await it.next();
          if (!r.done) onChunk(r.value as Buffer);
          return r;
        },
        return: async () => (await it.return?.()) ?? { done: true, value: undefined },
      };
    },
  };
  return { head: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), rest };
}

export async function* prefixed(head: Buffer, rest: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for await (const c of rest) yield c as Buffer;
}

export async function drain(data: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of data) {
    // discard
  }
}
