/**
 * An image's background analyses, done in slices off the key path: the range diff of the pair
 * compared last, and the advisor. Work in progress and the last results live here, in the session;
 * when a result is ready the explorer puts it in its state (ExplorerState.rangeDiff / findings).
 */
import type { Finding } from "../../model/advice/index.js";
import { adviseSteps } from "../../model/advice/index.js";
import { type CompactRangeDiff, compactRangeDiffSteps, contentByLayer } from "../../model/diff.js";
import type { ImageModel } from "../../model/image-model.js";
import type { Steps } from "../../model/steps.js";

export class AnalysisJobs {
  /** The last range diff finished. */
  private diff: CompactRangeDiff | null = null;
  /** The range diff being computed in slices (the last pair asked for). */
  private diffing: { from: number; to: number; steps: Steps<CompactRangeDiff> } | null = null;
  /** Regular-file bytes as of each layer, for every range diff's totals (one pass, made on first use). */
  private content: Float64Array | null = null;
  private findings: Finding[] | null = null;
  private advising: Steps<Finding[]> | null = null;

  constructor(private readonly model: ImageModel) {}

  /** The tree as of layer `from` compared with the tree as of `to`, if computed; null while it is not. */
  rangeDiffIfReady(from: number, to: number): CompactRangeDiff | null {
    const hit = this.diff;
    return hit && hit.from === from && hit.to === to ? hit : null;
  }

  /**
   * Work on the range diff `from` → `to` for about `ms` milliseconds (a new pair replaces the one
   * in progress); true once it is ready.
   */
  prepareRangeDiff(from: number, to: number, ms: number): boolean {
    if (this.rangeDiffIfReady(from, to)) return true;
    let job = this.diffing;
    if (!job || job.from !== from || job.to !== to) {
      // Made once per image, in the diff's last step (a pass over every version: not on a key).
      const content = () => {
        this.content ??= contentByLayer(this.model);
        return this.content;
      };
      job = { from, to, steps: compactRangeDiffSteps(this.model, from, to, content) };
      this.diffing = job;
    }
    const done = runFor(job.steps, ms);
    if (!done) return false;
    this.diff = done.value;
    this.diffing = null;
    return true;
  }

  /** The advisor's findings, once its job finished; null until then. */
  adviceIfReady(): Finding[] | null {
    return this.findings;
  }

  /** Run the advisor for about `ms` milliseconds (at least one step); true once its findings are ready. */
  prepareAdvice(ms: number): boolean {
    if (this.findings) return true;
    this.advising ??= adviseSteps(this.model);
    const done = runFor(this.advising, ms);
    if (!done) return false;
    this.findings = done.value;
    this.advising = null;
    return true;
  }
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
