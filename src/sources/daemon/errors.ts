/** A failed daemon call as one line saying what is wrong and what to do. */
import { UserError } from "../../model/diagnostics.js";
import { formatBytes } from "../../model/format-bytes.js";
import { ENGINE_NAMES, type Engine, endpointUrl } from "../endpoint.js";
import { parseImageRef } from "../image-ref.js";
import { abortError, type DaemonContext } from "./client.js";

export function streamDropped(ctx: DaemonContext, bytes: number, cause: string): UserError {
  const name = ENGINE_NAMES[ctx.engine];
  return new UserError(
    `the connection to the ${name} daemon (${endpointUrl(ctx.endpoint)}) dropped after ${formatBytes(bytes)} while reading image '${ctx.ref}' (${oneLine(cause)}); the image was not read completely`,
    `Check that the daemon is still running (\`${ctx.engine} info\`) and try again`,
  );
}

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** The daemon's own message from a docker-modem HTTP error, or the error's message. */
export function daemonMessage(err: unknown): string {
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

export function oneLine(s: string): string {
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
export function callError(
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
    const where = ctx.endpoint.kind !== "tcp" ? ctx.endpoint.socketPath : url;
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
    if (ctx.endpoint.kind !== "tcp" && (code === "ENOENT" || code === "ENOTDIR")) {
      const tried = ctx.endpoint.tried.length > 0 ? ctx.endpoint.tried : [ctx.endpoint.socketPath];
      const also = ctx.endpoint.alsoTried ? ` (nor the sockets of ${ctx.endpoint.alsoTried.tools})` : "";
      what = `no ${ctx.endpoint.kind === "npipe" ? "pipe" : "socket"} at ${tried.join(", ")}${also}${from}`;
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
