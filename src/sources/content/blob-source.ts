/** What every source of layer blobs offers file access: the wanted entries of a layer, streamed. */
import type tar from "tar-stream";
import { UserError } from "../../model/diagnostics.js";
import type { ImageModel } from "../../model/image-model.js";
import { parseEntryName } from "../../model/layer-contents.js";
import type { ImagePlan } from "../image-plan.js";
import { describeUnrecognised } from "../layer-blob.js";
import { drain } from "../stream-io.js";
import { walkTar } from "../tar-walk.js";
import type { Compression } from "../types.js";

export interface BlobSource {
  /**
   * Stream the data of the wanted entries (layer → entry keys), layer by layer, calling `sink` for
   * each. A path repeated in one layer tar reaches the sink once per copy, in tar order (the last
   * one is the one the model shows). With `firstOnly`, a layer's scan stops once every key was seen.
   */
  fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
    firstOnly: boolean,
  ): Promise<void>;
}

/** The plan read again names the layers the model was built from, or the image changed. */
export function checkPlan(plan: ImagePlan, model: ImageModel, label: string): void {
  const same =
    plan.layers.length === model.layerCount &&
    plan.layers.every((l, i) => l.descriptor.diffId === model.layers[i]!.diffId);
  if (!same) {
    throw new UserError(
      `${label} no longer holds the image that was read (its layers differ)`,
      "the archive or the daemon's image changed in the meantime; run the command again",
    );
  }
}

/**
 * Scan one layer blob (any compression) for regular-file entries whose normalised names are in
 * `wanted`, giving each one's data to `onEntry`. With `firstOnly` it stops once all were seen.
 */
export async function scanLayer(
  blob: AsyncIterable<unknown>,
  label: string,
  wanted: ReadonlySet<string>,
  onEntry: (key: string, data: AsyncIterable<unknown>) => Promise<void>,
  firstOnly: boolean,
): Promise<void> {
  const seen = new Set<string>();
  const refuse = (head: Buffer, compression: Compression | null) => {
    if (compression === null && head.length > 0)
      throw new UserError(`${label}: ${describeUnrecognised(head)}`);
  };
  // A failure of the caller's own (a file that cannot be written) passes through as it is.
  const own = new WeakSet<object>();
  await walkTar(
    blob,
    async (header, data) => {
      const key = fileKey(header);
      if (key === null || !wanted.has(key)) return drain(data);
      seen.add(key);
      try {
        await onEntry(key, data);
      } catch (e) {
        if (e instanceof Object) own.add(e);
        throw e;
      }
      return !(firstOnly && seen.size === wanted.size);
    },
    { onHead: refuse },
  ).catch((e: unknown) => {
    throw e instanceof Object && own.has(e) ? e : tarError(e, label);
  });
}

/** The normalised name of a regular-file entry, or null for anything else. */
function fileKey(header: tar.Header): string | null {
  if (header.type !== "file" && header.type !== "contiguous-file") return null;
  if (header.name.endsWith("/")) return null;
  const parsed = parseEntryName(header.name);
  return parsed.kind === "entry" && parsed.segments.length > 0 ? parsed.segments.join("/") : null;
}

export function tarError(e: unknown, label: string): Error {
  if (e instanceof UserError) return e;
  const message = (e as Error)?.message ?? String(e);
  return new UserError(
    `${label}: the layer could not be read again (${message})`,
    "the image may have changed or be damaged; run the command again",
  );
}
