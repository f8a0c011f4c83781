import type { IncomingMessage } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import Docker from "dockerode";
import { UserError } from "../model/diagnostics.js";
import { formatBytes } from "../model/format-bytes.js";
import { isMetadataOnly } from "../model/history.js";
import { readImageStream } from "./archive.js";
import {
  dockerodeOptions,
  ENGINE_NAMES,
  type Endpoint,
  type EndpointEnv,
  type Engine,
  endpointUrl,
  findEndpoint,
} from "./endpoint.js";
import { type ImageRef, inspectName, parseImageRef } from "./image-ref.js";
import type { ImageData, ImageInfo, RawHistoryEntry, RawImageConfig, ReadOptions } from "./types.js";

export interface DaemonReadOptions extends ReadOptions {
  engine: Engine;
  /** Pull the image when the daemon does not have it. */
  pull?: boolean;
  /** Pull progress, one line per event ("3f4ca61e: Downloading 1.2 MB / 3.4 MB"). */
  onPull?: (message: string) => void;
  /** Use this endpoint instead of discovering one. */
  endpoint?: Endpoint;
  /** Environment and home directory to discover the endpoint in (tests). */
  endpointEnv?: EndpointEnv;
  /** How long inspect and history may take (default ANSWER_TIMEOUT_MS); the save stream has no limit. */
  answerTimeoutMs?: number;
  /** The one-pass archive reader (tests inject their own). */
  readStream?: typeof readImageStream;
}

/** What `GET /images/{name}/json` returns, in the parts used here (Docker and Podman alike). */
export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: string;
  Author?: string;
  Architecture?: string;
  Os?: string;
  Variant?: string;
  Size?: number;
  Config?: Record<string, unknown> | null;
  RootFS?: { Type?: string; Layers?: string[] | null };
}

/** One row of `GET /images/{name}/history`, newest first. */
export interface HistoryRow {
  Id?: string;
  Created?: number;
  CreatedBy?: string;
  Size?: number;
  Comment?: string;
  Tags?: string[] | null;
}

/** What a daemon call was doing, for error messages. */
export interface DaemonContext {
  engine: Engine;
  endpoint: Endpoint;
  ref: string;
}

/**
 * Read an image from a Docker or Podman daemon: inspect it (which also resolves short IDs), report
 * the layer list at once through `onImage`, then stream `GET /images/{id}/get` through the one-pass
 * archive reader. Never writes a temporary copy. Rejects with a UserError when the daemon cannot be
 * reached, refuses, lacks the image, or the stream breaks before the archive is complete.
 */
export async function readDaemonImage(ref: string, opts: DaemonReadOptions): Promise<ImageData> {
  const parsed = parseImageRef(ref);
  if (parsed.kind === "invalid") {
    throw new UserError(
      `'${ref}' is not a valid image reference: ${parsed.reason}`,
      "Use NAME[:TAG], NAME@sha256:DIGEST or an image ID",
    );
  }
  const endpoint = opts.endpoint ?? findEndpoint(opts.engine, opts.endpointEnv);
  const ctx: DaemonContext = { engine: opts.engine, endpoint, ref };
  const docker = createClient(endpoint);
  const source = `${opts.engine}://${ref}`;

  const inspect = await inspectOrPull(docker, parsed, ctx, opts);
  const id = normalizeId(inspect.Id);
  throwIfAborted(opts.signal);
  // History only feeds the early preview; the archive's config is authoritative, so a failure here is not fatal.
  const history = await dial<HistoryRow[]>(docker, `/images/${id}/history`, ctx, opts).catch((err) => {
    if (opts.signal?.aborted) throw err;
    return null;
  });
  const reference = parsed.kind === "name" ? parsed.ref : (inspect.RepoTags?.[0] ?? null);
  opts.onImage?.(imageInfoFromInspect(inspect, history, source, reference));

  throwIfAborted(opts.signal);
  let response: IncomingMessage;
  try {
    // Saving by ID: a short ID or bare hex is not accepted by the save endpoint, and a name may be ambiguous.
    // No timeout: Podman writes the whole archive to a temporary file before it answers.
    response = await dial<IncomingMessage>(docker, `/images/${id}/get`, ctx, opts, true);
  } catch (err) {
    throw callError(err, ctx, "save", opts.signal);
  }
  const guarded = guardStream(response, ctx, opts.signal);
  const read = opts.readStream ?? readImageStream;
  let data: ImageData;
  try {
    // onImage was called from inspect already; `image` picks among archive names, and this archive has one image.
    data = await read(guarded.stream, source, { ...opts, onImage: undefined, image: undefined });
  } catch (err) {
    // The reader's error for a broken stream ("unexpected end") is less clear than why it broke.
    throw guarded.failure() ?? err;
  } finally {
    guarded.dispose();
  }
  const failure = guarded.failure();
  if (failure !== null) throw failure;
  // Saved by ID, the archive names no image: keep the names the daemon knows.
  const tags = data.tags !== undefined && data.tags.length > 0 ? data.tags : (inspect.RepoTags ?? []);
  return { ...data, source, reference: reference ?? data.reference, id: data.id ?? id, tags };
}

