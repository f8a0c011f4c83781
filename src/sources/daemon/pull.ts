/** Pulling an image into the daemon, with its progress decoded as it streams. */
import type Docker from "dockerode";
import { UserError } from "../../model/diagnostics.js";
import { printable } from "../../model/printable.js";
import { MAX_PULL_ID, MAX_PULL_LAYERS, MAX_PULL_STATUS, type PullUpdate } from "../../model/pull-progress.js";
import { ENGINE_NAMES, endpointUrl } from "../endpoint.js";
import { parseImageRef } from "../image-ref.js";
import type { DaemonContext } from "./client.js";
import { callError, daemonMessage, oneLine, statusOf } from "./errors.js";

/** Pull an image, reporting its progress; in-stream errors (bad name, no access) reject as UserError. */
export async function pullImage(
  docker: Docker,
  ctx: DaemonContext,
  onPull?: (update: PullUpdate) => void,
  signal?: AbortSignal,
): Promise<void> {
  const ref = parseImageRef(ctx.ref);
  const params: Record<string, unknown> =
    ref.kind === "name" && ref.digest === null
      ? { fromImage: ref.name, tag: ref.tag ?? "latest" }
      : { fromImage: ctx.ref };
  if (signal !== undefined) params.abortSignal = signal;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.createImage(params)) as NodeJS.ReadableStream;
  } catch (err) {
    // Docker answers a failed pull (unknown registry, no such repo) with an HTTP error before streaming.
    throw statusOf(err) !== undefined
      ? pullFailed(ctx, daemonMessage(err))
      : callError(err, ctx, "pull", signal);
  }
  onPull?.({
    id: null,
    status: `pulling ${printable(ctx.ref)} with ${ENGINE_NAMES[ctx.engine]} (${endpointUrl(ctx.endpoint)})`,
    current: null,
    total: null,
  });
  const decoder = new PullDecoder();
  let inStreamError: string | null = null;
  try {
    for await (const line of jsonLines(stream as AsyncIterable<Buffer>)) {
      const decoded = decoder.decode(line);
      if (decoded === null) continue;
      if (decoded.error !== null) inStreamError ??= decoded.error;
      onPull?.(decoded.update);
    }
  } catch (err) {
    throw callError(err, ctx, "pull", signal);
  }
  if (inStreamError !== null) throw pullFailed(ctx, inStreamError);
}

/** A progress line longer than this is no progress message: it is skipped, never held whole. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * The lines of the daemon's progress stream (one JSON message each), parsed; lines that are too
 * long or not JSON are skipped. dockerode's followProgress is not used: it keeps every message,
 * lets a line grow without bound, and throws from an event handler on one that is not JSON.
 */
export async function* jsonLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  const parse = (line: Buffer): unknown => {
    const text = line.toString("utf8").trim();
    if (text === "") return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  for await (const raw of stream) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      const line = pendingBytes === 0 ? part : Buffer.concat([...pending, part]);
      const skip = tooLong || line.length > MAX_LINE_BYTES;
      pending = [];
      pendingBytes = 0;
      tooLong = false;
      start = nl + 1;
      const value = skip ? undefined : parse(line);
      if (value !== undefined) yield value;
    }
    if (start < chunk.length && !tooLong) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        tooLong = true;
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0 && !tooLong) {
    const value = parse(Buffer.concat(pending));
    if (value !== undefined) yield value;
  }
}

export interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Text from the daemon as one line that cannot drive the terminal, at most `max` characters. */
function capped(text: string, max: number): string {
  const one = printable(text);
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const byteCount = (v: unknown): number | null =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : null;

/**
 * Decodes one pull's messages into updates: text escaped and capped, byte counts checked, and at
 * most MAX_PULL_LAYERS distinct layer ids (messages about more are dropped). One per pull.
 */
export class PullDecoder {
  private readonly ids = new Set<string>();

  decode(raw: unknown): { update: PullUpdate; error: string | null } | null {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
    const e = raw as PullEvent;
    if (typeof e.error === "string") {
      const error = capped(e.error, MAX_PULL_STATUS);
      return { update: { id: null, status: `error: ${error}`, current: null, total: null }, error };
    }
    if (typeof e.status !== "string" || e.status === "") return null;
    const id = typeof e.id === "string" && e.id !== "" ? capped(e.id, MAX_PULL_ID) : null;
    if (id !== null && !this.ids.has(id)) {
      if (this.ids.size >= MAX_PULL_LAYERS) return null;
      this.ids.add(id);
    }
    const detail = typeof e.progressDetail === "object" && e.progressDetail !== null ? e.progressDetail : {};
    const current = byteCount(detail.current);
    const total = byteCount(detail.total);
    const known = current !== null && total !== null && total > 0;
    return {
      update: {
        id,
        status: capped(e.status, MAX_PULL_STATUS),
        current: known ? current : null,
        total: known ? total : null,
      },
      error: null,
    };
  }
}

function pullFailed(ctx: DaemonContext, message: string): UserError {
  const name = ENGINE_NAMES[ctx.engine];
  const denied = /not found|unknown|denied|unauthorized|does not exist|no such host/i.test(message);
  return new UserError(
    `pulling '${ctx.ref}' with ${name} failed: ${oneLine(message)}`,
    denied
      ? `Check the image name and tag; for a private registry log in first with \`${ctx.engine} login REGISTRY\``
      : `Check that the ${name} daemon can reach the registry (\`${ctx.engine} pull ${ctx.ref}\` shows the same error)`,
  );
}
