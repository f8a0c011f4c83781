/**
 * Everything the explorer shows is a function of ExplorerState, and every key press, resize, load
 * event and finished background job is an Action applied by `reduce` (reducer.ts). The tree is
 * never stored here: the cursor is a node id and a row, and rows are computed from the image's
 * session on demand (tree/visible-tree.ts).
 */
import type { Finding } from "../../model/advice/index.js";
import type { CompactRangeDiff } from "../../model/diff.js";
import type { FileHistory } from "../../model/file-history.js";
import type { ImageModel } from "../../model/image-model.js";
import type { KeyFlags } from "../keymap/key-flags.js";
import { type Binding, type Command, KEYMAP } from "../keymap/keymap.js";
import type { CompareSession } from "../session/compare-session.js";
import type { ExplorerSession } from "../session/explorer-session.js";
import { type Expansion, type HideFlags, SHOW_ALL, type SortOrder } from "../tree/tree-query.js";
import type { CompareState } from "./compare-types.js";
import type { ImageOutline, LayerProgress, LoadEvent } from "./load-events.js";
import type { PointerEvent } from "./pointer-event.js";
import type { PullBoard } from "./pull-board.js";

export type Pane = "layers" | "tree";

/** The advice overlay: which finding is selected and the first one on screen. */
export interface AdviceView {
  selected: number;
  top: number;
}

/** The history overlay: one path's events across the layers, the selected one and the first on screen. */
export interface FileHistoryView {
  node: number;
  history: FileHistory;
  selected: number;
  top: number;
}

/** The packages overlay of one layer: the selected row and the first on screen. */
export interface PackagesView {
  layer: number;
  selected: number;
  top: number;
}

/** The tree limited to one package's files in one layer (Enter in the packages overlay). */
export interface PackageFilter {
  key: string;
  name: string;
  layer: number;
  /** 1 for the package's files, by node id. */
  mask: Uint8Array;
}

/** One file opened in the viewer; its bytes arrive asynchronously (request ties the answer to it). */
export interface FileViewer {
  request: number;
  node: number;
  layer: number;
  path: string;
  status: "loading" | "ready" | "error";
  data: Uint8Array | null;
  /** Text lines, or null for a hex dump of `data`. */
  lines: string[] | null;
  truncated: boolean;
  error: string | null;
  top: number;
  /** Whose file: the image explored ("main", the default) or the one compared with it. */
  image?: "main" | "compare";
  /** What the title says the version is ("as of layer N" without it). */
  label?: string;
}

export interface ExplorerState {
  columns: number;
  rows: number;
  focus: Pane;
  outline: ImageOutline | null;
  /** The image, once read (the same as `session.model`). */
  model: ImageModel | null;
  /**
   * What belongs to the open image: its merged tree, views and background jobs. Made when the
   * image is ready; the reducer and the panes reach it only through here.
   */
  session: ExplorerSession | null;
  /** The advisor's findings, once its background job finished (null until then). */
  findings: readonly Finding[] | null;
  /** The range diff compareFrom → layer, once computed (null while it is, or not comparing). */
  rangeDiff: CompactRangeDiff | null;
  /** Per layer, while the tree is indexed. */
  progress: readonly (LayerProgress | null)[];
  /**
   * While the image is still being read but its first layers are in: how many. The session's model
   * is then those layers as an image (the rest empty); null once every layer is read.
   */
  layersRead: number | null;
  error: string | null;
  /** The selected layer, -1 before any is known. */
  layer: number;
  /** First row of the layers list on screen. */
  layerTop: number;
  showHistory: boolean;
  changesOnly: boolean;
  hide: HideFlags;
  sort: SortOrder;
  /** null: shown when the tree pane is wide enough. */
  attributes: boolean | null;
  filter: string;
  filterEditing: boolean;
  expansion: Expansion;
  /** Node under the cursor (-1: none) and its row; the row is the fallback when the node goes. */
  cursor: number;
  cursorRow: number;
  treeTop: number;
  /** Position in the largest-files list of the last jump, -1 when not jumping. */
  largestRank: number;
  help: boolean;
  helpTop: number;
  /** The advice overlay, open or null. */
  advice: AdviceView | null;
  /** The packages overlay, open or null. */
  packages: PackagesView | null;
  /** The tree shows only one package's files, or null. */
  packageFilter: PackageFilter | null;
  viewer: FileViewer | null;
  /** The history overlay of one path, open or null. */
  fileHistory: FileHistoryView | null;
  /** Requests made so far, to number the next one. */
  viewerRequests: number;
  /** Range view: the layer to compare from (-1: none); the selected layer is compared to it. */
  compareFrom: number;
  /** First row of the range diff on screen. */
  diffTop: number;
  /** `--compare OTHER`: the second image and the comparison (null when one image is explored). */
  compare: CompareState | null;
  /** The selected row of the range diff (Enter shows its path in the tree). */
  diffRow: number;
  /** A one-line message for the status line until the next key. */
  notice: string | null;
  quit: boolean;
  /** The keys: layerview's, with the user's bindings applied (config file, dive's). */
  keymap: readonly Binding[];
  /** The filter is a regular expression (else a substring or a glob). */
  filterRegex: boolean;
  /** A `--pull` in progress (a row per layer), shown until the image is read. */
  pull: PullBoard | null;
  /** Text to put on the clipboard (OSC 52): the app writes it when `seq` changes. */
  copy: { seq: number; text: string } | null;
  /** Ctrl+Z: the app suspends the process when this grows. */
  suspends: number;
}

