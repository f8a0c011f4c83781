// Issue 14's speed table: `layerview --json` against the floor of the work it must do, in one run.
//   uncompressed content-heavy image (≥ 300 MB)  vs  b3sum (2 threads) of the same layer files
//   the same image with zstd layers               vs  zstd -dc of the blobs
//   the same image with gzip layers               vs  zcat of the blobs
//   1M-entry image (bench/generate.js)            vs  tar -tvf of the layer files
// Each layerview row is measured as a user runs it (the default: a worker thread reads layers of
// many small files, src/sources/read-layers.ts) and in one thread (LAYERVIEW_THREADS=0), in the
// same run. Peak RSS per tar entry too.
// Usage: npm run build && node bench/speed.js [runs=3]
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cachedSynthetic, packDockerArchive, TarWriter } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(cmd, args, { env, shell } = {}) {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
      shell,
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", fail);
    child.on("close", (code) =>
      done({ code, ms: Number(process.hrtime.bigint() - start) / 1e6, stderr: err }),
    );
  });
}

/** Each command run `runs` times, the commands taking turns (the machine drifts): median ms, peak RSS. */
async function timedTurns(commands) {
  const ms = commands.map(() => []);
  const rss = commands.map(() => 0);
  for (let i = 0; i < runs; i++) {
    for (const [k, [cmd, args, opts]] of commands.entries()) {
      const r = await run(cmd, args, opts);
      if (r.code !== 0 && r.code !== 3)
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      ms[k].push(r.ms);
      rss[k] = Math.max(rss[k], Number(/maxRSS=(\d+)/.exec(r.stderr)?.[1] ?? 0) * 1024);
    }
  }
  return commands.map((_, k) => ({ ms: median(ms[k]), rss: rss[k] }));
}

const timed = async (cmd, args, opts) => (await timedTurns([[cmd, args, opts]]))[0];

const lvCommand = (target, threads) => [
  process.execPath,
  [join(root, "bench/measure.js"), "--json", target],
  { env: threads === undefined ? {} : { LAYERVIEW_THREADS: String(threads) } },
];
/** layerview as a user runs it and in one thread (LAYERVIEW_THREADS=0), taking turns. */
const layerviews = (target) => timedTurns([lvCommand(target, undefined), lvCommand(target, 0)]);

// ---- the content-heavy image: 6 layers of ~62 MB, text-like data (compresses about 3×) ----
const CONTENT = join(root, ".bench", "content-v1");

function contentImage() {
  const meta = join(CONTENT, "meta.json");
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, "utf8"));
  console.error(`generating the content-heavy image in ${CONTENT} …`);
  rmSync(CONTENT, { recursive: true, force: true });
  mkdirSync(CONTENT, { recursive: true });
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const words = Array.from({ length: 4000 }, (_, i) =>
    Array.from({ length: 2 + (i % 9) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join(""),
  );
  const corpus = Buffer.from(
    Array.from({ length: 1_200_000 }, () => words[Math.floor(rand() ** 2 * words.length)]).join(" "),
  );
  const layerFiles = [];
  const diffIds = [];
  let entries = 0;
  for (let L = 0; L < 6; L++) {
    const file = join(CONTENT, `layer${L}.tar`);
    const w = new TarWriter(file);
    let bytes = 0;
    for (let i = 0; bytes < 62_000_000; i++) {
      const size = Math.floor(rand() ** 3 * 400_000) + 64;
      const at = Math.floor(rand() * (corpus.length - size));
      const data = Buffer.from(corpus.subarray(at, at + size));
      data.writeUInt32LE((L << 20) ^ i, 0);
      if (i % 100 === 0) w.dir(`opt/layer${L}/d${i / 100}`);
      w.file(`opt/layer${L}/d${Math.floor(i / 100)}/f${i}.txt`, data);
      bytes += size;
      entries++;
    }
    w.end();
    layerFiles.push(file);
    diffIds.push(`sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`);
  }
  const history = layerFiles.map((_, i) => ({ created_by: `COPY layer${i} /opt/layer${i}` }));
  const archive = packDockerArchive(CONTENT, layerFiles, diffIds, history);
  const layouts = {};
  for (const [kind, compress] of [
    ["gzip", (f) => execFileSync("gzip", ["-6", "-c", f], { maxBuffer: 2 ** 30 })],
    ["zstd", (f) => execFileSync("zstd", ["-3", "-q", "-c", f], { maxBuffer: 2 ** 30 })],
  ]) {
    const dir = join(CONTENT, `oci-${kind}`);
    mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
    const blob = (data) => {
      const hex = createHash("sha256").update(data).digest("hex");
      writeFileSync(join(dir, "blobs", "sha256", hex), data);
      return { digest: `sha256:${hex}`, size: data.length, file: join(dir, "blobs", "sha256", hex) };
    };
    const layers = layerFiles.map((f) => blob(compress(f)));
    const config = blob(
      Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          rootfs: { type: "layers", diff_ids: diffIds },
          history,
        }),
      ),
    );
    const manifest = blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: config.digest,
            size: config.size,
          },
          layers: layers.map((l) => ({
            mediaType: `application/vnd.oci.image.layer.v1.tar+${kind}`,
            digest: l.digest,
            size: l.size,
          })),
        }),
      ),
    );
    writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: manifest.digest,
            size: manifest.size,
          },
        ],
      }),
    );
    layouts[kind] = { dir, blobs: layers.map((l) => l.file) };
  }
  const m = { archive, layerFiles, entries, layouts };
  writeFileSync(`${meta}.tmp`, JSON.stringify(m));
  renameSync(`${meta}.tmp`, meta);
  return m;
}

