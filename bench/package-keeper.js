// What keeping package databases costs the layer tar parser (src/sources/packages/package-keeper.ts):
// the same uncompressed layer tars parsed from memory in 256 KiB chunks, with and without the keeper,
// interleaved, CPU time per pass. The synthetic image has no package databases, so this is the cost
// of asking every entry's name (the keeper's first test); a real image adds only its databases' bytes.
// Usage: npm run build && node bench/package-keeper.js [files=500000] [layers=10] [runs=5] [layersRead=4]
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LayerContentsBuilder } from "../dist/model/layer-contents.js";
import { PathTable } from "../dist/model/path-table.js";
import { LayerTarParser } from "../dist/sources/layer-tar.js";
import { PackageDbKeeper } from "../dist/sources/packages/package-keeper.js";
import { cachedSynthetic } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const files = Number(process.argv[2] ?? 500000);
const layers = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 5);
const layersRead = Number(process.argv[5] ?? 4);
const CHUNK = 256 * 1024;

const meta = cachedSynthetic(root, files, layers);
const tars = meta.layerFiles.slice(0, layersRead).map((p) => {
  const all = readFileSync(p);
  const out = [];
  for (let i = 0; i < all.length; i += CHUNK) out.push(all.subarray(i, i + CHUNK));
  return out;
});

function pass(keep) {
  const paths = new PathTable();
  const start = process.cpuUsage();
  let entries = 0;
  for (const chunks of tars) {
    const builder = new LayerContentsBuilder(paths, 1024);
    const parser = new LayerTarParser(builder, keep ? new PackageDbKeeper() : null);
    for (const c of chunks) parser.write(c);
    parser.end();
    entries += builder.finish().tarEntries;
  }
  const u = process.cpuUsage(start);
  return { ms: (u.user + u.system) / 1000, entries };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
pass(false);
pass(true); // warm both paths up
const without = [];
const withKeeper = [];
let entries = 0;
for (let i = 0; i < runs; i++) {
  without.push(pass(false).ms);
  const r = pass(true);
  withKeeper.push(r.ms);
  entries = r.entries;
}
const a = median(without);
const b = median(withKeeper);
console.log(
  `${entries} tar entries (${layersRead} layers): without ${a.toFixed(0)} ms, with the keeper ${b.toFixed(0)} ms CPU (median of ${runs}): ${(((b - a) / a) * 100).toFixed(1)} %`,
);
