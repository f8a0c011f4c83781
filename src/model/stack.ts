import { EntryType, type LayerContents, sameContent } from "./layer-contents.js";
import { type PathTable, ROOT } from "./path-table.js";

/** How a version of a path came to be in its layer, relative to what the layers below showed. */
export const ChangeKind = {
  /** Nothing was at this path below. */
  Added: 1,
  /** Content, mode, owner, type or link target differ from what was below. */
  Modified: 2,
  /** Written again, identical to what was below (a directory touched by a later layer, a chmod to the same mode…). */
  Same: 3,
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

/** Why a version stopped being visible. */
export const HiddenReason = {
  None: 0,
  /** A later layer wrote the same path. */
  Overwritten: 1,
  /** A whiteout in a later layer deleted it or a directory above it. */
  Deleted: 2,
  /** A later layer marked a directory above it opaque. */
  Opaque: 3,
  /** A later layer put a non-directory where a directory above it was. */
  Replaced: 4,
} as const;
export type HiddenReason = (typeof HiddenReason)[keyof typeof HiddenReason];

export const NOT_HIDDEN = 0xffff;

/** A deletion a layer made: a whiteout, an opaque directory, or a directory replaced by a file. */
export interface Removal {
  layer: number;
  node: number;
  kind: "whiteout" | "opaque" | "replaced";
  /** Bytes of regular files this deletion hid. */
  bytes: number;
  /** Paths (files, links, dirs) this deletion hid, the node itself included for a whiteout. */
  paths: number;
  /** Of those, the non-directories. */
  files: number;
  /** The whiteout named nothing that existed below. */
  noTarget: boolean;
  /** Versions written before it: it hid only some of those (a layer's own entries can come before). */
  versionsBefore: number;
}

/**
 * Every version of every path across the image: version v was written by layer `layer[v]`
 * (entry `entry[v]` of that layer's contents, or -1 for a directory implied by a deeper path),
 * and is visible up to, not including, `hiddenAt[v]`.
 */
export class VersionTable {
  count = 0;
  node = new Int32Array(1024);
  layer = new Uint16Array(1024);
  entry = new Int32Array(1024);
  change = new Uint8Array(1024);
  hiddenAt = new Uint16Array(1024);
  hiddenReason = new Uint8Array(1024);

  push(node: number, layer: number, entry: number, change: ChangeKind): number {
    if (this.count === this.node.length) this.grow();
    const v = this.count++;
    this.node[v] = node;
    this.layer[v] = layer;
    this.entry[v] = entry;
    this.change[v] = change;
    this.hiddenAt[v] = NOT_HIDDEN;
    this.hiddenReason[v] = HiddenReason.None;
    return v;
  }

  private grow(): void {
    const cap = this.node.length * 2;
    const g = <T extends Int32Array | Uint16Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.node = g(this.node);
    this.layer = g(this.layer);
    this.entry = g(this.entry);
    this.change = g(this.change);
    this.hiddenAt = g(this.hiddenAt);
    this.hiddenReason = g(this.hiddenReason);
  }
}

const NONE = -1;
const EMPTY_CONTENTS: LayerContents = {
  count: 0,
  node: new Int32Array(0),
  type: new Uint8Array(0),
  mode: new Uint16Array(0),
  uid: new Uint32Array(0),
  gid: new Uint32Array(0),
  size: new Float64Array(0),
  mtime: new Float64Array(0),
  hash: new Uint32Array(0),
  links: new Map(),
  whiteouts: new Int32Array(0),
  opaqueDirs: new Int32Array(0),
  tarEntries: 0,
  fileBytes: 0,
  tarFileBytes: 0,
  problems: [],
};

/**
 * Applies layers bottom to top, as an overlay filesystem would, recording for every version
 * the layer that hid it and why. Layers are appended in order; the state after each is queryable.
 */
export class LayerStack {
  readonly versions = new VersionTable();
  readonly removals: Removal[][] = [];
  readonly layers: LayerContents[] = [];
  /** The version visible at the top of what has been stacked so far, per node. */
  private live: Int32Array;
  /**
   * The last version from a lower layer that a layer hid, per node: while that layer is stacked,
   * what it showed below (a layer's changes are against that, never against its own earlier entries).
   */
  private lowerHidden: Int32Array;

  constructor(readonly paths: PathTable) {
    this.live = new Int32Array(Math.max(16, paths.size)).fill(NONE);
    this.lowerHidden = new Int32Array(Math.max(16, paths.size)).fill(NONE);
  }

  get layerCount(): number {
    return this.layers.length;
  }

  /** Attributes of a version, resolved through its layer's contents (implied directories get defaults). */
  type(v: number): EntryType {
    const e = this.versions.entry[v]!;
    return e < 0 ? EntryType.Dir : (this.layers[this.versions.layer[v]!]!.type[e] as EntryType);
  }
  mode(v: number): number {
    const e = this.versions.entry[v]!;
    return e < 0 ? 0o755 : this.layers[this.versions.layer[v]!]!.mode[e]!;
  }
  uid(v: number): number {
    const e = this.versions.entry[v]!;
    return e < 0 ? 0 : this.layers[this.versions.layer[v]!]!.uid[e]!;
  }
  gid(v: number): number {
    const e = this.versions.entry[v]!;
    return e < 0 ? 0 : this.layers[this.versions.layer[v]!]!.gid[e]!;
  }
  size(v: number): number {
    const e = this.versions.entry[v]!;
    return e < 0 ? 0 : this.layers[this.versions.layer[v]!]!.size[e]!;
  }
  mtime(v: number): number {
    const e = this.versions.entry[v]!;
    return e < 0 ? 0 : this.layers[this.versions.layer[v]!]!.mtime[e]!;
  }
  link(v: number): string | undefined {
    const e = this.versions.entry[v]!;
    return e < 0 ? undefined : this.layers[this.versions.layer[v]!]!.links.get(e);
  }
  sameContent(a: number, b: number): boolean {
    const ea = this.versions.entry[a]!;
    const eb = this.versions.entry[b]!;
    if (ea < 0 || eb < 0) return false;
    const la = this.layers[this.versions.layer[a]!]!;
    const lb = this.layers[this.versions.layer[b]!]!;
    return sameContent(la, ea, lb, eb);
  }
  isDir(v: number): boolean {
    return this.type(v) === EntryType.Dir;
  }

  /** The version visible at node after all stacked layers, or -1. */
  top(node: number): number {
    return node < this.live.length ? this.live[node]! : NONE;
  }

  /** Stack the next layer. `contents` null stands for a layer that could not be read. */
  push(contents: LayerContents | null): void {
    const c = contents ?? EMPTY_CONTENTS;
    const L = this.layers.length;
    if (L >= NOT_HIDDEN) throw new Error("too many layers");
    this.ensureCapacity();
    this.layers.push(c);
    const removals: Removal[] = [];
    this.removals.push(removals);

    // Deletions apply to the layers below only, so they come before this layer's own entries.
    const versionsBefore = this.versions.count;
    for (const dir of c.opaqueDirs) {
      const hidden = { bytes: 0, paths: 0, files: 0 };
      for (let ch = this.paths.firstChild(dir); ch !== NONE; ch = this.paths.nextSibling(ch)) {
        this.killSubtree(ch, L, HiddenReason.Opaque, hidden);
      }
      removals.push({ layer: L, node: dir, kind: "opaque", ...hidden, noTarget: false, versionsBefore });
    }
    for (const node of c.whiteouts) {
      const hidden = { bytes: 0, paths: 0, files: 0 };
      const noTarget = this.live[node] === NONE;
      this.killSubtree(node, L, HiddenReason.Deleted, hidden);
      removals.push({ layer: L, node, kind: "whiteout", ...hidden, noTarget, versionsBefore });
    }
    // A marker's directory is one of this layer's, as an entry's parent is: dockerd and containerd
    // make it (`a/.wh.b` with nothing at `a` below leaves an empty `a/`; a file `a` becomes one).
    for (const dir of c.opaqueDirs) this.ensureParentDir(dir, L, removals);
    for (const node of c.whiteouts) this.ensureParentDir(this.paths.parent(node), L, removals);

    for (let e = 0; e < c.count; e++) {
      const node = c.node[e]!;
      const type = c.type[e] as EntryType;
      if (node !== ROOT) this.ensureParentDir(this.paths.parent(node), L, removals);
      const old = this.live[node]!;
      if (old !== NONE && this.versions.layer[old] === L) {
        // A directory this layer implied earlier in its tar now gets its own entry.
        this.versions.entry[old] = e;
        this.versions.change[old] = this.changeAgainst(this.below(node, L), c, e);
        if (type !== EntryType.Dir) this.replaceChildren(node, L, removals);
        continue;
      }
      if (old !== NONE) {
        this.hide(old, L, HiddenReason.Overwritten);
        if (this.isDir(old) && type !== EntryType.Dir) this.replaceChildren(node, L, removals);
      }
      const v = this.versions.push(node, L, e, this.changeAgainst(this.below(node, L), c, e));
      this.live[node] = v;
    }
  }

  /** What layer L's change at node is measured against: the version visible below L there, or -1. */
  private below(node: number, L: number): number {
    const v = this.live[node]!;
    if (v !== NONE && this.versions.layer[v]! < L) return v;
    const h = this.lowerHidden[node]!;
    return h !== NONE && this.versions.hiddenAt[h] === L ? h : NONE;
  }

  private changeAgainst(before: number, c: LayerContents, e: number): ChangeKind {
    if (before === NONE) return ChangeKind.Added;
    const type = c.type[e]!;
    if (this.type(before) !== type) return ChangeKind.Modified;
    if (this.mode(before) !== c.mode[e] || this.uid(before) !== c.uid[e] || this.gid(before) !== c.gid[e]) {
      return ChangeKind.Modified;
    }
    if (type === EntryType.File) {
      const be = this.versions.entry[before]!;
      const bl = this.layers[this.versions.layer[before]!]!;
      return sameContent(bl, be, c, e) ? ChangeKind.Same : ChangeKind.Modified;
    }
    if (type === EntryType.Symlink || type === EntryType.Hardlink) {
      return this.link(before) === c.links.get(e) ? ChangeKind.Same : ChangeKind.Modified;
    }
    return ChangeKind.Same;
  }

  /** Make sure `dir` is a live directory, implying it (and its ancestors) when the layer did not list it. */
  private ensureParentDir(dir: number, L: number, _removals: Removal[]): void {
    // The directories up to the first live one, made top-down: a loop, as paths may be thousands deep.
    const chain: number[] = [];
    for (let d = dir; ; d = this.paths.parent(d)) {
      const v = this.live[d]!;
      if (v !== NONE && this.isDir(v)) break;
      chain.push(d);
      if (d === ROOT) break;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const d = chain[i]!;
      const before = this.below(d, L);
      const v = this.live[d]!;
      if (v !== NONE) this.hide(v, L, HiddenReason.Overwritten);
      this.live[d] = this.versions.push(d, L, -1, this.impliedChange(before));
    }
  }

  /** An implied directory (0755, root's) against what was below it. */
  private impliedChange(before: number): ChangeKind {
    if (before === NONE) return ChangeKind.Added;
    const same =
      this.isDir(before) && this.mode(before) === 0o755 && this.uid(before) === 0 && this.gid(before) === 0;
    return same ? ChangeKind.Same : ChangeKind.Modified;
  }

  /** A non-directory now stands where a directory was: everything below it goes. */
  private replaceChildren(node: number, L: number, removals: Removal[]): void {
    const hidden = { bytes: 0, paths: 0, files: 0 };
    for (let ch = this.paths.firstChild(node); ch !== NONE; ch = this.paths.nextSibling(ch)) {
      this.killSubtree(ch, L, HiddenReason.Replaced, hidden);
    }
    if (hidden.paths > 0) {
      const versionsBefore = this.versions.count;
      removals.push({ layer: L, node, kind: "replaced", ...hidden, noTarget: false, versionsBefore });
    }
  }

  private hide(v: number, L: number, reason: HiddenReason): void {
    const node = this.versions.node[v]!;
    this.versions.hiddenAt[v] = L;
    this.versions.hiddenReason[v] = reason;
    this.live[node] = NONE;
    if (this.versions.layer[v]! < L) this.lowerHidden[node] = v;
  }

  /** Hide the live version at node and every live version below it (iteratively: trees can be deep). */
  private killSubtree(
    start: number,
    L: number,
    reason: HiddenReason,
    acc: { bytes: number; paths: number; files: number },
  ): void {
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const v = this.live[node]!;
      if (v === NONE) continue;
      if (this.type(v) === EntryType.File) acc.bytes += this.size(v);
      acc.paths++;
      if (!this.isDir(v)) acc.files++;
      this.hide(v, L, reason);
      for (let ch = this.paths.firstChild(node); ch !== NONE; ch = this.paths.nextSibling(ch)) stack.push(ch);
    }
  }

  private ensureCapacity(): void {
    const n = this.paths.size;
    if (n <= this.live.length) return;
    const cap = Math.max(n, this.live.length * 2);
    const grow = (a: Int32Array) => {
      const b = new Int32Array(cap).fill(NONE);
      b.set(a);
      return b;
    };
    this.live = grow(this.live);
    this.lowerHidden = grow(this.lowerHidden);
  }
}
