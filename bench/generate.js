// Generates a synthetic docker-save archive for benchmarks: N files over L layers, with overwrites,
// whiteouts and an opaque directory. Writes the layer tars as separate files too (for the tar floor).
// Usage: node bench/generate.js OUTDIR [files=500000] [layers=10]
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

const BLOCK = 512;

function octal(n, width) {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

/** One ustar header; names up to 255 bytes via the prefix field. */
export function header(name, { type = "0", size = 0, mode = 0o644, link = "" } = {}) {
  const h = Buffer.alloc(BLOCK);
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 154);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100);
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(1700000000, 12), 136);
  h.write("        ", 148);
  h.write(type, 156);
  h.write(link, 157, 100);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7), 148);
  return h;
}

export class TarWriter {
  constructor(path) {
    this.fd = openSync(path, "w");
    this.chunks = [];
    this.pending = 0;
  }
  header(h) {
    this.headers = (this.headers ?? 0) + 1;
    this.push(h);
  }
  push(buf) {
    this.chunks.push(buf);
    this.pending += buf.length;
    if (this.pending > 8 << 20) this.flush();
  }
  dir(name, mode = 0o755) {
    this.header(header(name.endsWith("/") ? name : `${name}/`, { type: "5", mode }));
  }
  file(name, data, mode = 0o644) {
    this.header(header(name, { size: data.length, mode }));
    this.push(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) this.push(Buffer.alloc(pad));
  }
  symlink(name, target) {
    this.header(header(name, { type: "2", link: target, mode: 0o777 }));
  }
  end() {
    this.push(Buffer.alloc(BLOCK * 2));
    this.flush();
    closeSync(this.fd);
  }
  flush() {
    for (const c of this.chunks) writeSync(this.fd, c);
    this.chunks = [];
    this.pending = 0;
  }
}

// A deterministic pseudo-random stream so runs are comparable.
let seed = 42;
function rand() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const payload = Buffer.alloc(1 << 20);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + (i >> 7)) & 0xff;
function content(i, version) {
  const size = Math.floor(rand() * rand() * 2048);
  const start = (i * 7 + version * 13) % (payload.length - 4096);
  const buf = Buffer.from(payload.subarray(start, start + size));
  if (size >= 8) buf.writeUInt32LE(i ^ (version << 20), 0);
  return buf;
}

export function generate(out, totalFiles = 500000, layerCount = 10) {
  mkdirSync(out, { recursive: true });
  const perLayer = Math.ceil(totalFiles / layerCount);
  const layerFiles = [];
  const diffIds = [];
  const history = [];
  let fileNo = 0;
  let entries = 0;
  const pathOf = (i) => `usr/lib/pkg${i % 997}/sub${(i >> 4) % 61}/file-${i}.dat`;
  let prevRange = [0, 0];
  for (let L = 0; L < layerCount; L++) {
    const firstNew = fileNo;
    const path = join(out, `layer${L}.tar`);
    const w = new TarWriter(path);
    const dirs = new Set();
    const ensureDirs = (p) => {
      const parts = p.split("/");
      for (let k = 1; k < parts.length; k++) {
        const d = parts.slice(0, k).join("/");
        if (!dirs.has(d)) {
          dirs.add(d);
          w.dir(d);
        }
      }
    };
    let written = 0;
    if (L > 0) {
      // Overwrite ~10% of the previous layer's files, delete ~2%, and make one directory opaque.
      const [prevStart, prevEnd] = prevRange;
      for (let i = prevStart; i < prevEnd && written < perLayer / 10; i += 10) {
        ensureDirs(pathOf(i));
        w.file(pathOf(i), content(i, L));
        written++;
      }
      for (let i = prevStart + 5; i < prevEnd; i += 50) {
        const p = pathOf(i);
        ensureDirs(p);
        const slash = p.lastIndexOf("/");
        w.file(`${p.slice(0, slash)}/.wh.${p.slice(slash + 1)}`, Buffer.alloc(0));
      }
      const opaque = `usr/lib/pkg${L * 11}/sub0`;
      ensureDirs(`${opaque}/x`);
      w.file(`${opaque}/.wh..wh..opq`, Buffer.alloc(0));
    }
    while (written < perLayer && fileNo < totalFiles) {
      const p = pathOf(fileNo);
      ensureDirs(p);
      if (fileNo % 40 === 0) w.symlink(`${p}.link`, `file-${fileNo}.dat`);
      w.file(p, content(fileNo, 0));
      fileNo++;
      written++;
    }
    w.end();
    entries += w.headers;
    prevRange = [firstNew, fileNo];
    layerFiles.push(path);
    // The DiffID is the layer tar's sha256, as skopeo and the daemons check it.
    diffIds.push(`sha256:${sha256OfFile(path)}`);
    history.push({ created_by: `/bin/sh -c generate layer ${L}` });
  }
  return { layerFiles, diffIds, history, entries };
}

function sha256OfFile(path) {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** Pack layers into a classic docker-save archive (layer tars, config, manifest.json last). */
export function packDockerArchive(out, layerFiles, diffIds, history) {
  const archivePath = join(out, "image.tar");
  const w = new TarWriter(archivePath);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: diffIds },
      history,
    }),
  );
  const layerNames = [];
  layerFiles.forEach((f, i) => {
    const name = `layer${i}/layer.tar`;
    const size = statSync(f).size;
    w.push(header(name, { size }));
    w.flush();
    // Stream the layer file into the archive in 8 MiB pieces.
    const fd = openSync(f, "r");
    const buf = Buffer.alloc(8 << 20);
    let pos = 0;
    while (pos < size) {
      const n = readSyncChunk(fd, buf, pos);
      writeSync(w.fd, buf.subarray(0, n));
      pos += n;
    }
    closeSync(fd);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) w.push(Buffer.alloc(pad));
    layerNames.push(name);
  });
  w.file("config.json", config);
  w.file(
    "manifest.json",
    Buffer.from(
      JSON.stringify([{ Config: "config.json", RepoTags: ["bench/synthetic:latest"], Layers: layerNames }]),
    ),
  );
  w.end();
  return archivePath;
}

function readSyncChunk(fd, buf, pos) {
  return readSync(fd, buf, 0, buf.length, pos);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? ".bench/synthetic";
  const files = Number(process.argv[3] ?? 500000);
  const layers = Number(process.argv[4] ?? 10);
  const t = Date.now();
  const g = generate(out, files, layers);
  const archive = packDockerArchive(out, g.layerFiles, g.diffIds, g.history);
  console.log(
    `${archive}: ${g.entries} tar entries over ${layers} layers, ${statSync(archive).size} bytes, ${Date.now() - t} ms`,
  );
}

/**
 * The synthetic archive for `files` files over `layers` layers, generated once and cached under
 * `.bench/` (by its parameters): { archive, layerFiles, entries }.
 */
export function cachedSynthetic(root, files, layers) {
  // v2: DiffIDs are the layer tars' digests (v1 hashed their file names, which skopeo refuses).
  const dir = join(root, ".bench", `synthetic-v2-${files}-${layers}`);
  const metaPath = join(dir, "meta.json");
  if (!existsSync(metaPath)) {
    console.error(`generating ${files} files over ${layers} layers in ${dir} …`);
    const g = generate(dir, files, layers);
    const archive = packDockerArchive(dir, g.layerFiles, g.diffIds, g.history);
    writeFileSync(metaPath, JSON.stringify({ archive, layerFiles: g.layerFiles, entries: g.entries }));
  }
  return JSON.parse(readFileSync(metaPath, "utf8"));
}