const img = contentImage();
const many = cachedSynthetic(root, 500_000, 10);
const mb = (img.layerFiles.reduce((s, f) => s + statSync(f).size, 0) / 1e6).toFixed(0);
const sh = (cmd) => timed("bash", ["-c", cmd]);
const q = (fs) => fs.map((f) => `'${f}'`).join(" ");

const rows = [];
const row = (work, floorName, floor, lv, lv1, entries) =>
  rows.push(
    `| ${work} | ${floorName} ${floor.ms.toFixed(0)} ms | ${lv.ms.toFixed(0)} ms = ${(lv.ms / floor.ms).toFixed(2)}× | ${lv1.ms.toFixed(0)} ms = ${(lv1.ms / floor.ms).toFixed(2)}× | ${(lv.rss / entries).toFixed(0)} B (${(lv1.rss / entries).toFixed(0)} B) |`,
  );

const node0 = await timed(process.execPath, ["-e", "0"]);
const cat = await sh(`cat ${q(img.layerFiles)} > /dev/null`);
const b3 = await sh(`b3sum --num-threads 2 ${q(img.layerFiles)} > /dev/null`);
row(
  `uncompressed, ${mb} MB, ${img.entries} files / 6 layers`,
  "b3sum (2 threads)",
  b3,
  ...(await layerviews(img.archive)),
  img.entries,
);
const zstdFloor = await sh(`zstd -dc ${q(img.layouts.zstd.blobs)} > /dev/null`);
row(
  "the same, zstd layers (OCI layout)",
  "zstd -dc",
  zstdFloor,
  ...(await layerviews(img.layouts.zstd.dir)),
  img.entries,
);
const zcat = await sh(`zcat ${q(img.layouts.gzip.blobs)} > /dev/null`);
row(
  "the same, gzip layers (OCI layout)",
  "zcat",
  zcat,
  ...(await layerviews(img.layouts.gzip.dir)),
  img.entries,
);
const tarMs = [];
for (let i = 0; i < runs; i++) {
  let t = 0;
  for (const f of many.layerFiles) t += (await run("tar", ["-tvf", f])).ms;
  tarMs.push(t);
}
row(
  `${many.entries} entries / 10 layers`,
  "tar -tvf",
  { ms: median(tarMs) },
  ...(await layerviews(many.archive)),
  many.entries,
);

console.log(
  `floors in this run: node -e 0 ${node0.ms.toFixed(0)} ms; cat of the uncompressed layers ${cat.ms.toFixed(0)} ms\n`,
);
console.log("| work | floor | layerview | layerview, one thread | peak RSS per entry (one thread) |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
