/**
 * Everything the explorer keeps for one open image: its merged tree and the handles on it, its
 * views (counts, array pool, filter index) and its background analyses. Made when the image is
 * ready and reached only from the explorer state (`ExplorerState.session`), so nothing of an image
 * outlives its session, and two images (or two explorers) never share anything.
 */
import type { ImageModel } from "../../model/image-model.js";
import { MergedTree, type MergedTreeOptions } from "../../model/merged-tree.js";
import { ImagePackages } from "../../model/packages.js";
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

  private packagesOf: ImagePackages | null = null;

  /** Whether any layer carries a package database (so owners are worth working out). */
  hasPackageDatabases(): boolean {
    return this.model.input.readLayers.some((rl) => (rl.packages?.files.size ?? 0) > 0);
  }

  /** Packages per layer, worked out on first use (the packages view, owners in the tree). */
  packages(): ImagePackages {
    this.packagesOf ??= new ImagePackages(this.model);
    return this.packagesOf;
  }
}
