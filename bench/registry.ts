// Registry source against its floors, measured in one run on a loopback registry (distribution):
//  - reading a content-heavy image (≥ 300 MB, several gzip layers) with `layerview --json` against
//    `skopeo copy docker://… dir:` of the same image (the transfer floor: download + digest check);
//  - the time until the layer list is known (onImage) after the registry's first answer;
//  - peak memory per tar entry, on a 1M-entry image against the archive reader on the same image;
//  - reopening the image from the layer index cache, against the first open;
//  - lazy listing of a large eStargz image (TOC by Range) against downloading its blobs whole.
// Usage: npx tsc -p bench/registry-tsconfig.json && node .bench/registry/bench/registry.js [runs=3]
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import tar from "tar-stream";
import { readRegistryImage } from "../src/sources/registry/registry-image.js";
import { bigImages, startRegistry } from "../test/registry/harness.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
// Compiled to .bench/registry/bench/registry.js: three levels below the project.
const runs = Number(process.argv[2] ?? 3);
const exec = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MB = 1e6;

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ ms: number; code: number | null; stderr: string }>((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, stderr }));
  });
}

/** Deterministic content: half incompressible, half text, so gzip has real work and real savings. */
function fileData(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  const text = Buffer.from(`layerview bench line ${seed} lorem ipsum dolor sit amet consectetur\n`);
  for (let i = 0; i < size; i++) {
    if ((i >> 12) % 2 === 0) {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      out[i] = x & 0xff;
    } else out[i] = text[i % text.length]!;
  }
  return out;
}

/** A docker-save archive of `layers` layers of about `layerMB` each, built once under .bench/registry. */
async function heavyArchive(layers: number, layerMB: number): Promise<string> {
  const dir = join(root, ".bench/registry");
  const out = join(dir, `heavy-${layers}x${layerMB}.tar`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, "build-"));
  const diffIds: string[] = [];
  const names: string[] = [];
  for (let L = 0; L < layers; L++) {
    const pack = tar.pack();
    const file = join(work, `layer${L}.tar`);
    const hash = createHash("sha256");
    const written = pipeline(
      pack,
      async function* (src) {
        for await (const c of src) {
          hash.update(c as Buffer);
          yield c;
        }
      },
      createWriteStream(file),
    );
    let total = 0;
    for (let i = 0; total < layerMB * MB; i++) {
      const size = 4096 + ((i * 7919) % 200_000);
      pack.entry(
        { name: `opt/app${L}/dir${i % 50}/file${i}.bin`, size, mode: 0o644, mtime: new Date(0) },
        fileData(L * 100_000 + i, size),
      );
      total += size;
    }
    pack.finalize();
    await written;
    diffIds.push(`sha256:${hash.digest("hex")}`);
    names.push(`layer${L}.tar`);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: diffIds },
      history: diffIds.map((_, i) => ({
        created: "2026-01-01T00:00:00Z",
        created_by: `COPY app${i} /opt/app${i}`,
      })),
    }),
  );
  const configName = `${createHash("sha256").update(config).digest("hex")}.json`;
  writeFileSync(join(work, configName), config);
  writeFileSync(
    join(work, "manifest.json"),
    JSON.stringify([{ Config: configName, RepoTags: ["bench/heavy:1"], Layers: names }]),
  );
  await exec("tar", ["-C", work, "-cf", `${out}.tmp`, "manifest.json", configName, ...names]);
  renameSync(`${out}.tmp`, out);
  rmSync(work, { recursive: true, force: true });
  return out;
}

async function measureCli(args: string[], env: NodeJS.ProcessEnv) {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const r = await timed(process.execPath, [join(root, "bench/measure.js"), ...args], env);
    if (r.code !== 0) throw new Error(`layerview ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    times.push(r.ms);
    rss = Math.max(rss, Number(/maxRSS=(\d+)/.exec(r.stderr)?.[1] ?? 0) * 1024);
  }
  return { ms: median(times), rss };
}

async function skopeoFloor(ref: string) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dest = mkdtempSync(join(tmpdir(), "lv-skopeo-"));
    const r = await timed("skopeo", [
      "copy",
      "-q",
      "--src-tls-verify=false",
      `docker://${ref}`,
      `dir:${dest}`,
    ]);
    rmSync(dest, { recursive: true, force: true });
    if (r.code !== 0) throw new Error(`skopeo copy failed: ${r.stderr}`);
    times.push(r.ms);
  }
  return median(times);
}

const fmt = (ms: number) => `${Math.round(ms)} ms`;

