/**
 * Idle-time work on an image's merged tree: the steps between its layers computed a slice (one
 * step, a few milliseconds) at a time, so a layer change is a sweep of stores, not a computation.
 */
import type { LayerTrees } from "../tree/layer-tree.js";

/** Images smaller than this compute steps on demand (in well under a millisecond). */
const PREFETCH_MIN_PATHS = 50_000;
/** Bigger steps (a slice of more than ~10 ms) are left until the user crosses them. */
const PREFETCH_MAX_CHANGES = 200_000;
/** Steps either side of the selected layer prepared in idle time (all of them are prepared before the tree first shows; this is for steps dropped or never kept). */
const PREFETCH_REACH = 2;

/**
 * Slices that build the tree of a big image and the steps between all its layers, before the
 * explorer first shows the tree: then no layer change waits for a step to be computed (unless the
 * steps outgrow their budget). Small images have nothing to do (their steps take well under a
 * millisecond on demand). For runInSlices: true when finished.
 */
export function layerStepsSlice(trees: LayerTrees): () => boolean {
  const { model, merged } = trees;
  if (model.paths.size < PREFETCH_MIN_PATHS) return () => true;
  let k = model.layerCount - 2;
  return () => {
    if (merged.layer < 0) {
      merged.moveTo(model.layerCount - 1);
      return false;
    }
    while (k >= 0 && merged.stepChanges(k) > PREFETCH_MAX_CHANGES) k--;
    if (k < 0 || !merged.prepareStep(k)) return true;
    k--;
    return false;
  };
}

/**
 * Slices that compute the steps between the layers around `layer`, nearest first, one step per
 * slice, so later layer changes are sweeps of stores. For runInSlices: true when finished.
 */
export function neighbourStepsSlice(trees: LayerTrees, layer: number): () => boolean {
  const { model, merged } = trees;
  if (model.paths.size < PREFETCH_MIN_PATHS) return () => true;
  return () => {
    if (merged.layer < 0) merged.moveTo(layer);
    const next = merged
      .missingStepsNear(layer, PREFETCH_REACH)
      .find((k) => merged.stepChanges(k) <= PREFETCH_MAX_CHANGES);
    return next === undefined || !merged.prepareStep(next);
  };
}
