/**
 * Everything the explorer keeps for one open image: its merged tree and the handles on it, its
 * views (counts, array pool, filter index) and its background analyses. Made when the image is
 * ready and reached only from the explorer state (`ExplorerState.session`), so nothing of an image
 * outlives its session, and two images (or two explorers) never share anything.
 */
import type { ImageModel } from "../../model/image-model.js";
import { MergedTree, type MergedTreeOptions } from "../../model/merged-tree.js";
import { LayerTrees } from "../tree/layer-tree.js";
import { ViewCache } from "../tree/view-cache.js";
import { AnalysisJobs } from "./analysis-jobs.js";

export class ExplorerSession {
  readonly trees: LayerTrees;
  readonly views: ViewCache;
  readonly analysis: AnalysisJobs;

  constructor(
    readonly model: ImageModel,
    opts: MergedTreeOptions = {},
  ) {
    this.trees = new LayerTrees(model, new MergedTree(model, opts));
    this.views = new ViewCache(this.trees);
    this.analysis = new AnalysisJobs(model);
  }
}
