// Why content hashes are SHA-256 below 8 KiB and BLAKE3 above (HashScheme.Blake3Large), measured here:
//   1. per-call cost of Node's SHA-256 and of @napi-rs/blake-hash's BLAKE3 by file size;
//   2. throughput on 300 MB in 1 MiB pieces, one thread;
//   3. whether SHA-256 gains from the second core: two processes hashing at once against one alone
//      (on this machine's vCPUs it does not: they share one SHA unit), and the same for BLAKE3.
// Usage: node bench/hash.js
import { spawn } from "node:child_process";
import { hash } from "node:crypto";
import { createRequire } from "node:module";

const b3 = createRequire(import.meta.url)("@napi-rs/blake-hash");
const data = Buffer.alloc(1 << 20);
for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 255;

if (process.argv[2] === "--child") {
  const algo = process.argv[3];
  const t = performance.now();
  for (let i = 0; i < 300; i++) algo === "sha256" ? hash("sha256", data, "buffer") : b3.blake3(data);
  process.stdout.write(String(performance.now() - t));
  process.exit(0);
}

console.log("| file size | SHA-256 µs/call | BLAKE3 µs/call |\n|---|---|---|");
for (const size of [1024, 4096, 8192, 16384, 65536, 262144]) {
  const s = data.subarray(0, size);
  const n = Math.floor(3e8 / size);
  for (let i = 0; i < 1000; i++) {
    hash("sha256", s, "binary");
    b3.blake3(s);
  }
  let t = performance.now();
  for (let i = 0; i < n; i++) hash("sha256", s, "binary");
  const sha = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) b3.blake3(s);
  const bl = ((performance.now() - t) * 1000) / n;
  console.log(`| ${size} | ${sha.toFixed(2)} | ${bl.toFixed(2)} |`);
}

const child = (algo) =>
  new Promise((done) => {
    const c = spawn(process.execPath, [new URL(import.meta.url).pathname, "--child", algo]);
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", () => done(Number(out)));
  });
console.log("\n| 300 MB, 1 MiB pieces | one process | each of two at once |\n|---|---|---|");
for (const algo of ["sha256", "blake3"]) {
  const alone = await child(algo);
  const both = await Promise.all([child(algo), child(algo)]);
  console.log(`| ${algo} | ${alone.toFixed(0)} ms | ${both.map((x) => x.toFixed(0)).join(" / ")} ms |`);
}
