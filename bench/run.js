// Benchmark of `layerview --json` against the `tar -tvf` floor over the same layer files.
// Usage: npm run build && node bench/run.js [files=500000] [layers=10] [runs=3]
// Generates (once, cached under .bench/) a synthetic docker-save archive, then runs the real fixtures too.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cachedSynthetic } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const files = Number(process.argv[2] ?? 500000);
const layers = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 3);

function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], ...opts });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolvePromise({ code, ms, stderr: err });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measureLayerview(archive) {
  const times = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const r = await run(process.execPath, [join(root, "bench/measure.js"), "--json", archive]);
    if (r.code !== 0 && r.code !== 3) throw new Error(`layerview failed (${r.code}): ${r.stderr}`);
    times.push(r.ms);
    rss.push(Number(/maxRSS=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) * 1024);
  }
  return { ms: median(times), rss: Math.max(...rss) };
}

/** The floor: GNU tar listing every layer file verbosely, one after the other. */
async function measureTarFloor(layerFiles, flagsFor = () => "-tvf") {
  const times = [];
  for (let i = 0; i < runs; i++) {
    let total = 0;
    for (const f of layerFiles) {
      const r = await run("tar", [flagsFor(f), f]);
      if (r.code !== 0) throw new Error(`tar failed on ${f}: ${r.stderr}`);
      total += r.ms;
    }
    times.push(total);
  }
  return median(times);
}

function row(name, entries, floorMs, lv) {
  const ratio = lv.ms / floorMs;
  const perEntry = lv.rss / entries;
  return `| ${name} | ${entries} | ${floorMs.toFixed(0)} ms | ${lv.ms.toFixed(0)} ms | ${ratio.toFixed(2)}× | ${(lv.rss / 2 ** 20).toFixed(0)} MiB | ${perEntry.toFixed(0)} B |`;
}

const lines = {
  push(line) {
    console.log(line);
  },
};
lines.push("| archive | tar entries | tar -tvf floor | layerview --json | ratio | peak RSS | RSS / entry |");
lines.push("|---|---|---|---|---|---|---|");

// Synthetic archive, cached by its parameters.
const meta = cachedSynthetic(root, files, layers);
{
  const floor = await measureTarFloor(meta.layerFiles);
  const lv = await measureLayerview(meta.archive);
  lines.push(row(`synthetic ${files} files / ${layers} layers`, meta.entries, floor, lv));
}

// The real fixtures: layers pulled out to temp files so tar lists exactly the same bytes.
const realDir = resolve(root, "../shared/fixtures/real");
if (existsSync(realDir)) {
  for (const name of execFileSync("ls", [realDir])
    .toString()
    .split("\n")
    .filter((n) => n.endsWith(".tar"))) {
    const archive = join(realDir, name);
    const tmp = mkdtempSync(join(tmpdir(), "lv-bench-"));
    try {
      execFileSync("tar", ["-xf", archive, "-C", tmp]);
      const out = JSON.parse(
        execFileSync(process.execPath, [join(root, "bin/layerview.js"), "--json", archive]),
      );
      const layerFiles = listLayerBlobs(tmp);
      const entries = out.layers.reduce((s, l) => s + l.entryCount, 0);
      const floor = await measureTarFloor(layerFiles, () => "-tvaf");
      const lv = await measureLayerview(archive);
      lines.push(row(name, entries, floor, lv));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** Layer blobs of an extracted archive: files that are tars, gzip or zstd, not JSON. */
function listLayerBlobs(dir) {
  const all = execFileSync("find", [dir, "-type", "f"]).toString().split("\n").filter(Boolean);
  return all.filter((f) => {
    const head = readFileSync(f).subarray(0, 512);
    const gz = head[0] === 0x1f && head[1] === 0x8b;
    const zst = head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528;
    const tar = head.length === 512 && head.toString("latin1", 257, 262) === "ustar";
    return gz || zst || tar;
  });
}
