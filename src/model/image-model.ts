import { type BaseAnnotations, type BaseImage, decideBase, type ExactBase } from "./base-image.js";
import { computeDiveFigures, type DiveFigures } from "./dive.js";
import {
  alignedHistory,
  type HistoryItem,
  type Instruction,
  NO_HISTORY_COMMAND,
  type RawHistory,
} from "./history.js";
import { EntryType, type LayerContents } from "./layer-contents.js";
import type { LayerPackageFiles } from "./package-db.js";
import { type PathTable, ROOT, sortedChildrenOf } from "./path-table.js";
import { ChangeKind, HiddenReason, LayerStack, NOT_HIDDEN, type Removal } from "./stack.js";
import { computeWaste, type WasteReport } from "./waste.js";

/** What the model needs from a source (structurally what sources' ImageData provides). */
export interface ImageModelInput {
  source: string;
  reference: string | null;
  id: string | null;
  config: {
    architecture?: string;
    os?: string;
    variant?: string;
    created?: string;
    config?: Record<string, unknown>;
    history?: RawHistory[];
  };
  readLayers: ReadonlyArray<{
    descriptor: {
      diffId: string | null;
      digest: string | null;
      mediaType: string | null;
      blobSize: number | null;
      compression: "none" | "gzip" | "zstd" | null;
    };
    contents: LayerContents | null;
    error: string | null;
    /** The layer's package databases, decoded; null or absent when they were not kept. */
    packages?: LayerPackageFiles | null;
  }>;
  paths: PathTable;
  /** OCI base-image annotations the source found on the manifest or index. */
  baseAnnotations?: BaseAnnotations | null;
  /** `--base`: the base image's DiffIDs, for the exact boundary. */
  exactBase?: ExactBase | null;
}

export interface LayerSummary {
  index: number;
  diffId: string | null;
  digest: string | null;
  mediaType: string | null;
  compression: "none" | "gzip" | "zstd" | null;
  /** Blob size as stored, when the blob is compressed (null for uncompressed or unknown). */
  compressedSize: number | null;
  /** Sum of regular-file bytes in the layer. */
  size: number;
  /** Tar entries in the layer (whiteout markers included). */
  entryCount: number;
  /** Non-directory entries in the layer. */
  fileCount: number;
  /** Non-directory paths this layer added, modified, and deleted (through whiteouts, opaque dirs, replaced dirs). */
  added: number;
  modified: number;
  removed: number;
  /** Index into the image history of the entry that made this layer, or -1 when none could be matched. */
  historyIndex: number;
  createdBy: string | null;
  instruction: Instruction;
  /** One readable line: the instruction and its build args. */
  command: string;
  /** Why the layer could not be read, if it could not. */
  error: string | null;
}

export type { HistoryItem } from "./history.js";

/** How a path shows in the tree as of a layer. */
export const NodeStatus = {
  Absent: 0,
  /** Present, not touched by this layer. */
  Unchanged: 1,
  Added: 2,
  Modified: 3,
  /** Written by this layer, identical to what was below. */
  Same: 4,
  /** Deleted by this layer (whiteout, opaque directory, replaced directory): shown in place. */
  Removed: 5,
} as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

export interface NodeState {
  status: NodeStatus;
  /** The version shown (for Removed: the version that was deleted). */
  version: number;
  /** For a present node: the later layer that hides it, or null. */
  hiddenBy: number | null;
  hiddenReason: HiddenReason;
}

const ABSENT: NodeState = {
  status: NodeStatus.Absent,
  version: -1,
  hiddenBy: null,
  hiddenReason: HiddenReason.None,
};

