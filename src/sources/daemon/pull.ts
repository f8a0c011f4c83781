/** Pulling an image into the daemon, with one progress line per event. */
import type Docker from "dockerode";
import { UserError } from "../../model/diagnostics.js";
import { formatBytes } from "../../model/format-bytes.js";
import { ENGINE_NAMES, endpointUrl } from "../endpoint.js";
import { parseImageRef } from "../image-ref.js";
import type { DaemonContext } from "./client.js";
import { callError, daemonMessage, oneLine, statusOf } from "./errors.js";

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
