import type { Finding } from "../model/advice.js";
import { adviseImage } from "../model/advice.js";
import { diffLayers, type ImageDiff } from "../model/diff.js";
import type { ImageModel } from "../model/image-model.js";

/** The last range diff per model: the reducer (scroll limits) and the pane ask for the same one. */
const diffs = new WeakMap<ImageModel, { from: number; to: number; diff: ImageDiff }>();

/** The tree as of layer `from` compared with the tree as of `to`, computed once per pair. */
export function rangeDiffOf(model: ImageModel, from: number, to: number): ImageDiff {
  const hit = diffs.get(model);
  if (hit && hit.from === from && hit.to === to) return hit.diff;
  const diff = diffLayers(model, from, to);
  diffs.set(model, { from, to, diff });
  return diff;
}

const advice = new WeakMap<ImageModel, Finding[]>();

/** The advisor's findings for `model`, computed on first use. */
export function adviceOf(model: ImageModel): Finding[] {
  let f = advice.get(model);
  if (!f) {
    f = adviseImage(model);
    advice.set(model, f);
  }
  return f;
}
