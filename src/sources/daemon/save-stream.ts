/** The save stream (`GET /images/{id}/get`), passed through with a clear error when the connection drops. */
import type { IncomingMessage } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import type { UserError } from "../../model/diagnostics.js";
import { abortError, type DaemonContext } from "./client.js";
import { streamDropped } from "./errors.js";

export interface GuardedStream {
  stream: Transform;
  /** Why the daemon stream broke (or was aborted), if it did. */
  failure(): UserError | Error | null;
  dispose(): void;
}

/**
 * Pass the HTTP body through, counting bytes, and turn a connection that ends before the response
 * is complete into a clear error that also fails the reader (never a silently short archive).
 */
export function guardStream(
  response: IncomingMessage,
  ctx: DaemonContext,
  signal?: AbortSignal,
): GuardedStream {
  let bytes = 0;
  let failure: UserError | Error | null = null;
  const stream = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  let disposed = false;
  const fail = (err: UserError | Error) => {
    if (failure !== null || disposed) return;
    failure = err;
    response.destroy();
    stream.destroy(err);
  };
  // The failure is kept and rethrown; this listener only stops an unread stream's error from crashing the process.
  stream.on("error", () => {});
  const onAbort = () => fail(abortError(signal));
  const dropped = (cause?: unknown) =>
    fail(streamDropped(ctx, bytes, cause instanceof Error ? cause.message : "the connection closed early"));
  response.on("error", dropped);
  response.on("close", () => {
    if (!response.complete) dropped();
  });
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  response.pipe(stream);
  return {
    stream,
    failure: () => failure,
    dispose: () => {
      disposed = true;
      signal?.removeEventListener("abort", onAbort);
      // The reader may finish at the archive's end marker, before the body's last bytes: hang up.
      if (!response.complete) response.destroy();
    },
  };
}
