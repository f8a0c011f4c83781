import type { Finding } from "../../model/advice.js";
import { adviseSteps } from "../../model/advice.js";
import { type CompactRangeDiff, compactRangeDiffSteps } from "../../model/diff.js";
import type { ImageModel } from "../../model/image-model.js";
import type { Steps } from "../../model/steps.js";

/** The last range diff per model: the reducer (scroll limits) and the pane ask for the same one. */
const diffs = new WeakMap<ImageModel, CompactRangeDiff>();
/** The range diff being computed in slices (the last pair asked for). */
const diffing = new WeakMap<ImageModel, { from: number; to: number; steps: Steps<CompactRangeDiff> }>();

/** The tree as of layer `from` compared with the tree as of `to`, if computed; null while it is not. */
export function rangeDiffIfReady(model: ImageModel, from: number, to: number): CompactRangeDiff | null {
  const hit = diffs.get(model);
  return hit && hit.from === from && hit.to === to ? hit : null;
}

/**
 * Work on the range diff `from` → `to` for about `ms` milliseconds (a new pair replaces the one
 * in progress); true once it is ready.
 */
export function prepareRangeDiff(model: ImageModel, from: number, to: number, ms: number): boolean {
  if (rangeDiffIfReady(model, from, to)) return true;
  let job = diffing.get(model);
  if (!job || job.from !== from || job.to !== to) {
    job = { from, to, steps: compactRangeDiffSteps(model, from, to) };
    diffing.set(model, job);
  }
  const done = runFor(job.steps, ms);
  if (!done) return false;
  diffs.set(model, done.value);
  diffing.delete(model);
  return true;
}

const advice = new WeakMap<ImageModel, Finding[]>();
const advising = new WeakMap<ImageModel, Steps<Finding[]>>();

/** The advisor's findings for `model`: what idle time has not done yet is done now. */
export function adviceOf(model: ImageModel): Finding[] {
  let f = advice.get(model);
  while (!f) {
    if (prepareAdvice(model, Number.POSITIVE_INFINITY)) f = advice.get(model);
  }
  return f;
}

/** Whether the findings are ready (A opens at once). */
export function adviceReady(model: ImageModel): boolean {
  return advice.has(model);
}

/** Run the advisor for about `ms` milliseconds; true once its findings are ready. */
export function prepareAdvice(model: ImageModel, ms: number): boolean {
  if (advice.has(model)) return true;
  let steps = advising.get(model);
  if (!steps) {
    steps = adviseSteps(model);
    advising.set(model, steps);
  }
  const done = runFor(steps, ms);
  if (!done) return false;
  advice.set(model, done.value);
  advising.delete(model);
  return true;
}

/** Run resumable work for about `ms` milliseconds (at least one step); its result if it finished. */
function runFor<T>(steps: Steps<T>, ms: number): { value: T } | null {
  const end = performance.now() + ms;
  do {
    const r = steps.next();
    if (r.done) return { value: r.value };
  } while (performance.now() < end);
  return null;
}