/**
 * A dockerode client for exactly this endpoint. docker-modem reads DOCKER_HOST (and the TLS files
 * DOCKER_CERT_PATH names, throwing if they are missing) for its defaults before applying ours, so
 * the variable is hidden while it builds them: `--source podman` must not end up at DOCKER_HOST.
 */
export function createClient(endpoint: Endpoint): Docker {
  const options = dockerodeOptions(endpoint);
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return new Docker(options as Docker.DockerOptions);
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}

/** How long a metadata call (inspect, history) may take before the daemon counts as not answering. */
export const ANSWER_TIMEOUT_MS = 30_000;

/**
 * One GET through docker-modem, aborted by the caller's signal and, unless it is the save stream,
 * by a timeout (a daemon behind a dead TCP route would otherwise hang for minutes).
 */
function dial<T>(
  docker: Docker,
  path: string,
  ctx: DaemonContext,
  { signal, answerTimeoutMs = ANSWER_TIMEOUT_MS }: Pick<DaemonReadOptions, "signal" | "answerTimeoutMs">,
  stream = false,
): Promise<T> {
  const timeout = stream ? undefined : AbortSignal.timeout(answerTimeoutMs);
  const signals = [signal, timeout].filter((s) => s !== undefined);
  const modem = docker.modem as { dial: (o: unknown, cb: (err: unknown, data: unknown) => void) => void };
  return new Promise<T>((resolve, reject) => {
    modem.dial(
      {
        path,
        method: "GET",
        isStream: stream,
        abortSignal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
        statusCodes: { 200: true, 404: "no such image", 500: "server error" },
      },
      (err, data) => {
        if (err === null || err === undefined) resolve(data as T);
        else if (signal?.aborted) reject(abortError(signal));
        else if (timeout?.aborted) {
          reject(
            new UserError(
              `the ${ENGINE_NAMES[ctx.engine]} daemon at ${endpointUrl(ctx.endpoint)} did not answer within ${answerTimeoutMs / 1000} s`,
              `Check that it is running and reachable (\`${ctx.engine} info\`), or point layerview elsewhere`,
            ),
          );
        } else reject(err);
      },
    );
  });
}

