// Issue 13's "a 10-million-entry layer is read or refused cleanly": streams a docker-save archive whose
// one layer holds N entries (directories of 1,000 empty files) straight into `layerview --json -`, never
// to disk, and prints how it ended: exit code, the first stderr line, time, peak RSS, bytes per entry.
// Usage: npm run build && node bench/huge-layer.js [entries=10000000]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { header } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const entries = Number(process.argv[2] ?? 10_000_000);
const PER_DIR = 1000;
const dirs = Math.ceil(entries / PER_DIR);
const layerBytes = (dirs + entries) * 512 + 1024;

const config = Buffer.from(
  JSON.stringify({
    architecture: "amd64",
    os: "linux",
    // The layer is not hashed here: layerview reports the DiffID mismatch as a warning, and reads on.
    rootfs: { type: "layers", diff_ids: [`sha256:${"0".repeat(64)}`] },
    history: [{ created_by: `generated: ${entries} entries` }],
  }),
);
const configName = `${createHash("sha256").update(config).digest("hex")}.json`;
const manifest = Buffer.from(
  JSON.stringify([{ Config: configName, RepoTags: ["huge:latest"], Layers: ["layer/layer.tar"] }]),
);

const child = spawn(
  "/usr/bin/time",
  ["-f", "maxRSS=%M", process.execPath, join(root, "bin/layerview.js"), "--json", "-"],
  {
    stdio: ["pipe", "ignore", "pipe"],
  },
);
let stderr = "";
child.stderr.on("data", (d) => {
  stderr += d;
});
const start = performance.now();
const out = child.stdin;
let closed = false;
out.on("error", () => {
  closed = true;
});
const write = (b) => (closed || out.write(b) ? Promise.resolve() : new Promise((r) => out.once("drain", r)));
const pad = (n) => Buffer.alloc((512 - (n % 512)) % 512);

async function main() {
  for (const [name, data] of [
    ["manifest.json", manifest],
    [configName, config],
  ]) {
    await write(header(name, { size: data.length }));
    await write(data);
    await write(pad(data.length));
  }
  await write(header("layer/", { type: "5", mode: 0o755 }));
  await write(header("layer/layer.tar", { size: layerBytes }));
  let batch = [];
  for (let d = 0; d < dirs && !closed; d++) {
    batch.push(header(`srv/d${d}/`, { type: "5", mode: 0o755 }));
    for (let f = 0; f < PER_DIR && d * PER_DIR + f < entries; f++) batch.push(header(`srv/d${d}/f${f}`));
    if (batch.length >= 2048) {
      await write(Buffer.concat(batch));
      batch = [];
    }
  }
  if (batch.length > 0) await write(Buffer.concat(batch));
  await write(Buffer.alloc(1024));
  await write(Buffer.alloc(1024));
  out.end();
  const code = await new Promise((r) => child.on("close", r));
  const ms = performance.now() - start;
  const rss = Number(/maxRSS=(\d+)/.exec(stderr)?.[1] ?? 0) * 1024;
  const lines = stderr.split("\n").filter((l) => l && !l.startsWith("maxRSS="));
  console.log(
    `${entries} entries (${(layerBytes / 1e9).toFixed(2)} GB layer tar): exit ${code}, ${(ms / 1000).toFixed(1)} s, peak ${(rss / 2 ** 20).toFixed(0)} MiB = ${(rss / entries).toFixed(0)} B/entry`,
  );
  for (const l of lines.slice(0, 3)) console.log(`  stderr: ${l}`);
}
await main();
