import type { Readable } from "node:stream";

/**
 * The CLI's way to read a file: the bytes of `node` as of `layer` (the UI never opens images itself),
 * of the image explored or (`image` "compare") of the one compared with it.
 */
export type OpenContent = (
  node: number,
  layer: number,
  image?: "main" | "compare",
) => Promise<Readable> | Readable;

export interface CappedRead {
  data: Buffer;
  /** The file is longer than the cap (the stream was stopped there). */
  truncated: boolean;
}

/**
 * Reads up to `cap` bytes of what `open` returns, then destroys the stream. `signal` stops early
 * (the viewer was closed) and rejects with an AbortError.
 */
export async function readCapped(
  open: () => Promise<Readable> | Readable,
  cap: number,
  signal?: AbortSignal,
): Promise<CappedRead> {
  signal?.throwIfAborted();
  const stream = await open();
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  const stop = () => stream.destroy();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      const b = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      if (length + b.length > cap) {
        chunks.push(b.subarray(0, cap - length));
        length = cap;
        truncated = true;
        break;
      }
      chunks.push(b);
      length += b.length;
    }
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener("abort", stop);
    if (!stream.destroyed) stream.destroy();
  }
  return { data: Buffer.concat(chunks, length), truncated };
}