/** The whole image: layers, history, every version of every path, and the analyses built on them. */
export class ImageModel {
  readonly layers: LayerSummary[];
  readonly history: HistoryItem[];
  readonly stack: LayerStack;
  /** Which bottom layers came from the base image, and how that was decided (null: nothing says). */
  readonly base: BaseImage | null;
  /** Versions of node n are nodeVersions[versionStart[n] .. versionStart[n+1]), oldest layer first. */
  private versionStart: Int32Array;
  private nodeVersions: Int32Array;
  private childStart: Int32Array | null = null;
  private childList: Int32Array | null = null;
  private treeRank: Int32Array | null = null;
  private wasteCache: WasteReport | null = null;
  private diveCache: DiveFigures | null = null;

  private constructor(
    readonly input: ImageModelInput,
    stack: LayerStack,
  ) {
    this.stack = stack;
    const layerCount = input.readLayers.length;
    const { items, layerItem } = alignedHistory(input.config.history ?? [], layerCount);
    this.history = items;
    [this.versionStart, this.nodeVersions] = this.indexVersions();
    const counts = this.countChanges(layerCount);
    this.layers = input.readLayers.map((rl, index) => {
      const c = rl.contents;
      const h = layerItem[index]!;
      const item = h >= 0 ? this.history[h] : undefined;
      const instruction = item?.instruction ?? { text: "", buildArgs: [] };
      let fileCount = 0;
      if (c) for (let e = 0; e < c.count; e++) if (c.type[e] !== EntryType.Dir) fileCount++;
      const compressed = rl.descriptor.compression === "gzip" || rl.descriptor.compression === "zstd";
      return {
        index,
        diffId: rl.descriptor.diffId,
        digest: rl.descriptor.digest,
        mediaType: rl.descriptor.mediaType,
        compression: rl.descriptor.compression,
        compressedSize: compressed ? rl.descriptor.blobSize : null,
        size: c?.fileBytes ?? 0,
        entryCount: c?.tarEntries ?? 0,
        fileCount,
        added: counts.added[index]!,
        modified: counts.modified[index]!,
        removed: counts.removed[index]!,
        historyIndex: h,
        createdBy: item?.createdBy ?? null,
        instruction,
        command: item ? item.command : NO_HISTORY_COMMAND,
        error: rl.error,
      };
    });
    this.base = decideBase({
      diffIds: this.layers.map((l) => l.diffId),
      history: this.history,
      labels: input.config.config?.Labels,
      annotations: input.baseAnnotations ?? null,
      exact: input.exactBase ?? null,
    });
  }

  /** True for a layer the base image brought (false when the boundary is not known). */
  isBaseLayer(layer: number): boolean {
    return this.base?.layerCount != null && layer < this.base.layerCount;
  }

  static build(input: ImageModelInput): ImageModel {
    const stack = new LayerStack(input.paths);
    for (const rl of input.readLayers) stack.push(rl.contents);
    return new ImageModel(input, stack);
  }

  get paths(): PathTable {
    return this.stack.paths;
  }

  get layerCount(): number {
    return this.layers.length;
  }

  /** Removals (whiteouts, opaque dirs, replaced dirs) made by a layer. */
  removals(layer: number): readonly Removal[] {
    return this.stack.removals[layer] ?? [];
  }

  /** Versions of a node, oldest first. */
  versionsOf(node: number): Int32Array {
    return this.nodeVersions.subarray(this.versionStart[node], this.versionStart[node + 1]);
  }

  /** The version of the same node before `v` (in an earlier layer), or -1. */
  previousVersion(v: number): number {
    const node = this.versions.node[v]!;
    const start = this.versionStart[node]!;
    for (let i = this.versionStart[node + 1]! - 1; i > start; i--) {
      if (this.nodeVersions[i] === v) return this.nodeVersions[i - 1]!;
    }
    return -1;
  }

