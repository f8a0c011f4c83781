/**
 * What the explorer keeps for two images compared (`layerview IMAGE --compare OTHER`): both models,
 * the comparison (computed in idle slices: two big images take a while) and its tree views. Made when
 * both images are read and reached only from the explorer state (`ExplorerState.compare.session`);
 * the first image keeps its own ExplorerSession for exploring it alone.
 */
import { compareImagesSteps, type ImageComparison } from "../../model/compare.js";
import type { ImageModel } from "../../model/image-model.js";
import { ImagePackages } from "../../model/packages.js";
import type { Steps } from "../../model/steps.js";
import { CompareTree } from "../compare/compare-tree.js";
import { PathFilter } from "../tree/path-filter.js";
import type { ExplorerSession } from "./explorer-session.js";

export class CompareSession {
  private steps: Steps<ImageComparison> | null;
  private done: { comparison: ImageComparison; tree: CompareTree } | null = null;

  constructor(
    readonly a: ImageModel,
    readonly b: ImageModel,
    /** The first image's session: its packages per layer are worked out once, for both views. */
    sessionA?: ExplorerSession,
  ) {
    this.steps = compareImagesSteps(a, b, {
      packagesOf: (m) => (sessionA && m === sessionA.model ? sessionA.packages() : new ImagePackages(m)),
    });
  }

  /** Work on the comparison for about `ms` milliseconds (at least one step); true once it is ready. */
  prepare(ms: number): boolean {
    if (this.done) return true;
    const steps = this.steps!;
    const end = performance.now() + ms;
    do {
      const r = steps.next();
      if (r.done) {
        const tree = new CompareTree(r.value, new PathFilter(r.value.paths));
        // In the same job, so the tree's first frame does not sort every directory on the way.
        tree.prepareOrder();
        this.done = { comparison: r.value, tree };
        this.steps = null;
        return true;
      }
    } while (performance.now() < end);
    return false;
  }

  get comparison(): ImageComparison | null {
    return this.done?.comparison ?? null;
  }

  /** The comparison's tree views, once it is ready. */
  get tree(): CompareTree | null {
    return this.done?.tree ?? null;
  }
}
