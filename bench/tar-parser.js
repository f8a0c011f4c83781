// Why the layer tar parser (src/sources/layer-tar.ts) is hand-written, measured: it against tar-stream
// on the same bytes. Every contender reads the same uncompressed layer tars from memory, in 256 KiB
// chunks as the decompressor hands them over; the first two build the same LayerContents (every
// entry, a SHA-256 per file), the last is tar-stream alone (headers only, data skipped): its floor.
// Usage: npm run build && node bench/tar-parser.js [files=500000] [layers=10] [runs=3]
// (the synthetic image of bench/generate.js, cached under .bench/ and shared with bench/run.js)
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import tar from "tar-stream";
import { EntryType, LayerContentsBuilder } from "../dist/model/layer-contents.js";
import { PathTable } from "../dist/model/path-table.js";
import { LayerTarParser } from "../dist/sources/layer-tar.js";
import { settled } from "../dist/sources/stream-io.js";
import { cachedSynthetic } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const files = Number(process.argv[2] ?? 500000);
const layers = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 3);
const CHUNK = 256 * 1024;

const TYPES = {
  file: EntryType.File,
  "contiguous-file": EntryType.File,
  link: EntryType.Hardlink,
  symlink: EntryType.Symlink,
  "character-device": EntryType.CharDevice,
  "block-device": EntryType.BlockDevice,
  directory: EntryType.Dir,
  fifo: EntryType.Fifo,
};

function chunksOf(path) {
  const all = readFileSync(path);
  const out = [];
  for (let i = 0; i < all.length; i += CHUNK) out.push(all.subarray(i, i + CHUNK));
  return out;
}

function layerview(chunks, paths) {
  const builder = new LayerContentsBuilder(paths, 1024);
  const parser = new LayerTarParser(builder);
  for (const c of chunks) parser.write(c);
  parser.end();
  return builder.finish();
}

/** tar-stream, fed with backpressure as content.ts feeds it; `build` hashes every file into a LayerContents. */
async function tarStream(chunks, paths, build) {
  const builder = build ? new LayerContentsBuilder(paths, 1024) : null;
  const extract = tar.extract();
  const feed = (async () => {
    for (const c of chunks) if (!extract.write(c)) await settled(extract, "drain");
    extract.end();
  })();
  let entries = 0;
  for await (const entry of extract) {
    entries++;
    const h = entry.header;
    const type = TYPES[h.type];
    if (!build || type === undefined) {
      entry.resume();
      continue;
    }
    const header = {
      name: h.name,
      type,
      mode: h.mode ?? 0,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      size: type === EntryType.File ? (h.size ?? 0) : 0,
      mtime: h.mtime ? Math.floor(h.mtime.getTime() / 1000) : 0,
      linkName: h.linkname ?? null,
    };
    if (type !== EntryType.File) {
      entry.resume();
      builder.add(header);
      continue;
    }
    const hash = createHash("sha256");
    for await (const c of entry) hash.update(c);
    const d = hash.digest();
    builder.add(header, d.readUInt32BE(0), d.readUInt32BE(4));
  }
  await feed;
  return builder ? builder.finish() : { count: entries };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const meta = cachedSynthetic(root, files, layers);
const tars = meta.layerFiles.map(chunksOf);
const bytes = tars.reduce((s, t) => s + t.reduce((a, c) => a + c.length, 0), 0);

const contenders = [
  ["layerview LayerTarParser → LayerContents", (t, p) => layerview(t, p)],
  ["tar-stream → the same LayerContents", (t, p) => tarStream(t, p, true)],
  ["tar-stream alone (headers, data skipped)", (t, p) => tarStream(t, p, false)],
];

// Both builders must have seen the same entries with the same hashes, or the race is not fair.
const check = await Promise.all(
  [contenders[0], contenders[1]].map(async ([, f]) => {
    const paths = new PathTable();
    const out = [];
    for (const t of tars) out.push(await f(t, paths));
    return out.map((c) => [c.count, c.hash.reduce((a, b) => (a + b) % 2 ** 32, 0)].join(":")).join(",");
  }),
);
if (check[0] !== check[1]) throw new Error(`the parsers disagree: ${check[0]} vs ${check[1]}`);

console.log(
  `${meta.entries} tar entries, ${(bytes / 2 ** 20).toFixed(0)} MiB over ${tars.length} layers, median of ${runs}`,
);
console.log("| parser | time | MiB/s | entries/s | vs layerview |");
console.log("|---|---|---|---|---|");
let base = 0;
for (const [name, f] of contenders) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const paths = new PathTable();
    const start = process.hrtime.bigint();
    for (const t of tars) await f(t, paths);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ms = median(times);
  base ||= ms;
  console.log(
    `| ${name} | ${ms.toFixed(0)} ms | ${(bytes / 2 ** 20 / (ms / 1000)).toFixed(0)} | ${Math.round(meta.entries / (ms / 1000))} | ${(ms / base).toFixed(2)}× |`,
  );
}