  /** How node shows in the tree as of `layer`. */
  stateAt(node: number, layer: number): NodeState {
    const vs = this.versions;
    const start = this.versionStart[node]!;
    for (let i = this.versionStart[node + 1]! - 1; i >= start; i--) {
      const v = this.nodeVersions[i]!;
      if (vs.layer[v]! > layer) continue;
      const hiddenAt = vs.hiddenAt[v]!;
      if (hiddenAt > layer) {
        const status =
          vs.layer[v] === layer ? changeToStatus(vs.change[v] as ChangeKind) : NodeStatus.Unchanged;
        return {
          status,
          version: v,
          hiddenBy: hiddenAt === NOT_HIDDEN ? null : hiddenAt,
          hiddenReason: vs.hiddenReason[v] as HiddenReason,
        };
      }
      if (hiddenAt === layer && vs.hiddenReason[v] !== HiddenReason.Overwritten) {
        return {
          status: NodeStatus.Removed,
          version: v,
          hiddenBy: layer,
          hiddenReason: vs.hiddenReason[v] as HiddenReason,
        };
      }
      return ABSENT;
    }
    return ABSENT;
  }

  /** The version visible at `layer` (not counting deletions shown in place), or -1. */
  visibleAt(node: number, layer: number): number {
    const s = this.stateAt(node, layer);
    return s.status === NodeStatus.Absent || s.status === NodeStatus.Removed ? -1 : s.version;
  }

  get versions() {
    return this.stack.versions;
  }

  /** Children of every node sorted by name: children of n are sortedChildren()[start[n] .. start[n+1]). */
  sortedChildren(): { start: Int32Array; list: Int32Array } {
    if (!this.childStart || !this.childList) {
      const { start, list } = sortedChildrenOf(this.paths);
      this.childStart = start;
      this.childList = list;
    }
    return { start: this.childStart, list: this.childList };
  }

  /**
   * Each node's position in a depth-first walk of the whole table with children by name (the order
   * the explorer lists paths in); computed on first use.
   */
  treeOrder(): Int32Array {
    if (!this.treeRank) {
      const { start, list } = this.sortedChildren();
      const rank = new Int32Array(this.paths.size);
      const stack: number[] = [ROOT];
      let next = 0;
      while (stack.length > 0) {
        const node = stack.pop()!;
        rank[node] = next++;
        for (let i = start[node + 1]! - 1; i >= start[node]!; i--) stack.push(list[i]!);
      }
      this.treeRank = rank;
    }
    return this.treeRank;
  }

  waste(): WasteReport {
    this.wasteCache ??= computeWaste(this);
    return this.wasteCache;
  }

  dive(): DiveFigures {
    this.diveCache ??= computeDiveFigures(this.paths, this.stack.layers);
    return this.diveCache;
  }

  private indexVersions(): [Int32Array, Int32Array] {
    const vs = this.stack.versions;
    const n = this.paths.size;
    const start = new Int32Array(n + 1);
    for (let v = 0; v < vs.count; v++) start[vs.node[v]! + 1]!++;
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const list = new Int32Array(vs.count);
    const fill = start.slice(0, n);
    for (let v = 0; v < vs.count; v++) list[fill[vs.node[v]!]!++] = v;
    return [start, list];
  }

  private countChanges(layerCount: number) {
    const added = new Array<number>(layerCount).fill(0);
    const modified = new Array<number>(layerCount).fill(0);
    const removed = new Array<number>(layerCount).fill(0);
    const vs = this.stack.versions;
    for (let v = 0; v < vs.count; v++) {
      if (vs.entry[v]! < 0 || this.stack.isDir(v)) continue;
      const L = vs.layer[v]!;
      if (vs.change[v] === ChangeKind.Added) added[L]!++;
      else if (vs.change[v] === ChangeKind.Modified) modified[L]!++;
    }
    this.stack.removals.forEach((rs, L) => {
      for (const r of rs) removed[L]! += r.files;
    });
    return { added, modified, removed };
  }
}

function changeToStatus(c: ChangeKind): NodeStatus {
  return c === ChangeKind.Added
    ? NodeStatus.Added
    : c === ChangeKind.Modified
      ? NodeStatus.Modified
      : NodeStatus.Same;
}
