// Why PathTable (src/model/path-table.ts) hashes basenames itself instead of keeping them in a JS Map:
// interning every path of the 1M-entry synthetic image (bench/generate.js) into a fresh table, as
// the layer reader does, with fresh strings each run (a parser's strings are new, their hashes not
// yet computed). The contender is the same table with a Map<string, id> for the names (what
// PathTable had before). Best of N runs, both in one process, alternating.
// Usage: npm run build && node bench/intern.js [runs=5]
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PathTable } from "../dist/model/path-table.js";
import { cachedSynthetic } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 5);

/** The contender: basenames in a Map, (parent, name id) → node in an open-addressing Int32Array. */
class MapNamedTable {
  names = [""];
  ids = new Map([["", 0]]);
  parent = [-1];
  slots = new Int32Array(1 << 11).fill(-1);
  mask = (1 << 11) / 2 - 1;
  count = 1;
  internChild(parent, name) {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    let i = hash2(parent, id) & this.mask;
    for (;;) {
      const at = i * 2;
      if (this.slots[at] === -1) break;
      const node = this.slots[at + 1];
      if (this.slots[at] === parent && this.nameOf[node] === id) return node;
      i = (i + 1) & this.mask;
    }
    const node = this.count++;
    this.nameOf ??= [0];
    this.nameOf[node] = id;
    this.parent[node] = parent;
    this.slots[i * 2] = parent;
    this.slots[i * 2 + 1] = node;
    if (this.count * 10 > (this.mask + 1) * 7) this.rehash();
    return node;
  }
  rehash() {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Int32Array(size * 2).fill(-1);
    this.mask = size - 1;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at] === -1) continue;
      let i = hash2(old[at], this.nameOf[old[at + 1]]) & this.mask;
      while (this.slots[i * 2] !== -1) i = (i + 1) & this.mask;
      this.slots[i * 2] = old[at];
      this.slots[i * 2 + 1] = old[at + 1];
    }
  }
  intern(segments) {
    let node = 0;
    for (const s of segments) node = this.internChild(node, s);
    return node;
  }
}

function hash2(a, b) {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Every entry name of the synthetic image's layer tars, split into segments. */
function entryPaths(layerFiles) {
  const out = [];
  for (const f of layerFiles) {
    const b = readFileSync(f);
    for (let pos = 0; pos + 512 <= b.length && b[pos] !== 0; ) {
      const name = b.toString("latin1", pos, pos + 100).replace(/\0.*$/s, "");
      const prefix = b.toString("latin1", pos + 345, pos + 500).replace(/\0.*$/s, "");
      const size = Number.parseInt(b.toString("latin1", pos + 124, pos + 136), 8) || 0;
      out.push((prefix ? `${prefix}/${name}` : name).split("/").filter(Boolean));
      pos += 512 + Math.ceil(size / 512) * 512;
    }
  }
  return out;
}

const meta = cachedSynthetic(root, 500_000, 10);
const paths = entryPaths(meta.layerFiles);
const best = { ours: Number.POSITIVE_INFINITY, map: Number.POSITIVE_INFINITY };
const nodes = { ours: 0, map: 0 };
for (let r = 0; r < runs; r++) {
  for (const [key, make] of [
    ["ours", () => new PathTable()],
    ["map", () => new MapNamedTable()],
  ]) {
    const fresh = paths.map((s) => s.map((x) => ` ${x}`.slice(1)));
    const t = performance.now();
    const table = make();
    for (const s of fresh) table.intern(s);
    best[key] = Math.min(best[key], performance.now() - t);
    nodes[key] = key === "ours" ? table.size : table.count;
  }
}
if (nodes.ours !== nodes.map) throw new Error(`the tables disagree: ${nodes.ours} vs ${nodes.map} nodes`);
console.log(
  `interning ${paths.length} paths (${nodes.ours} nodes): PathTable ${best.ours.toFixed(0)} ms; with a Map for names ${best.map.toFixed(0)} ms (best of ${runs})`,
);
