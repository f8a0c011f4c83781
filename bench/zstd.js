// zstd decompression on each path layerview has, against `zstd -dc` of the same blob, in one run:
// fzstd (pure JavaScript, every Node) and node:zlib (where the runtime has zstd; layerview uses it only
// where it reads multi-frame streams whole, Node 26 — on 22 and 24 this single-frame blob still measures it).
// Usage: npm run build && node bench/zstd.js [MB=256] [runs=3]   (run it with each Node to compare)
import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { createZstdDecompress, zstdBackend } from "../dist/sources/zstd.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mb = Number(process.argv[2] ?? 256);
const runs = Number(process.argv[3] ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Half incompressible, half text, like a real layer: built once under .bench/zstd. */
function blob() {
  const dir = join(root, ".bench/zstd");
  const out = join(dir, `data-${mb}MB.zst`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const raw = Buffer.alloc(mb * 1e6);
  let x = 2463534242;
  const line = Buffer.from("layerview zstd bench: usr/lib/x86_64-linux-gnu/libexample.so.1.2.3\n");
  for (let i = 0; i < raw.length; i++) {
    if ((i >> 14) % 2 === 0) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      raw[i] = x & 0xff;
    } else raw[i] = line[i % line.length];
  }
  const tmp = join(dir, `data-${mb}MB.raw`);
  writeFileSync(tmp, raw);
  execFileSync("zstd", ["-q", "-3", "-f", "--rm", tmp, "-o", out]);
  return out;
}

async function through(transform, file) {
  let n = 0;
  const start = performance.now();
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(transform)) n += c.length;
  return { ms: performance.now() - start, bytes: n };
}

const file = blob();
const size = statSync(file).size;
const floor = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  const r = spawnSync("zstd", ["-dc", file], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error("zstd -dc failed");
  floor.push(performance.now() - start);
}
const f = median(floor);
console.log(
  `Node ${process.version}; layerview uses ${zstdBackend()}; blob ${(size / 1e6).toFixed(0)} MB → ${mb} MB`,
);
console.log(`| decoder | median of ${runs} | MB/s out | ratio to zstd -dc |\n|---|---|---|---|`);
console.log(`| zstd -dc (floor) | ${f.toFixed(0)} ms | ${((mb * 1000) / f).toFixed(0)} | 1.00× |`);
const paths = [["fzstd", () => createZstdDecompress({ force: "fzstd" })]];
if (typeof zlib.createZstdDecompress === "function") {
  paths.push(["node:zlib", () => createZstdDecompress({ force: "node:zlib", chunkSize: 256 * 1024 })]);
  paths.push([
    "node:zlib per frame",
    () => createZstdDecompress({ force: "node:zlib per frame", chunkSize: 256 * 1024 }),
  ]);
}
for (const [name, make] of paths) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = await through(make(), file);
    if (r.bytes !== mb * 1e6) throw new Error(`${name} gave ${r.bytes} bytes`);
    times.push(r.ms);
  }
  const m = median(times);
  console.log(`| ${name} | ${m.toFixed(0)} ms | ${((mb * 1000) / m).toFixed(0)} | ${(m / f).toFixed(2)}× |`);
}
