import type { ImageModel } from "../../model/image-model.js";
import type { PullUpdate } from "../../model/pull-progress.js";

/** What the layers pane can show before the tree is indexed: the config and manifest alone. */
export interface ImageOutline {
  reference: string | null;
  /** What the user named: archive path, "-", or a daemon reference. */
  source: string;
  layers: { index: number; command: string; digest: string | null; blobSize: number | null }[];
  /** Oldest first, empty-layer entries (ENV, CMD, …) included. */
  history: { command: string; emptyLayer: boolean; layerIndex: number | null }[];
  /** The base image boundary, once the model knows it: the bottom `layerCount` layers are the base's. */
  base?: { layerCount: number; name: string | null; method: string } | null;
}

/** What the CLI tells the explorer while it reads the image, in this order: image, progress and partial…, ready | error. */
export type LoadEvent =
  | ({ kind: "image" } & ImageOutline)
  | {
      kind: "progress";
      layer: number;
      bytesRead: number;
      totalBytes: number | null;
      entries: number;
      /** When it was measured (ms since the epoch), for rates; absent in tests that do not care. */
      at?: number;
    }
  /** The layers read so far (the first `layersRead`) as an image whose other layers are empty. */
  | { kind: "partial"; model: ImageModel; layersRead: number }
  | { kind: "ready"; model: ImageModel }
  /** A message of `--pull` progress, before the image is read. */
  | { kind: "pull"; update: PullUpdate }
  | { kind: "error"; message: string }
  /**
   * `--compare OTHER`: an event of the second image (`source` is what the user named); null
   * announces the comparison before anything of it is read.
   */
  | { kind: "compare"; source: string; event: LoadEvent | null };

export interface LayerProgress {
  bytesRead: number;
  totalBytes: number | null;
  entries: number;
  /** First and latest measurement times, when the events carry them: the rate is bytes over their span. */
  startedAt?: number;
  at?: number;
}

/** Bytes per second and seconds left of one layer's read, once there is a span to measure over. */
export function progressRate(
  p: LayerProgress,
): { bytesPerSecond: number; secondsLeft: number | null } | null {
  if (p.startedAt === undefined || p.at === undefined || p.at - p.startedAt < 200 || p.bytesRead === 0)
    return null;
  const bytesPerSecond = (p.bytesRead * 1000) / (p.at - p.startedAt);
  const secondsLeft =
    p.totalBytes !== null && p.totalBytes >= p.bytesRead
      ? (p.totalBytes - p.bytesRead) / bytesPerSecond
      : null;
  return { bytesPerSecond, secondsLeft };
}

export function outlineOf(model: ImageModel): ImageOutline {
  return {
    reference: model.input.reference,
    source: model.input.source,
    layers: model.layers.map((l) => ({
      index: l.index,
      command: l.command,
      digest: l.digest,
      blobSize: model.input.readLayers[l.index]?.descriptor.blobSize ?? null,
    })),
    history: model.history.map((h) => ({
      command: h.command,
      emptyLayer: h.emptyLayer,
      layerIndex: h.layerIndex,
    })),
    base:
      model.base?.layerCount != null && model.base.layerCount > 0 && model.base.layerCount < model.layerCount
        ? { layerCount: model.base.layerCount, name: model.base.name, method: model.base.method }
        : null,
  };
}
