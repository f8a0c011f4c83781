/**
 * `LayerTree` is a handle on the image's merged tree (model/merged-tree.ts) for one layer: its
 * arrays are valid until a tree of another layer of the same image is used; every accessor moves
 * the merged tree back first. `LayerTrees` holds an image's one merged tree and its handles.
 */
import { type ImageModel, NodeStatus } from "../../model/image-model.js";
import { MergedTree, PRESENT, REMOVED, STATUS_OF_CHANGE } from "../../model/merged-tree.js";

/** The tree of one image as of one layer: a handle on the image's shared, movable tree state. */
export class LayerTree {
  private statusCache: Uint8Array | null = null;
  private bySize = new Map<number, Int32Array>();
  readonly state: MergedTree;

  constructor(
    readonly model: ImageModel,
    readonly layer: number,
    state?: MergedTree,
  ) {
    this.state = state ?? new MergedTree(model);
  }

  /** Bring the shared arrays to this layer (every accessor does). */
  ensure(): MergedTree {
    const s = this.state;
    if (s.layer !== this.layer) s.moveTo(this.layer);
    return s;
  }

  /** The current version of each node as of the layer (-1: none yet). */
  get ver(): Int32Array {
    return this.ensure().ver;
  }
  /** ABSENT, PRESENT or REMOVED. */
  get cls(): Uint8Array {
    return this.ensure().cls;
  }
  /** A file's size; a directory's subtree as of the layer (removed nodes: the bytes deleted). */
  get size(): Float64Array {
    return this.ensure().size;
  }
  /** Rows under each node when every present path is shown and every directory expanded. */
  get rowsBelow(): Int32Array {
    return this.ensure().rows;
  }

  /** NodeStatus of every node as of the layer (computed on first use). */
  status(): Uint8Array {
    if (!this.statusCache) {
      const { cls, ver } = this.ensure();
      const vs = this.model.versions;
      const n = cls.length;
      const out = new Uint8Array(n);
      for (let node = 0; node < n; node++) {
        const c = cls[node]!;
        if (c === PRESENT) out[node] = NodeStatus.Unchanged;
        else if (c === REMOVED) out[node] = NodeStatus.Removed;
      }
      // Only versions written by this layer are anything but unchanged.
      const [a, b] = this.state.versionsOfLayer(this.layer);
      for (let v = a; v < b; v++) {
        const node = vs.node[v]!;
        if (ver[node] === v && cls[node] === PRESENT) out[node] = STATUS_OF_CHANGE[vs.change[v]!]!;
      }
      this.statusCache = out;
    }
    return this.statusCache;
  }

  /** Versions this layer wrote or deleted: an upper bound of the paths it changed. */
  changeCount(): number {
    const [a, b] = this.state.versionsOfLayer(this.layer);
    return b - a + this.state.deletedAt(this.layer).length;
  }

  /**
   * The nodes this layer changed (written: added, modified, rewritten the same; or removed in
   * place) whose NodeStatus is allowed (`allowed[status]` is 1), without a pass over every path.
   */
  changedNodes(allowed: Uint8Array): Int32Array {
    const state = this.ensure();
    const { cls, ver } = state;
    const vs = this.model.versions;
    const out: number[] = [];
    const [a, b] = state.versionsOfLayer(this.layer);
    for (let v = a; v < b; v++) {
      const node = vs.node[v]!;
      if (ver[node] === v && cls[node] === PRESENT && allowed[STATUS_OF_CHANGE[vs.change[v]!]!] === 1)
        out.push(node);
    }
    if (allowed[NodeStatus.Removed] === 1) {
      const deleted = state.deletedAt(this.layer);
      for (let i = 0; i < deleted.length; i++) {
        const node = vs.node[deleted[i]!]!;
        if (cls[node] === REMOVED) out.push(node);
      }
    }
    return Int32Array.from(out);
  }

  /** Children of `dir` (all of them, present or not), largest subtree first, then by name. */
  childrenBySize(dir: number): Int32Array {
    // Sizes as of a layer are exact sums, the same however the state got there: orders stay valid.
    let list = this.bySize.get(dir);
    if (!list) {
      const { start, list: all } = this.model.sortedChildren();
      const size = this.ensure().size;
      const part = Array.from(all.subarray(start[dir]!, start[dir + 1]!));
      part.sort((a, b) => size[b]! - size[a]!);
      list = Int32Array.from(part);
      this.bySize.set(dir, list);
    }
    return list;
  }

  /** Drop what was computed for this layer (status, orders), e.g. when it is no longer on screen. */
  forget(): void {
    this.statusCache = null;
    this.bySize = new Map();
  }
}

/** Layers whose status arrays (1 byte per path) stay cached: the selected one and its neighbours. */
const KEEP_LAYER_DETAILS = 3;

/** An image's one merged tree and the handles on it for the layers used last. */
export class LayerTrees {
  private readonly handles = new Map<number, LayerTree>();

  constructor(
    readonly model: ImageModel,
    readonly merged: MergedTree = new MergedTree(model),
  ) {}

  /** Forget the kept steps and what was computed per layer (benchmarks measure layer changes cold). */
  dropSteps(): void {
    this.merged.dropSteps();
    this.handles.clear();
  }

  /** The tree as of `layer`; the merged tree is moved there. */
  at(layer: number): LayerTree {
    const handles = this.handles;
    let t = handles.get(layer);
    if (t) handles.delete(layer);
    else t = new LayerTree(this.model, layer, this.merged);
    handles.set(layer, t);
    let extra = handles.size - KEEP_LAYER_DETAILS;
    for (const h of handles.values()) {
      if (extra-- <= 0) break;
      h.forget();
    }
    t.ensure();
    return t;
  }
}