async function inspectOrPull(
  docker: Docker,
  ref: ImageRef,
  ctx: DaemonContext,
  opts: DaemonReadOptions,
): Promise<ImageInspect> {
  const name = inspectName(ctx.ref, ref);
  try {
    return await dial<ImageInspect>(docker, `/images/${name}/json`, ctx, opts);
  } catch (err) {
    if (statusOf(err) !== 404 || !opts.pull) throw callError(err, ctx, "inspect", opts.signal);
  }
  if (ref.kind === "id") {
    throw new UserError(
      `image ${ctx.ref} not found in the ${ENGINE_NAMES[ctx.engine]} daemon (${endpointUrl(ctx.endpoint)}); an image ID cannot be pulled`,
      `List local images with \`${ctx.engine} images\`, or name the image to pull (NAME[:TAG])`,
    );
  }
  await pullImage(docker, ctx, opts.onPull, opts.signal);
  try {
    return await dial<ImageInspect>(docker, `/images/${name}/json`, ctx, opts);
  } catch (err) {
    throw callError(err, ctx, "inspect", opts.signal);
  }
}

/** Pull an image, reporting progress lines; in-stream errors (bad name, no access) reject as UserError. */
export async function pullImage(
  docker: Docker,
  ctx: DaemonContext,
  onPull?: (message: string) => void,
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
  onPull?.(`pulling ${ctx.ref} with ${ENGINE_NAMES[ctx.engine]} (${endpointUrl(ctx.endpoint)})`);
  await new Promise<void>((resolve, reject) => {
    let inStreamError: string | null = null;
    docker.modem.followProgress(
      stream,
      (err: unknown) => {
        if (err) reject(callError(err, ctx, "pull", signal));
        else if (inStreamError !== null) reject(pullFailed(ctx, inStreamError));
        else resolve();
      },
      (event: PullEvent) => {
        if (typeof event.error === "string" && inStreamError === null) inStreamError = event.error;
        const line = formatPullEvent(event);
        if (line !== null) onPull?.(line);
      },
    );
  });
}

export interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** One readable line per pull event: "3f4ca61e: Downloading 1.2 MB / 3.4 MB". */
export function formatPullEvent(e: PullEvent): string | null {
  if (typeof e.error === "string") return `error: ${e.error}`;
  if (typeof e.status !== "string" || e.status === "") return null;
  const detail = e.progressDetail;
  const amount =
    typeof detail?.current === "number" && typeof detail.total === "number" && detail.total > 0
      ? ` ${formatBytes(detail.current)} / ${formatBytes(detail.total)}`
      : "";
  const id = typeof e.id === "string" && e.id !== "" ? `${e.id}: ` : "";
  return `${id}${e.status}${amount}`;
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

interface GuardedStream {
  stream: Transform;
  /** Why the daemon stream broke (or was aborted), if it did. */
  failure(): UserError | Error | null;
  dispose(): void;
}

/**
 * Pass the HTTP body through, counting bytes, and turn a connection that ends before the response
 * is complete into a clear error that also fails the reader (never a silently short archive).
 */
function guardStream(response: IncomingMessage, ctx: DaemonContext, signal?: AbortSignal): GuardedStream {
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

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException("The operation was aborted", "AbortError");
}

export function streamDropped(ctx: DaemonContext, bytes: number, cause: string): UserError {
  const name = ENGINE_NAMES[ctx.engine];
  return new UserError(
    `the connection to the ${name} daemon (${endpointUrl(ctx.endpoint)}) dropped after ${formatBytes(bytes)} while reading image '${ctx.ref}' (${oneLine(cause)}); the image was not read completely`,
    `Check that the daemon is still running (\`${ctx.engine} info\`) and try again`,
  );
}

/** sha256:<64 hex> for the save endpoint (Podman's compat API may omit the prefix). */
export function normalizeId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? `sha256:${id}` : id;
}

/**
 * The layer list known before the archive is read: config and diff IDs from inspect, commands
 * from the history endpoint. The archive's own config replaces it once the stream is read.
 */
