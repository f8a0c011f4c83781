import type { ImageModel } from "./image-model.js";
import { EntryType } from "./layer-contents.js";
import { type HiddenReason, NOT_HIDDEN } from "./stack.js";

/** A path whose bytes were shipped in some layer but are not visible at the top. */
export interface Inefficiency {
  node: number;
  path: string;
  /** Regular-file copies of this path across all layers, the visible one included. */
  copies: number;
  /** Bytes of the copies nobody sees at the top. */
  wastedBytes: number;
  /** Layers that wrote a copy, bottom first. */
  layers: number[];
  /** The latest layer that hid a copy (overwrote or deleted it). */
  hiddenBy: number;
  hiddenReason: HiddenReason;
  /** Whether the path is still visible at the top (overwritten, as opposed to deleted). */
  visibleAtTop: boolean;
}

export interface WasteReport {
  /** Sum of all layer sizes (regular-file bytes in every layer). */
  totalLayerBytes: number;
  /** Bytes of regular files visible in the final merged tree. */
  contentBytes: number;
  /** totalLayerBytes − contentBytes: bytes shipped but never visible at the top. */
  wastedBytes: number;
  /** contentBytes / totalLayerBytes (1 for an image with no bytes). */
  efficiency: number;
  /** Non-directory paths in the final tree. */
  fileCount: number;
  /** Largest waste first. */
  inefficiencies: Inefficiency[];
}

/**
 * Every regular-file version is either visible at the top (content) or hidden by a later
 * layer (waste), so content + waste = total exactly: nothing counted twice or left out.
 */
export function computeWaste(model: ImageModel): WasteReport {
  const stack = model.stack;
  const vs = stack.versions;
  let total = 0;
  let content = 0;
  let fileCount = 0;
  const byNode = new Map<number, Inefficiency>();
  for (let v = 0; v < vs.count; v++) {
    const type = stack.type(v);
    const hidden = vs.hiddenAt[v] !== NOT_HIDDEN;
    if (!hidden && type !== EntryType.Dir) fileCount++;
    if (type !== EntryType.File) continue;
    const size = stack.size(v);
    total += size;
    if (!hidden) {
      content += size;
      continue;
    }
    if (size === 0) continue;
    const node = vs.node[v]!;
    let item = byNode.get(node);
    if (!item) {
      item = {
        node,
        path: "",
        copies: 0,
        wastedBytes: 0,
        layers: [],
        hiddenBy: 0,
        hiddenReason: 0,
        visibleAtTop: false,
      };
      byNode.set(node, item);
    }
    item.wastedBytes += size;
    if (vs.hiddenAt[v]! >= item.hiddenBy) {
      item.hiddenBy = vs.hiddenAt[v]!;
      item.hiddenReason = vs.hiddenReason[v] as HiddenReason;
    }
  }
  const inefficiencies = [...byNode.values()];
  for (const item of inefficiencies) {
    item.path = model.paths.path(item.node);
    for (const v of model.versionsOf(item.node)) {
      if (stack.type(v) !== EntryType.File) continue;
      item.copies++;
      item.layers.push(vs.layer[v]!);
      if (vs.hiddenAt[v] === NOT_HIDDEN) item.visibleAtTop = true;
    }
  }
  inefficiencies.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));
  // Layer sizes come from the layers as read; an unreadable layer counts as empty on both sides.
  const layerTotal = model.layers.reduce((s, l) => s + l.size, 0);
  if (layerTotal !== total) throw new Error(`waste accounting broke: ${layerTotal} != ${total}`);
  return {
    totalLayerBytes: total,
    contentBytes: content,
    wastedBytes: total - content,
    efficiency: total === 0 ? 1 : content / total,
    fileCount,
    inefficiencies,
  };
}