/** What the user's configuration sets in the explorer (the rest starts as initialState has it). */
export interface ExplorerPreferences {
  keymap?: readonly Binding[];
  sort?: SortOrder;
  /** null: shown when the tree pane is wide enough. */
  attributes?: boolean | null;
  changesOnly?: boolean;
  showHistory?: boolean;
  focus?: Pane;
  regex?: boolean;
}

export type Action =
  | { type: "command"; command: Command }
  | { type: "filter-input"; text: string }
  | { type: "filter-backspace" }
  | { type: "filter-done" }
  | { type: "resize"; columns: number; rows: number }
  | { type: "load"; event: LoadEvent }
  /** The image is ready and its session prepared (the steps between its layers, for big images). */
  | { type: "opened"; session: ExplorerSession }
  /** The advisor finished in idle time. */
  | { type: "advice-ready"; findings: readonly Finding[] }
  /** A range diff finished in idle time (kept if it is still the pair compared). */
  | { type: "range-diff-ready"; diff: CompactRangeDiff }
  /** The comparison of two images finished in idle time. */
  | { type: "compare-ready"; session: CompareSession }
  | { type: "viewer-loaded"; request: number; data: Uint8Array; truncated: boolean }
  | { type: "viewer-failed"; request: number; message: string }
  /** Ctrl+C: quits from anywhere, the viewer and overlays included. */
  | { type: "quit" }
  /** A key as the terminal reported it; resolved against the state it arrives in (key-input.ts). */
  | { type: "key"; input: string; key: Partial<KeyFlags> }
  /** A mouse event (wheel, press) at a cell of the screen (pointer.ts). */
  | { type: "pointer"; event: PointerEvent };

export function initialState(columns = 80, rows = 24, prefs: ExplorerPreferences = {}): ExplorerState {
  return {
    columns,
    rows,
    focus: "layers",
    outline: null,
    model: null,
    session: null,
    findings: null,
    rangeDiff: null,
    layersRead: null,
    progress: [],
    error: null,
    layer: -1,
    layerTop: 0,
    showHistory: true,
    changesOnly: false,
    hide: SHOW_ALL,
    sort: "name",
    attributes: null,
    filter: "",
    filterEditing: false,
    expansion: { defaultExpanded: true, toggled: new Set() },
    cursor: -1,
    cursorRow: 0,
    treeTop: 0,
    largestRank: -1,
    help: false,
    helpTop: 0,
    advice: null,
    packages: null,
    packageFilter: null,
    viewer: null,
    fileHistory: null,
    viewerRequests: 0,
    compareFrom: -1,
    diffTop: 0,
    compare: null,
    diffRow: 0,
    notice: null,
    quit: false,
    keymap: KEYMAP,
    filterRegex: false,
    pull: null,
    copy: null,
    suspends: 0,
    ...definedOf({
      keymap: prefs.keymap,
      sort: prefs.sort,
      attributes: prefs.attributes,
      changesOnly: prefs.changesOnly,
      showHistory: prefs.showHistory,
      focus: prefs.focus,
      filterRegex: prefs.regex,
    }),
  };
}

function definedOf<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