export function imageInfoFromInspect(
  inspect: ImageInspect,
  history: HistoryRow[] | null,
  source: string,
  reference: string | null,
): ImageInfo {
  const diffIds = inspect.RootFS?.Layers ?? [];
  const config: RawImageConfig = {
    architecture: inspect.Architecture,
    os: inspect.Os,
    created: inspect.Created,
    rootfs: { type: inspect.RootFS?.Type ?? "layers", diff_ids: [...diffIds] },
  };
  if (inspect.Variant) config.variant = inspect.Variant;
  if (inspect.Author) config.author = inspect.Author;
  if (inspect.Config) config.config = pickConfig(inspect.Config);
  const entries = history === null ? undefined : historyFromRows(history, diffIds.length);
  if (entries !== undefined) config.history = entries;
  const platform = [inspect.Os, inspect.Architecture, inspect.Variant].filter((p) => p).join("/");
  const tags = inspect.RepoTags ?? [];
  return {
    source,
    reference,
    id: normalizeId(inspect.Id),
    platform: inspect.Os && inspect.Architecture ? platform : null,
    tags: reference !== null && !tags.includes(reference) ? [reference, ...tags] : [...tags],
    config,
    layers: diffIds.map((diffId, index) => ({
      index,
      diffId,
      digest: null,
      mediaType: null,
      blobSize: null,
      compression: null,
    })),
  };
}

const CONFIG_KEYS = [
  "User",
  "ExposedPorts",
  "Env",
  "Entrypoint",
  "Cmd",
  "Volumes",
  "WorkingDir",
  "Labels",
  "StopSignal",
  "Healthcheck",
  "OnBuild",
  "Shell",
  "ArgsEscaped",
];

function pickConfig(c: Record<string, unknown>): NonNullable<RawImageConfig["config"]> {
  const out: NonNullable<RawImageConfig["config"]> = {};
  for (const k of CONFIG_KEYS) if (c[k] !== undefined) out[k] = c[k];
  return out;
}

/**
 * History rows (newest first, no empty_layer flag) as config history (oldest first). Which rows
 * made a layer is inferred from the command; when that does not match the layer count, from the
 * size; when neither matches, the history is left out rather than blamed on the wrong layers.
 */
export function historyFromRows(rows: HistoryRow[], layerCount: number): RawHistoryEntry[] | undefined {
  const oldestFirst = [...rows].reverse();
  const byCommand = oldestFirst.map((r) => isMetadataOnly(r.CreatedBy ?? ""));
  const bySize = oldestFirst.map((r) => (r.Size ?? 0) === 0);
  const count = (empty: boolean[]) => empty.filter((e) => !e).length;
  const empty =
    count(byCommand) === layerCount ? byCommand : count(bySize) === layerCount ? bySize : undefined;
  if (empty === undefined) return undefined;
  return oldestFirst.map((r, i) => {
    const e: RawHistoryEntry = {};
    if (typeof r.Created === "number" && r.Created > 0) e.created = new Date(r.Created * 1000).toISOString();
    if (r.CreatedBy !== undefined) e.created_by = r.CreatedBy;
    if (r.Comment) e.comment = r.Comment;
    if (empty[i]) e.empty_layer = true;
    return e;
  });
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** The daemon's own message from a docker-modem HTTP error, or the error's message. */
function daemonMessage(err: unknown): string {
  const json = (err as { json?: unknown } | null)?.json;
  if (json !== null && typeof json === "object") {
    const m = (json as { message?: unknown; cause?: unknown }).message;
    if (typeof m === "string" && m !== "") return m;
  }
  if (typeof json === "string" && json.trim() !== "") return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString("utf8").trim();
  const message = err instanceof Error ? err.message : String(err);
  // docker-modem's own prefix, "(HTTP code 500) server error - ", repeats what the status says.
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

const UNREACHABLE = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENOTSOCK",
  "ENOTDIR",
]);

/** A failed call's error to throw: an abort as it is (cancelling is no daemon problem), else a UserError. */
function callError(
  err: unknown,
  ctx: DaemonContext,
  action: "inspect" | "save" | "pull",
  signal?: AbortSignal,
): Error {
  if (signal?.aborted || (err instanceof Error && err.name === "AbortError")) return abortError(signal);
  return daemonError(err, ctx, action);
}

