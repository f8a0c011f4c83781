/** The dockerode client for one endpoint, and its GETs with abort and answer timeouts. */
import Docker from "dockerode";
import { UserError } from "../../model/diagnostics.js";
import { dockerodeOptions, ENGINE_NAMES, type Endpoint, type Engine, endpointUrl } from "../endpoint.js";

/** What a daemon call was doing, for error messages. */
export interface DaemonContext {
  engine: Engine;
  endpoint: Endpoint;
  ref: string;
}

export interface DialOptions {
  signal?: AbortSignal;
  /** How long inspect and history may take (default ANSWER_TIMEOUT_MS); the save stream has no limit. */
  answerTimeoutMs?: number;
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
export function dial<T>(
  docker: Docker,
  path: string,
  ctx: DaemonContext,
  { signal, answerTimeoutMs = ANSWER_TIMEOUT_MS }: DialOptions,
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

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException("The operation was aborted", "AbortError");
}
