/** A source: images in a Docker or Podman daemon. Its parts (client, inspect, pull, save stream, errors) are in daemon/. */

import type { IncomingMessage } from "node:http";
import { UserError } from "../model/diagnostics.js";
import type { PullUpdate } from "../model/pull-progress.js";
import { readImageStream } from "./archive.js";
import { createClient, type DaemonContext, dial, throwIfAborted } from "./daemon/client.js";
import { callError } from "./daemon/errors.js";
import { type HistoryRow, imageInfoFromInspect, inspectOrPull, normalizeId } from "./daemon/inspect.js";
import { guardStream } from "./daemon/save-stream.js";
import { type Endpoint, type EndpointEnv, type Engine, findEndpoint } from "./endpoint.js";
import { parseImageRef } from "./image-ref.js";
import type { ImageData, ReadOptions } from "./types.js";

export interface DaemonReadOptions extends ReadOptions {
  engine: Engine;
  /** Pull the image when the daemon does not have it. */
  pull?: boolean;
  /** Pull progress, one update per message (pullLine makes it "3f4ca61e: Downloading 1.2 MB / 3.4 MB"). */
  onPull?: (update: PullUpdate) => void;
  /** Use this endpoint instead of discovering one. */
  endpoint?: Endpoint;
  /** Environment and home directory to discover the endpoint in (tests). */
  endpointEnv?: EndpointEnv;
  /** How long inspect and history may take (default ANSWER_TIMEOUT_MS); the save stream has no limit. */
  answerTimeoutMs?: number;
  /** The one-pass archive reader (tests inject their own). */
  readStream?: typeof readImageStream;
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