/** A failed daemon call as a one-line UserError with what to do next. */
export function daemonError(
  err: unknown,
  ctx: DaemonContext,
  action: "inspect" | "save" | "pull",
): UserError {
  if (err instanceof UserError) return err;
  const name = ENGINE_NAMES[ctx.engine];
  const url = endpointUrl(ctx.endpoint);
  const from = ctx.endpoint.origin === "default socket" ? "" : ` (from ${ctx.endpoint.origin})`;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const status = statusOf(err);
  const opts = { cause: err };
  const unusable = { cause: err, reason: "daemon-unreachable" as const };

  if (code === "EACCES" || code === "EPERM") {
    const where = ctx.endpoint.kind === "unix" ? ctx.endpoint.socketPath : url;
    return new UserError(
      `permission denied on the ${name} socket ${where}${from}`,
      ctx.engine === "docker"
        ? "Add your user to the 'docker' group (`sudo usermod -aG docker $USER`, then log in again), use rootless Docker via DOCKER_HOST, or try --source podman"
        : "Use your own rootless socket (`systemctl --user start podman.socket`, or set CONTAINER_HOST=unix:///path/podman.sock), or run as root",
      unusable,
    );
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    let what: string;
    if (ctx.endpoint.kind === "unix" && (code === "ENOENT" || code === "ENOTDIR")) {
      const tried = ctx.endpoint.tried.length > 0 ? ctx.endpoint.tried : [ctx.endpoint.socketPath];
      what = `no socket at ${tried.join(", ")}${from}`;
    } else {
      what = `${url}${from}: ${code === "ECONNREFUSED" ? "connection refused" : code}`;
    }
    return new UserError(`cannot reach the ${name} daemon: ${what}`, unreachableHint(ctx.engine), unusable);
  }
  if (code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_PREMATURE_CLOSE") {
    return streamDropped(ctx, 0, code);
  }
  if (
    typeof code === "string" &&
    /^(ERR_TLS|ERR_SSL|EPROTO|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)
  ) {
    return new UserError(
      `TLS connection to the ${name} daemon at ${url}${from} failed: ${oneLine(daemonMessage(err))}`,
      "Check DOCKER_TLS_VERIFY and that DOCKER_CERT_PATH holds this daemon's ca.pem, cert.pem and key.pem",
      opts,
    );
  }
  if (status === 404) {
    const isId = parseImageRef(ctx.ref).kind === "id";
    return new UserError(
      `image '${ctx.ref}' not found in the ${name} daemon (${url})`,
      isId
        ? `List local images with \`${ctx.engine} images\``
        : `Pull it first with \`${ctx.engine} pull ${ctx.ref}\`, or run layerview with --pull`,
      { cause: err, reason: "not-in-daemon" },
    );
  }
  const verb = action === "inspect" ? "look up" : action;
  const detail = oneLine(daemonMessage(err));
  return new UserError(
    `the ${name} daemon (${url}) could not ${verb} image '${ctx.ref}': ${status !== undefined ? `HTTP ${status}: ` : ""}${detail}`,
    `Try \`${ctx.engine} ${action === "pull" ? "pull" : action === "save" ? "save -o /dev/null" : "image inspect"} ${ctx.ref}\` to see the daemon's side`,
    opts,
  );
}

function unreachableHint(engine: Engine): string {
  return engine === "docker"
    ? "Start Docker, or point layerview at another daemon: DOCKER_HOST=unix:///path/docker.sock (or tcp://HOST:2375), `docker context use NAME`, or --source podman"
    : "Start the Podman API (`systemctl --user start podman.socket` or `podman system service --time=0 &`), set CONTAINER_HOST=unix:///path/podman.sock, or use --source docker";
}
