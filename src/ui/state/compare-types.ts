/** What the explorer keeps about the second image and its comparison (`--compare`); see compare-state.ts. */
import type { ImageComparison } from "../../model/compare.js";
import type { ImageModel } from "../../model/image-model.js";
import type { CompareSort } from "../compare/compare-tree.js";
import type { CompareSession } from "../session/compare-session.js";
import { type Expansion, type HideFlags, SHOW_ALL } from "../tree/tree-query.js";
import type { ImageOutline, LayerProgress } from "./load-events.js";

export interface CompareState {
  /** The comparison on screen; false: the first image explored alone, as without --compare. */
  shown: boolean;
  /** What the user named for the second image (B). */
  source: string;
  outline: ImageOutline | null;
  progress: readonly (LayerProgress | null)[];
  /** The second image, once read. */
  model: ImageModel | null;
  error: string | null;
  /** Both images and their comparison: made once both are read. */
  session: CompareSession | null;
  /** The comparison, once computed (the session's). */
  comparison: ImageComparison | null;
  focus: "layers" | "tree";
  /** The layers list: the row under the cursor and the first on screen. */
  layerRow: number;
  layerTop: number;
  sort: CompareSort;
  hide: HideFlags;
  expansion: Expansion;
  /** Merged path under the cursor (-1: none), its row and the first row on screen. */
  cursor: number;
  cursorRow: number;
  treeTop: number;
  /** The package changes list (`p`): its first row on screen; null while it is closed. */
  packagesTop: number | null;
}

export function initialCompare(source: string): CompareState {
  return {
    shown: true,
    source,
    outline: null,
    progress: [],
    model: null,
    error: null,
    session: null,
    comparison: null,
    focus: "tree",
    layerRow: 0,
    layerTop: 0,
    sort: "name",
    // What changed is the point: unchanged paths are hidden until `u` shows them.
    hide: { ...SHOW_ALL, unmodified: true },
    expansion: { defaultExpanded: true, toggled: new Set() },
    cursor: -1,
    cursorRow: 0,
    treeTop: 0,
    packagesTop: null,
  };
}
