import { type OpenOptions, openImage } from "./resolve.js";
import type { ImageInfo } from "./types.js";

/**
 * What an image's manifest and config say — its DiffIDs, history, labels — from any source, without
 * reading its layers where the source allows: the read stops as soon as the layer list is known
 * (archives, layout directories, daemons and registries say it first; a one-pass stream such as
 * stdin or a compressed archive is read to its end).
 */
export async function openImageInfo(arg: string, opts: OpenOptions = {}): Promise<ImageInfo> {
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let info: ImageInfo | null = null;
  try {
    const data = await openImage(arg, {
      ...opts,
      signal,
      // Layer listings are not wanted: neither look them up nor store them.
      cache: null,
      onPartial: undefined,
      onLayer: undefined,
      onProgress: undefined,
      onImage: (i) => {
        info = i;
        stop.abort();
      },
    });
    return info ?? data;
  } catch (e) {
    if (info !== null && stop.signal.aborted && !opts.signal?.aborted) return info;
    throw e;
  }
}
