/** `--base IMAGE`: the base image's DiffIDs, read from any source, for the exact base boundary. */
import type { ExactBase } from "../model/base-image.js";
import { UserError } from "../model/diagnostics.js";
import type { ImageModel } from "../model/image-model.js";
import { openImageInfo } from "../sources/image-info.js";
import type { CliArgs } from "./args.js";
import { openOptions } from "./io.js";

/** Read what `--base` names (its manifest and config only, where the source allows); null without --base. */
export async function readExactBase(args: CliArgs, signal?: AbortSignal): Promise<ExactBase | null> {
  if (args.base === undefined) return null;
  const name = args.base;
  try {
    // --image picks among the images of IMAGE's archive; the base names its own (ARCHIVE:name:tag).
    const info = await openImageInfo(name, { ...openOptions(args), image: undefined, signal });
    return { name: info.reference ?? name, diffIds: info.layers.map((l) => l.diffId) };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(`--base ${name}: ${e.message}`, e.hint, { cause: e });
  }
}

/** A line for stderr when --base was given but the image does not start with its layers. */
export function baseWarnings(model: ImageModel): string[] {
  const b = model.base;
  if (b === null || b.method !== "exact" || b.layerCount !== 0) return [];
  return [`warning: ${b.reason}; no layer is counted as the base image's`];
}
