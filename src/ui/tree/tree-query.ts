/** What the file tree pane asks for: a layer, a view of it, a filter, a sort order and an expansion. */

export interface HideFlags {
  added: boolean;
  removed: boolean;
  modified: boolean;
  /** Unchanged and rewritten-identical paths. */
  unmodified: boolean;
}

export const SHOW_ALL: HideFlags = { added: false, removed: false, modified: false, unmodified: false };

/** Directories differ from `defaultExpanded` exactly when they are in `toggled`. */
export interface Expansion {
  defaultExpanded: boolean;
  toggled: ReadonlySet<number>;
}

export type SortOrder = "name" | "size";

/** Only these paths (1 in `mask`, by node id): the files of one package, say. */
export interface OnlyNodes {
  /** Names the set in cache keys. */
  key: string;
  mask: Uint8Array;
}

export interface TreeQuery {
  layer: number;
  /** Shown paths are limited to these (with the directories leading to them); null/absent: no limit. */
  only?: OnlyNodes | null;
  /** Only what this layer changed (plus the directories leading to it). */
  changesOnly: boolean;
  hide: HideFlags;
  filter: string;
  sort: SortOrder;
  expansion: Expansion;
}

export interface VisibleRow {
  node: number;
  index: number;
  depth: number;
  /** Has shown children (so it can be expanded or collapsed). */
  hasChildren: boolean;
  expanded: boolean;
  /** Tree guides before the name: "│  ├─ ", with "⊕" for a collapsed directory. */
  guide: string;
}
