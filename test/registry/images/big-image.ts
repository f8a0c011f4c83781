import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createGzip } from "node:zlib";
import tar from "tar-stream";

/**
 * A big, realistic image made here without any network: two layers generated from a seeded
 * generator (thousands of files — docs, tiny data files, random "libraries", a 9 MiB file that
 * eStargz splits into chunks, symlinks, hard links, a long PAX name, a non-ASCII name, setuid, an
 * empty file; then a layer with whiteouts, an opaque directory and changes), written as a gzip OCI
 * layout, then converted to eStargz by ctr-remote against a containerd of our own.
 *
 * Everything is deterministic: the same source file gives the same gzip layout (its digests are
 * stable), so a cache keyed by this file's content is valid.
 */

const run = promisify(execFile);
export const BIG_IMAGE_NAME = "localhost/layerview/big";
const MTIME = new Date("2024-01-01T00:00:00Z");

export interface BigImageStats {
  files: number;
  entries: number;
  uncompressedBytes: number;
  compressedBytes: number;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Incompressible bytes: an AES-CTR keystream with a key from the seed (stable across Node versions). */
function randomBytesFrom(seed: string, size: number): Buffer {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(size));
}

const SYLLABLES = [
  "ka",
  "lo",
  "mer",
  "tis",
  "vo",
  "ran",
  "eli",
  "qu",
  "dor",
  "sen",
  "pa",
  "ix",
  "ul",
  "bre",
  "nat",
  "o",
];

