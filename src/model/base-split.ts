import { EntryType } from "./layer-contents.js";
import { NOT_HIDDEN } from "./stack.js";
import type { WasteInput } from "./waste.js";

export interface LayerSpan {
  layers: number;
  /** Regular-file bytes in these layers. */
  layerBytes: number;
  /** Of those, bytes not visible at the top (overwritten or deleted by any later layer). */
  wastedBytes: number;
}

/** The image's bytes split at the base image boundary: the base's layers and this build's own. */
export interface BaseSplit {
  base: LayerSpan;
  own: LayerSpan;
}

/** Split layer bytes and their waste at `baseLayers` (the bottom layers the base image brought). */
export function splitAtBase(model: WasteInput, baseLayers: number): BaseSplit {
  const count = model.layers.length;
  const cut = Math.max(0, Math.min(baseLayers, count));
  const base: LayerSpan = { layers: cut, layerBytes: 0, wastedBytes: 0 };
  const own: LayerSpan = { layers: count - cut, layerBytes: 0, wastedBytes: 0 };
  model.layers.forEach((l, i) => {
    (i < cut ? base : own).layerBytes += l.size;
  });
  const stack = model.stack;
  const vs = stack.versions;
  for (let v = 0; v < vs.count; v++) {
    if (vs.hiddenAt[v] === NOT_HIDDEN || stack.type(v) !== EntryType.File) continue;
    (vs.layer[v]! < cut ? base : own).wastedBytes += stack.size(v);
  }
  return { base, own };
}
