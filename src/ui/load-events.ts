import type { ImageModel } from "../model/image-model.js";

/** What the layers pane can show before the tree is indexed: the config and manifest alone. */
export interface ImageOutline {
  reference: string | null;
  /** What the user named: archive path, "-", or a daemon reference. */
  source: string;
  layers: { index: number; command: string; digest: string | null; blobSize: number | null }[];
  /** Oldest first, empty-layer entries (ENV, CMD, …) included. */
  history: { command: string; emptyLayer: boolean; layerIndex: number | null }[];
}

/** What the CLI tells the explorer while it reads the image, in this order: image, progress…, ready | error. */
export type LoadEvent =
  | ({ kind: "image" } & ImageOutline)
  | { kind: "progress"; layer: number; bytesRead: number; totalBytes: number | null; entries: number }
  | { kind: "ready"; model: ImageModel }
  | { kind: "error"; message: string };

export interface LayerProgress {
  bytesRead: number;
  totalBytes: number | null;
  entries: number;
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
  };
}