async function main() {
  if (!existsSync(join(root, "dist/cli/main.js"))) throw new Error("run `npm run build` first");
  const archive = await heavyArchive(4, 80);
  const reg = await startRegistry();
  const home = mkdtempSync(join(tmpdir(), "lv-bench-home-"));
  const env = {
    ...process.env,
    HOME: home,
    DOCKER_CONFIG: join(home, "none"),
    XDG_CACHE_HOME: join(home, "cache"),
  };
  try {
    const ref = `${reg.host}/bench/heavy:1`;
    await reg.push(`docker-archive:${archive}`, "bench/heavy:1");
    const probe = await readRegistryImage(ref, {});
    const entries = probe.readLayers.reduce((n, l) => n + (l.contents?.tarEntries ?? 0), 0);
    const blobBytes = probe.layers.reduce((n, l) => n + (l.blobSize ?? 0), 0);
    const tarBytes = probe.readLayers.reduce((n, l) => n + (l.contents?.tarFileBytes ?? 0), 0);
    console.log(
      `image: ${probe.layers.length} layers, ${entries} tar entries, ${(tarBytes / MB).toFixed(0)} MB of files, ${(blobBytes / MB).toFixed(0)} MB of gzip blobs`,
    );

    const floor = await skopeoFloor(ref);
    const lv = await measureCli(["--json", "--no-cache", `registry://${ref}`], env);
    console.log(`skopeo copy docker:// → dir: (floor)   ${fmt(floor)}`);
    console.log(
      `layerview --json --no-cache            ${fmt(lv.ms)}  = ${(lv.ms / floor).toFixed(2)}× the floor; peak RSS ${(lv.rss / 2 ** 20).toFixed(0)} MiB = ${Math.round(lv.rss / entries)} B per entry`,
    );

    // The layer list: time from the registry's first answer to onImage, in process.
    const firsts: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ping = await fetch(`http://${reg.host}/v2/`);
      await ping.arrayBuffer();
      const answered = performance.now();
      let shown = 0;
      const abort = new AbortController();
      await readRegistryImage(ref, {
        signal: abort.signal,
        onImage: () => {
          shown = performance.now();
          abort.abort(new Error("measured"));
        },
      }).catch(() => {});
      firsts.push(shown - answered);
    }
    console.log(`layer list known (onImage) after the registry's first answer: ${fmt(median(firsts))}`);

    // Reopen from the layer index cache (filled by one open).
    const colds: number[] = [];
    for (let i = 0; i < runs; i++) {
      const fresh = { ...env, XDG_CACHE_HOME: join(home, `cache-cold-${i}`) };
      const r = await timed(
        process.execPath,
        [join(root, "bin/layerview.js"), "--json", `registry://${ref}`],
        fresh,
      );
      if (r.code !== 0) throw new Error(`layerview failed: ${r.stderr}`);
      colds.push(r.ms);
    }
    const cold = { ms: median(colds) };
    const warm = await measureCli(["--json", `registry://${ref}`], {
      ...env,
      XDG_CACHE_HOME: join(home, "cache-cold-0"),
    });
    console.log(
      `first open (filling the cache) ${fmt(cold.ms)}; reopen from the cache ${fmt(warm.ms)} = ${((100 * warm.ms) / lv.ms).toFixed(0)} % of an uncached open`,
    );

    // Memory per entry on a many-file image, against the archive reader on the same image.
    const generate = (await import(pathToFileURL(join(root, "bench/generate.js")).href)) as {
      cachedSynthetic(root: string, files: number, layers: number): { archive: string; entries: number };
    };
    const meta = generate.cachedSynthetic(root, 500_000, 10);
    await reg.push(`docker-archive:${meta.archive}`, "bench/many:1");
    const fromArchive = await measureCli(["--json", meta.archive], env);
    const fromRegistry = await measureCli(
      ["--json", "--no-cache", `registry://${reg.host}/bench/many:1`],
      env,
    );
    const perEntry = (rss: number) =>
      `${(rss / 2 ** 20).toFixed(0)} MiB = ${Math.round(rss / meta.entries)} B per entry`;
    console.log(
      `${meta.entries} tar entries: peak RSS from the registry ${perEntry(fromRegistry.rss)} (${fmt(fromRegistry.ms)}); ` +
        `from its docker-save archive ${perEntry(fromArchive.rss)} (${fmt(fromArchive.ms)})`,
    );

    // Lazy listing of the generated eStargz image.
    const big = await bigImages().catch((e: Error) => {
      console.log(`eStargz image not available: ${e.message}`);
      return null;
    });
    if (big !== null) {
      await reg.push(`oci-archive:${big.bigEstargz}`, "bench/estargz:1", ["--preserve-digests"]);
      const eref = `${reg.host}/bench/estargz:1`;
      const before = (await reg.served()).length;
      const lazy = await measureCli(["--json", "--no-cache", `registry://${eref}`], env);
      const served = (await reg.served()).slice(before);
      const data = await readRegistryImage(eref, {});
      const blobs = data.layers.reduce((n, l) => n + (l.blobSize ?? 0), 0);
      const blobServed =
        served.filter((r) => r.path.includes("/blobs/")).reduce((n, r) => n + r.bytes, 0) / runs;
      const full = await skopeoFloor(eref);
      console.log(
        `eStargz (${data.layers.length} layers, ${(blobs / MB).toFixed(1)} MB of blobs, listed as ${data.transfer.layers.join(", ")}): ` +
          `layerview ${fmt(lazy.ms)} fetching ${(blobServed / 1024).toFixed(0)} KiB per open (${((100 * blobServed) / blobs).toFixed(2)} % of the blobs, config included); ` +
          `skopeo copy of the whole image ${fmt(full)}`,
      );
    }
  } finally {
    await reg.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