function textFrom(next: () => number, size: number): Buffer {
  const words: string[] = [];
  for (let i = 0; i < 400; i++) {
    let w = "";
    const n = 1 + Math.floor(next() * 4);
    for (let j = 0; j < n; j++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    words.push(w);
  }
  const parts: string[] = [];
  let len = 0;
  let line = 0;
  while (len < size) {
    const w = words[Math.floor(next() * words.length)]!;
    const sep = line > 60 + next() * 20 ? "\n" : " ";
    line = sep === "\n" ? 0 : line + w.length + 1;
    parts.push(w, sep);
    len += w.length + 1;
  }
  return Buffer.from(parts.join("")).subarray(0, size);
}

interface Entry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  mode?: number;
  linkname?: string;
  body?: Buffer;
  uid?: number;
  gid?: number;
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");

function baseLayer(): Entry[] {
  const next = rng(20240101);
  const out: Entry[] = [];
  const dir = (name: string, mode = 0o755) => out.push({ name, type: "directory", mode });
  const file = (name: string, body: Buffer, mode = 0o644) => out.push({ name, body, mode });
  for (const d of [
    "etc",
    "etc/conf.d",
    "usr",
    "usr/bin",
    "usr/lib",
    "usr/share",
    "usr/share/doc",
    "opt",
    "opt/big",
  ])
    dir(d);
  dir("tmp", 0o1777);
  dir("var");
  dir("var/log");
  dir("srv");
  dir("srv/data");
  file("etc/hostname", Buffer.from("layerview-big\n"));
  file("etc/os-release", Buffer.from('NAME="layerview big test image"\nID=layerview\n'));
  file("etc/shadow", Buffer.from("root:*:19000:0:99999:7:::\n"), 0o600);
  for (let i = 0; i < 20; i++)
    file(`etc/conf.d/service-${pad(i, 2)}.conf`, textFrom(next, 200 + Math.floor(next() * 800)));
  for (let i = 0; i < 600; i++) {
    const d = `usr/share/doc/pkg-${pad(i, 4)}`;
    dir(d);
    file(`${d}/README`, textFrom(next, 1000 + Math.floor(next() * 5000)));
    file(`${d}/copyright`, textFrom(next, 500 + Math.floor(next() * 2000)));
  }
  for (let d = 0; d < 20; d++) {
    const dd = `srv/data/d${pad(d, 2)}`;
    dir(dd);
    for (let i = 0; i < 100; i++)
      file(`${dd}/file-${pad(i, 4)}.txt`, textFrom(next, 50 + Math.floor(next() * 750)));
  }
  for (let i = 0; i < 80; i++) {
    const size = 64 * 1024 + Math.floor(next() * 192 * 1024);
    file(`usr/lib/lib${pad(i, 3)}.so.1`, randomBytesFrom(`lib-${i}`, size), 0o755);
    out.push({
      name: `usr/lib/lib${pad(i, 3)}.so`,
      type: "symlink",
      linkname: `lib${pad(i, 3)}.so.1`,
      mode: 0o777,
    });
  }
  for (let i = 0; i < 40; i++) {
    file(
      `usr/bin/tool${pad(i, 2)}`,
      randomBytesFrom(`tool-${i}`, 20 * 1024 + Math.floor(next() * 60 * 1024)),
      0o755,
    );
    out.push({
      name: `usr/bin/tool${pad(i, 2)}-alias`,
      type: "link",
      linkname: `usr/bin/tool${pad(i, 2)}`,
      mode: 0o755,
    });
  }
  file("usr/bin/suid-helper", randomBytesFrom("suid", 4096), 0o4755);
  file("opt/big/blob-0.bin", randomBytesFrom("blob-0", 9 * 1024 * 1024));
  file("opt/big/zeros.bin", Buffer.alloc(4 * 1024 * 1024));
  file("opt/big/empty", Buffer.alloc(0));
  const long = `opt/${"very-long-directory-name-".repeat(5)}end`;
  dir(long);
  file(
    `${long}/${"a-file-with-a-long-name-".repeat(3)}.txt`,
    Buffer.from("a path longer than 100 bytes: PAX header\n"),
  );
  file("opt/ünïcødé-name.txt", Buffer.from("non-ASCII name\n"));
  file("var/log/owned-by-1000.log", textFrom(next, 3000));
  out[out.length - 1]!.uid = 1000;
  out[out.length - 1]!.gid = 1000;
  return out;
}

function changeLayer(): Entry[] {
  const next = rng(20240202);
  const out: Entry[] = [];
  out.push({ name: "usr/share/doc", type: "directory", mode: 0o755 });
  for (let i = 0; i < 10; i++)
    out.push({ name: `usr/share/doc/.wh.pkg-${pad(i, 4)}`, body: Buffer.alloc(0) });
  out.push({ name: "etc/conf.d", type: "directory", mode: 0o755 });
  out.push({ name: "etc/conf.d/.wh..wh..opq", body: Buffer.alloc(0) });
  out.push({ name: "etc/conf.d/only.conf", body: Buffer.from("replaced=yes\n"), mode: 0o644 });
  out.push({ name: "etc/hostname", body: Buffer.from("layerview-big-changed\n"), mode: 0o644 });
  out.push({ name: "srv/new", type: "directory", mode: 0o755 });
  for (let i = 0; i < 50; i++)
    out.push({ name: `srv/new/n-${pad(i, 3)}.txt`, body: textFrom(next, 100 + Math.floor(next() * 900)) });
  return out;
}

class Hasher extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Write one layer as tar+gzip into the layout's blobs; returns its digests and sizes. */
async function writeLayer(blobs: string, entries: Entry[]) {
  const pack = tar.pack();
  const raw = new Hasher();
  const gz = new Hasher();
  const tmp = join(blobs, `layer-${process.pid}.tmp`);
  const done = pipeline(pack, raw, createGzip({ level: 6 }), gz, createWriteStream(tmp));
  let files = 0;
  for (const e of entries) {
    const type = e.type ?? "file";
    if (type === "file") files++;
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: type === "directory" ? `./${e.name}/` : `./${e.name}`,
          type,
          mode: e.mode ?? 0o644,
          mtime: MTIME,
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          uname: e.uid ? "user" : "root",
          gname: e.gid ? "user" : "root",
          linkname: type === "link" ? `./${e.linkname}` : e.linkname,
          size: type === "file" ? (e.body?.length ?? 0) : 0,
        },
        type === "file" ? (e.body ?? Buffer.alloc(0)) : Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  const digest = gz.hash.digest("hex");
  renameSync(tmp, join(blobs, digest));
  return {
    digest: `sha256:${digest}`,
    diffId: `sha256:${raw.hash.digest("hex")}`,
    size: gz.bytes,
    uncompressed: raw.bytes,
    files,
    entries: entries.length,
  };
}

function putBlob(blobs: string, body: Buffer): { digest: string; size: number } {
  const hex = createHash("sha256").update(body).digest("hex");
  writeFileSync(join(blobs, hex), body);
  return { digest: `sha256:${hex}`, size: body.length };
}

/** The gzip OCI layout (a directory: push it as `oci:DIR`). */
export async function writeBigImageLayout(dir: string): Promise<BigImageStats> {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const layers = [await writeLayer(blobs, baseLayer()), await writeLayer(blobs, changeLayer())];
  const config = putBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        created: MTIME.toISOString(),
        config: { Env: ["PATH=/usr/bin:/bin"], Cmd: ["/usr/bin/tool00"], WorkingDir: "/" },
        rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
        history: [
          { created: MTIME.toISOString(), created_by: "layerview big image: base (generated)" },
          { created: MTIME.toISOString(), created_by: "layerview big image: whiteouts, opaque dir, changes" },
        ],
      }),
    ),
  );
  const manifest = putBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: layers.map((l) => ({
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
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
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: {
            "io.containerd.image.name": `${BIG_IMAGE_NAME}:gzip`,
            "org.opencontainers.image.ref.name": `${BIG_IMAGE_NAME}:gzip`,
          },
          platform: { architecture: "amd64", os: "linux" },
        },
      ],
    }),
  );
  return {
    files: layers.reduce((n, l) => n + l.files, 0),
    entries: layers.reduce((n, l) => n + l.entries, 0),
    uncompressedBytes: layers.reduce((n, l) => n + l.uncompressed, 0),
    compressedBytes: layers.reduce((n, l) => n + l.size, 0),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stopPid(child: ChildProcess, ms = 10_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  process.kill(pid, "SIGTERM");
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());
  if ((await Promise.race([exited, timer])) === "timeout" && alive(pid)) {
    process.kill(pid, "SIGKILL");
    await exited;
  }
}

