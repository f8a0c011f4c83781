/** What the daemon says about an image before its archive is read: inspect, history, and the early ImageInfo. */

import type Docker from "dockerode";
import { UserError } from "../../model/diagnostics.js";
import { isMetadataOnly } from "../../model/history.js";
import type { PullUpdate } from "../../model/pull-progress.js";
import { ENGINE_NAMES, endpointUrl } from "../endpoint.js";
import { decodeImageConfig } from "../image-config.js";
import { type ImageRef, inspectName } from "../image-ref.js";
import type { ImageInfo, RawHistoryEntry, RawImageConfig } from "../types.js";
import { type DaemonContext, type DialOptions, dial } from "./client.js";
import { callError, statusOf } from "./errors.js";
import { pullImage } from "./pull.js";

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

export interface InspectOptions extends DialOptions {
  /** Pull the image when the daemon does not have it. */
  pull?: boolean;
  onPull?: (update: PullUpdate) => void;
}

export async function inspectOrPull(
  docker: Docker,
  ref: ImageRef,
  ctx: DaemonContext,
  opts: InspectOptions,
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
  // The daemon's answer is decoded as any config is: wrong types are left out, not trusted.
  const layersField: unknown = inspect.RootFS?.Layers;
  const built: Record<string, unknown> = {
    architecture: inspect.Architecture,
    os: inspect.Os,
    variant: inspect.Variant || undefined,
    author: inspect.Author || undefined,
    created: inspect.Created,
    config: inspect.Config ? pickConfig(inspect.Config) : undefined,
    rootfs: {
      type: inspect.RootFS?.Type ?? "layers",
      diff_ids: Array.isArray(layersField) ? layersField : [],
    },
  };
  const config = decodeImageConfig(built, `${source}: the daemon's image inspect`).config;
  const diffIds = config.rootfs?.diff_ids ?? [];
  const entries = history === null ? undefined : historyFromRows(history, diffIds.length);
  if (entries !== undefined) config.history = entries;
  const platform = [inspect.Os, inspect.Architecture, inspect.Variant].filter((p) => p).join("/");
  const tags = Array.isArray(inspect.RepoTags) ? inspect.RepoTags.filter((t) => typeof t === "string") : [];
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
  // The daemon's JSON, decoded here: a row or field of another type is left out.
  if (!Array.isArray(rows)) return undefined;
  const oldestFirst = rows
    .filter((r): r is HistoryRow => typeof r === "object" && r !== null)
    .map((r) => ({
      Created: typeof r.Created === "number" ? r.Created : undefined,
      CreatedBy: typeof r.CreatedBy === "string" ? r.CreatedBy : undefined,
      Size: typeof r.Size === "number" ? r.Size : undefined,
      Comment: typeof r.Comment === "string" ? r.Comment : undefined,
    }))
    .reverse();
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
