/**
 * Every path seen in any layer, interned once as a node id. Node 0 is the root "/".
 * Storage is columnar (typed arrays) plus a deduplicated basename table, so a million
 * paths cost tens of bytes each rather than a JS object apiece.
 */
export const ROOT = 0;

const EMPTY = -1;

export class PathTable {
  private parentOf: Int32Array;
  private nameOf: Int32Array;
  private firstChildOf: Int32Array;
  private nextSiblingOf: Int32Array;
  private count = 1;

  private readonly names: string[] = [""];
  /**
   * Open-addressing hash of basename -> name id (EMPTY when free), keyed by our own string hash:
   * a JS Map of half a million fresh strings cost twice as much per lookup and grows in big copies
   * (bench/intern.js).
   */
  private nameSlots: Int32Array;
  private nameMask: number;
  /** Each name's hash, so growing the name table does not hash every string again. */
  private nameHash: Int32Array;

  // Open-addressing hash of (parent, nameId) -> node, in one Int32Array: [parent, nameId, node] per slot.
  private slots: Int32Array;
  private slotMask: number;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.parentOf = new Int32Array(cap);
    this.nameOf = new Int32Array(cap);
    this.firstChildOf = new Int32Array(cap).fill(EMPTY);
    this.nextSiblingOf = new Int32Array(cap).fill(EMPTY);
    this.parentOf[ROOT] = EMPTY;
    const slotCount = nextPow2(cap * 2);
    this.slots = new Int32Array(slotCount * 3).fill(EMPTY);
    this.slotMask = slotCount - 1;
    const nameSlots = nextPow2(cap);
    this.nameSlots = new Int32Array(nameSlots).fill(EMPTY);
    this.nameMask = nameSlots - 1;
    this.nameHash = new Int32Array(nextPow2(cap / 2));
    this.nameHash[0] = stringHash("");
    this.nameSlots[this.nameHash[0]! & this.nameMask] = 0;
  }

  // Per-node scratch for "seen in the layer being built": the builder id and the entry index.
  private seenBy: Int32Array = new Int32Array(0);
  private seenAt: Int32Array = new Int32Array(0);
  private builds = 0;

  /** A fresh id for one layer build, for `markSeen`. Layers are built one at a time per table. */
  newBuildId(): number {
    return ++this.builds;
  }

  /** Record that build `id` put `node` at entry `index`; returns the index it had there before, or -1. */
  markSeen(node: number, id: number, index: number): number {
    if (node >= this.seenBy.length) {
      const cap = Math.max(this.parentOf.length, node + 1);
      this.seenBy = growInt32(this.seenBy, cap, 0);
      this.seenAt = growInt32(this.seenAt, cap, 0);
    }
    const before = this.seenBy[node] === id ? this.seenAt[node]! : -1;
    this.seenBy[node] = id;
    this.seenAt[node] = index;
    return before;
  }

  /** Number of nodes, including the root. */
  get size(): number {
    return this.count;
  }

  parent(node: number): number {
    return this.parentOf[node]!;
  }

  name(node: number): string {
    return this.names[this.nameOf[node]!]!;
  }

  /**
   * Read-only views of the columns, for linear passes over every node: `parents[n]` (-1 for the
   * root) and `nameIds[n]`, an index for `nameById`. Views go stale when the table grows.
   */
  columns(): { parents: Int32Array; nameIds: Int32Array; nameCount: number } {
    return {
      parents: this.parentOf.subarray(0, this.count),
      nameIds: this.nameOf.subarray(0, this.count),
      nameCount: this.names.length,
    };
  }

  nameById(id: number): string {
    return this.names[id]!;
  }

  /** Children in insertion order (most recent first); callers sort as they need. */
  *children(node: number): Generator<number> {
    for (let c = this.firstChildOf[node]!; c !== EMPTY; c = this.nextSiblingOf[c]!) yield c;
  }

  firstChild(node: number): number {
    return this.firstChildOf[node]!;
  }

  nextSibling(node: number): number {
    return this.nextSiblingOf[node]!;
  }

  depth(node: number): number {
    let d = 0;
    for (let n = node; n !== ROOT; n = this.parentOf[n]!) d++;
    return d;
  }

  /** Absolute path, "/" for the root. */
  path(node: number): string {
    if (node === ROOT) return "/";
    const parts: string[] = [];
    for (let n = node; n !== ROOT; n = this.parentOf[n]!) parts.push(this.name(n));
    return `/${parts.reverse().join("/")}`;
  }

  isAncestor(ancestor: number, node: number): boolean {
    for (let n = this.parentOf[node]!; n !== EMPTY; n = this.parentOf[n]!) if (n === ancestor) return true;
    return false;
  }

  /** The child of `parent` called `name`, or -1. */
  lookupChild(parent: number, name: string): number {
    const nameId = this.nameSlots[this.findName(name, stringHash(name))]!;
    if (nameId === EMPTY) return EMPTY;
    return this.slots[this.findSlot(parent, nameId) + 2]!;
  }

  /** The node for normalised segments (no "", ".", ".."), or -1 when some part was never seen. */
  lookup(segments: readonly string[]): number {
    let node = ROOT;
    for (const s of segments) {
      node = this.lookupChild(node, s);
      if (node === EMPTY) return EMPTY;
    }
    return node;
  }

  internChild(parent: number, name: string): number {
    const h = stringHash(name);
    const nameSlot = this.findName(name, h);
    let nameId = this.nameSlots[nameSlot]!;
    if (nameId === EMPTY) nameId = this.addName(name, h, nameSlot);
    const slot = this.findSlot(parent, nameId);
    const found = this.slots[slot + 2]!;
    if (found !== EMPTY) return found;
    if (this.count >= this.parentOf.length) this.grow();
    const node = this.count++;
    this.parentOf[node] = parent;
    this.nameOf[node] = nameId;
    this.nextSiblingOf[node] = this.firstChildOf[parent]!;
    this.firstChildOf[parent] = node;
    this.slots[slot] = parent;
    this.slots[slot + 1] = nameId;
    this.slots[slot + 2] = node;
    // Rehash past a 0.7 load factor: linear probing stays short, the table stays small.
    if (this.count * 10 > (this.slotMask + 1) * 7) this.rehash();
    return node;
  }

  intern(segments: readonly string[]): number {
    let node = ROOT;
    for (const s of segments) node = this.internChild(node, s);
    return node;
  }

  private findName(name: string, h: number): number {
    const names = this.names;
    const slots = this.nameSlots;
    const mask = this.nameMask;
    let i = h & mask;
    for (;;) {
      const id = slots[i]!;
      if (id === EMPTY || (this.nameHash[id] === h && names[id] === name)) return i;
      i = (i + 1) & mask;
    }
  }

  private addName(name: string, h: number, slot: number): number {
    const id = this.names.length;
    this.names.push(name);
    if (id >= this.nameHash.length) this.nameHash = growInt32(this.nameHash, this.nameHash.length * 2, 0);
    this.nameHash[id] = h;
    this.nameSlots[slot] = id;
    // Past a 0.5 load factor, double: probes stay short.
    if ((id + 1) * 2 > this.nameMask + 1) this.rehashNames();
    return id;
  }

  private rehashNames(): void {
    const size = (this.nameMask + 1) * 2;
    const slots = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (let id = 0; id < this.names.length; id++) {
      let i = this.nameHash[id]! & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.nameSlots = slots;
    this.nameMask = mask;
  }

  private findSlot(parent: number, nameId: number): number {
    let i = hash2(parent, nameId) & this.slotMask;
    for (;;) {
      const at = i * 3;
      const p = this.slots[at]!;
      if (p === EMPTY || (p === parent && this.slots[at + 1] === nameId)) return at;
      i = (i + 1) & this.slotMask;
    }
  }

  private grow(): void {
    const cap = this.parentOf.length * 2;
    this.parentOf = growInt32(this.parentOf, cap, 0);
    this.nameOf = growInt32(this.nameOf, cap, 0);
    this.firstChildOf = growInt32(this.firstChildOf, cap, EMPTY);
    this.nextSiblingOf = growInt32(this.nextSiblingOf, cap, EMPTY);
  }

  private rehash(): void {
    const old = this.slots;
    const slotCount = (this.slotMask + 1) * 2;
    this.slots = new Int32Array(slotCount * 3).fill(EMPTY);
    this.slotMask = slotCount - 1;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at] === EMPTY) continue;
      const to = this.findSlot(old[at]!, old[at + 1]!);
      this.slots[to] = old[at]!;
      this.slots[to + 1] = old[at + 1]!;
      this.slots[to + 2] = old[at + 2]!;
    }
  }
}

/** FNV-1a over UTF-16 code units, then mixed: every bit of the result depends on every unit. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

/** Children of every node sorted by name: children of n are list[start[n] .. start[n+1]). */
export function sortedChildrenOf(paths: PathTable): { start: Int32Array; list: Int32Array } {
  const n = paths.size;
  const start = new Int32Array(n + 1);
  for (let node = 1; node < n; node++) start[paths.parent(node) + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const list = new Int32Array(Math.max(0, n - 1));
  const fill = start.slice(0, n);
  for (let node = 1; node < n; node++) list[fill[paths.parent(node)]!++] = node;
  const names: string[] = new Array(n);
  for (let node = 0; node < n; node++) names[node] = paths.name(node);
  for (let p = 0; p < n; p++) {
    const a = start[p]!;
    const b = start[p + 1]!;
    if (b - a > 1) {
      const part = Array.from(list.subarray(a, b)).sort((x, y) => byName(names[x]!, names[y]!));
      list.set(part, a);
    }
  }
  return { start, list };
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hash2(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

export function growInt32(a: Int32Array, cap: number, fill: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