/** Is anything mounted under dir? (never rm -rf through a mount) */
function mountedUnder(dir: string): boolean {
  try {
    return readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .some((l) => (l.split(" ")[1] ?? "").startsWith(`${dir}/`));
  } catch {
    return false;
  }
}

/**
 * Convert the gzip layout to eStargz with ctr-remote against a private containerd (own root,
 * state and socket under workDir, CRI off); write an OCI archive to outTar. containerd is
 * stopped by its PID before this returns, whatever happened.
 */
export async function convertToEstargz(layoutDir: string, outTar: string, workDir: string): Promise<void> {
  mkdirSync(workDir, { recursive: true });
  const sock = join(workDir, "containerd.sock");
  const config = join(workDir, "containerd.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = ${JSON.stringify(join(workDir, "root"))}`,
      `state = ${JSON.stringify(join(workDir, "state"))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]',
      "[grpc]",
      `  address = ${JSON.stringify(sock)}`,
      "[ttrpc]",
      `  address = ${JSON.stringify(`${sock}.ttrpc`)}`,
      "[debug]",
      '  address = ""',
      "[metrics]",
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(join(workDir, "opt"))}`,
      "",
    ].join("\n"),
  );
  const logFd = openSync(join(workDir, "containerd.log"), "a");
  const child = spawn("containerd", ["--config", config], { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  const exitedEarly = new Promise<never>((_, reject) =>
    child.once("exit", (code, sig) =>
      reject(new Error(`containerd exited (${code ?? sig}); see ${workDir}/containerd.log`)),
    ),
  );
  exitedEarly.catch(() => {});
  const ctr = (args: string[], timeout = 300_000) =>
    Promise.race([
      run("ctr-remote", ["-a", sock, "-n", "layerview", ...args], { timeout, maxBuffer: 1 << 24 }),
      exitedEarly,
    ]);
  try {
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      try {
        await ctr(["version"], 5000);
        ready = true;
      } catch (err) {
        if (child.exitCode !== null) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!ready) throw new Error(`containerd did not answer on ${sock}`);
    const inTar = join(workDir, "in.tar");
    await run("tar", ["-C", layoutDir, "-cf", inTar, "oci-layout", "index.json", "blobs"], {
      timeout: 120_000,
    });
    await ctr(["image", "import", "--no-unpack", inTar]);
    await ctr([
      "image",
      "convert",
      "--estargz",
      "--oci",
      `${BIG_IMAGE_NAME}:gzip`,
      `${BIG_IMAGE_NAME}:estargz`,
    ]);
    await ctr(["image", "export", outTar, `${BIG_IMAGE_NAME}:estargz`]);
    rmSync(inTar, { force: true });
  } finally {
    await stopPid(child);
    if (!mountedUnder(workDir)) {
      rmSync(join(workDir, "root"), { recursive: true, force: true });
      rmSync(join(workDir, "state"), { recursive: true, force: true });
    }
  }
  if (!existsSync(outTar) || statSync(outTar).size === 0) throw new Error("ctr-remote export wrote nothing");
}

/** What the cache key of the big images depends on: this generator's source and the tools' versions. */
export async function bigImageKey(): Promise<string> {
  const h = createHash("sha256").update(readFileSync(fileURLToPath(import.meta.url)));
  for (const [cmd, args] of [
    ["ctr-remote", ["--version"]],
    ["containerd", ["--version"]],
  ] as const) {
    try {
      h.update((await run(cmd, [...args], { timeout: 10_000 })).stdout);
    } catch {
      h.update(`${cmd}: missing`);
    }
  }
  return h.digest("hex").slice(0, 16);
}
