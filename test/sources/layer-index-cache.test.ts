import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import {
  contentKey,
  EntryType,
  type LayerContents,
  LayerContentsBuilder,
  type TarEntryHeader,
} from "../../src/model/layer-contents.js";
import type { PackageDbFile } from "../../src/model/package-db.js";
import { PathTable } from "../../src/model/path-table.js";
import {
  type CachedLayer,
  decodeEntry,
  defaultCacheDir,
  encodeEntry,
  LAYER_INDEX_FORMAT_VERSION,
  LayerIndexCache,
} from "../../src/sources/layer-index-cache.js";

const digestOf = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const A = digestOf("a");
const B = digestOf("b");
const C = digestOf("c");
const HEADER = 96;
const FIXED = 12 * 4 + 4 * 8;

const h = (name: string, type: EntryType, extra: Partial<TarEntryHeader> = {}): TarEntryHeader => ({
  name,
  type,
  mode: type === EntryType.Dir ? 0o755 : 0o644,
  uid: 1000,
  gid: 100,
  size: 0,
  mtime: 1_700_000_000,
  linkName: null,
  ...extra,
});

/** A 128-bit content hash given as its four big-endian words. */
function words(...w: number[]): Uint8Array {
  const b = Buffer.alloc(16);
  for (const [i, x] of w.entries()) b.writeUInt32BE(x >>> 0, 4 * i);
  return b;
}

/** A layer with every kind of thing a reader records: all entry types, links, markers, problems. */
function sampleLayer(paths: PathTable, variant = ""): CachedLayer {
  const b = new LayerContentsBuilder(paths);
  b.add(h("./", EntryType.Dir, { mode: 0o1777 }));
  b.add(h("./.wh..wh..opq", EntryType.File));
  b.add(h("etc/", EntryType.Dir));
  b.add(
    h("etc/passwd", EntryType.File, { size: 1234, mtime: 1_600_000_000.5 }),
    words(0xdeadbeef, 0x12345678, 0xcafef00d, 0x0badc0de),
  );
  b.add(
    h(`etc/hosts${variant}`, EntryType.File, { size: 2 ** 40 + 3, uid: 0xffffffff }),
    words(1, 2, 101, 202),
  );
  b.add(h("etc/localtime", EntryType.Symlink, { linkName: "../usr/share/zoneinfo/UTC" }));
  b.add(h("usr/bin/python3.11", EntryType.File, { size: 10, mode: 0o4755 }), words(7, 8, 107, 208));
  b.add(h("usr/bin/python3", EntryType.Hardlink, { linkName: "./usr/bin/python3.11" }));
  b.add(h("dev/null", EntryType.CharDevice));
  b.add(h("dev/sda", EntryType.BlockDevice));
  b.add(h("run/fifo", EntryType.Fifo));
  b.add(h("var/lib/apt/lists/.wh.partial", EntryType.File));
  b.add(h("var/cache/.wh..wh..opq", EntryType.File));
  b.add(h("home/ünïcødé/日本語/🦀.txt", EntryType.File, { size: 5 }), words(3, 4, 103, 204));
  // A name with a lone surrogate (no tar would decode to one, but a source could): kept exactly.
  b.add(h("tmp/odd-\ud800-name", EntryType.File, { size: 1 }));
  b.add(h("etc/passwd", EntryType.File, { size: 99 }), words(9, 9, 109, 209));
  b.add(h("../escape", EntryType.File));
  b.add(h("bad/hardlink", EntryType.Hardlink, { linkName: "../../x" }));
  return {
    contents: b.finish(),
    compression: "zstd",
    skipped: [
      { typeflag: "V", count: 2, first: "volume-label" },
      { typeflag: "0x99", count: 1, first: "weird" },
    ],
    blobBytes: 987_654_321,
    listedBy: "estargz-toc",
    packages: {
      files: new Map<string, PackageDbFile>([
        [
          "var/lib/dpkg/status",
          {
            kind: "records",
            records: [
              {
                manager: "dpkg",
                name: "libc6",
                version: "2.36-9",
                arch: "amd64",
                installedSize: 13_000_000,
                files: null,
                root: null,
                joinKey: "dpkg:libc6",
              },
            ],
          },
        ],
        [
          "var/lib/dpkg/info/libc6:amd64.list",
          { kind: "file-list", joinKey: "dpkg:libc6", files: ["/usr/lib/ünï.so"] },
        ],
        [
          "app/node_modules/@s/x/package.json",
          {
            kind: "records",
            records: [
              {
                manager: "npm",
                name: "@s/x",
                version: "1.0.0",
                arch: null,
                installedSize: null,
                files: null,
                root: "/app/node_modules/@s/x",
                joinKey: null,
              },
            ],
          },
        ],
      ]),
      notes: ["/var/lib/rpm/rpmdb.sqlite: not read"],
    },
  };
}

/** Everything a layer says, with paths spelled out, so layers in different tables compare equal. */
function summary(layer: CachedLayer, paths: PathTable) {
  const c = layer.contents;
  const entries = [];
  for (let i = 0; i < c.count; i++) {
    entries.push({
      path: paths.path(c.node[i]!),
      type: c.type[i],
      mode: c.mode[i],
      uid: c.uid[i],
      gid: c.gid[i],
      size: c.size[i],
      mtime: c.mtime[i],
      hash: contentKey(c, i),
      link: c.links.get(i) ?? null,
    });
  }
  return {
    count: c.count,
    entries,
    linkCount: c.links.size,
    whiteouts: [...c.whiteouts].map((n) => paths.path(n)),
    opaqueDirs: [...c.opaqueDirs].map((n) => paths.path(n)),
    tarEntries: c.tarEntries,
    fileBytes: c.fileBytes,
    tarFileBytes: c.tarFileBytes,
    problems: c.problems,
    compression: layer.compression,
    skipped: layer.skipped,
    blobBytes: layer.blobBytes,
    listedBy: layer.listedBy,
    packages: layer.packages ? { files: [...layer.packages.files], notes: layer.packages.notes } : null,
  };
}

const columnTypes = (c: LayerContents) =>
  [c.node, c.type, c.mode, c.uid, c.gid, c.size, c.mtime, c.hash, c.whiteouts, c.opaqueDirs].map(
    (a) => a.constructor.name,
  );

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "layerview-cache-test-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cacheIn = (sub = "layers", maxBytes?: number) =>
  LayerIndexCache.open({ dir: join(dir, sub), maxBytes });

/** Rewrite a stored entry's payload and fix up its checksum, as a deliberate forger would. */
function forge(file: string, edit: (payload: Buffer) => void): void {
  const buf = readFileSync(file);
  edit(buf.subarray(HEADER));
  createHash("sha256").update(buf.subarray(HEADER)).digest().copy(buf, 56);
  writeFileSync(file, buf);
}

describe("LayerIndexCache round trip", () => {
  it("restores every column, link, marker, problem and skipped entry into another path table", async () => {
    const paths = new PathTable();
    paths.intern(["unrelated", "before"]);
    const layer = sampleLayer(paths);
    expect(layer.contents.problems.map((p) => p.severity)).toEqual(["warning", "error", "error"]);
    expect(layer.contents.whiteouts.length).toBe(1);
    expect(layer.contents.opaqueDirs.length).toBe(2);
    const cache = cacheIn();
    await cache.put(A, layer, paths);

    const other = new PathTable();
    const held = ["srv/www/index.html", "etc/shadow", "usr/bin"].map((p) => other.intern(p.split("/")));
    const got = await cache.get(A, other);
    expect(got).not.toBeNull();
    expect(summary(got!, other)).toEqual(summary(layer, paths));
    expect(columnTypes(got!.contents)).toEqual(columnTypes(layer.contents));
    // The lone surrogate sent the strings as UTF-16 (flag bit 0), which is what kept it intact.
    expect(readFileSync(cache.fileFor(A)).readUInt32LE(88)).toBe(1);
    // Paths the table held keep their ids; the layer's are shared where they meet ("/usr/bin").
    expect(held.map((n) => other.path(n))).toEqual(["/srv/www/index.html", "/etc/shadow", "/usr/bin"]);
    expect(other.lookup(["usr", "bin", "python3"])).toBeGreaterThan(0);
  });

  it("interns only the layer's paths and their ancestors, in the order the reader created them", async () => {
    const paths = new PathTable();
    const layer = sampleLayer(paths);
    const cache = cacheIn();
    await cache.put(A, layer, paths);
    const fresh = new PathTable();
    await cache.get(A, fresh);
    const all = (t: PathTable) => Array.from({ length: t.size }, (_, n) => t.path(n));
    // The reader also interned "/bad/hardlink", whose entry it then skipped: no layer data names it.
    expect(all(fresh)).toEqual(all(paths).filter((p) => !p.startsWith("/bad")));
  });

  it("gives the same node ids back when read into the table it was written from", async () => {
    const paths = new PathTable();
    const layer = sampleLayer(paths);
    const cache = cacheIn();
    await cache.put(A, layer, paths);
    const size = paths.size;
    const got = (await cache.get(A, paths))!;
    expect(paths.size).toBe(size);
    expect(got.contents.node).toEqual(layer.contents.node);
    expect(got.contents.whiteouts).toEqual(layer.contents.whiteouts);
    expect(got.contents.links).toEqual(layer.contents.links);
  });

  it("keeps the data offsets of an uncompressed layer, and stores none for a layer without them", async () => {
    const paths = new PathTable();
    const b = new LayerContentsBuilder(paths, 16, { dataOffsets: true });
    b.add(h("etc/", EntryType.Dir), null, 512);
    b.add(h("etc/passwd", EntryType.File, { size: 1234 }), words(1, 2, 5, 6), 1024);
    b.add(h("big", EntryType.File, { size: 2 ** 33 }), words(3, 4, 5, 6), 2 ** 40 + 512);
    const layer: CachedLayer = {
      contents: b.finish(),
      compression: "none",
      skipped: [],
      blobBytes: 2 ** 40 + 2 ** 33 + 4096,
      listedBy: "stream",
    };
    const cache = cacheIn();
    await cache.put(A, layer, paths);
    const got = (await cache.get(A, new PathTable()))!;
    expect(Array.from(got.contents.dataOffset!)).toEqual([0, 1024, 2 ** 40 + 512]);
    expect(readFileSync(cache.fileFor(A)).readUInt32LE(88)).toBe(2);
    await cache.put(B, sampleLayer(paths), paths);
    expect((await cache.get(B, new PathTable()))!.contents.dataOffset).toBeUndefined();
  });

  it("keeps an empty layer", async () => {
    const paths = new PathTable();
    const empty: CachedLayer = {
      contents: new LayerContentsBuilder(paths).finish(),
      compression: "none",
      skipped: [],
      blobBytes: 0,
      listedBy: "stream",
    };
    const cache = cacheIn();
    await cache.put(A, empty, paths);
    const got = await cache.get(A, new PathTable());
    expect(summary(got!, paths)).toEqual(summary(empty, paths));
    expect(readFileSync(cache.fileFor(A)).readUInt32LE(88)).toBe(0);
  });

  it("misses for a digest never stored, and an entry per digest", async () => {
    const paths = new PathTable();
    const cache = cacheIn();
    expect(await cache.get(A, paths)).toBeNull();
    await cache.put(A, sampleLayer(paths), paths);
    await cache.put(B, sampleLayer(paths, "-b"), paths);
    expect(await cache.get(C, paths)).toBeNull();
    const b = await cache.get(B, new PathTable());
    expect(b!.contents.problems).toHaveLength(3);
    expect((await cache.stats()).entries).toBe(2);
  });

  it("rejects keys that are not sha256 digests (a caller bug, not a miss)", async () => {
    const cache = cacheIn();
    await expect(cache.get("sha256:abc", new PathTable())).rejects.toThrow(TypeError);
    await expect(cache.get(`sha512:${"0".repeat(64)}`, new PathTable())).rejects.toThrow(TypeError);
    expect(() => cache.fileFor("../../etc/passwd")).toThrow(TypeError);
  });
});

describe("LayerIndexCache damaged entries", () => {
  async function stored() {
    const paths = new PathTable();
    const cache = cacheIn();
    await cache.put(A, sampleLayer(paths), paths);
    return { cache, file: cache.fileFor(A) };
  }

  it("treats a truncated file as a miss and removes it", async () => {
    const { cache, file } = await stored();
    const full = readFileSync(file);
    for (const keep of [full.length - 1, HEADER + 10, HEADER, 40, 0]) {
      writeFileSync(file, full.subarray(0, keep));
      expect(await cache.get(A, new PathTable()), `cut at ${keep}`).toBeNull();
      expect(existsSync(file)).toBe(false);
    }
  });

  it("treats a flipped byte anywhere as a miss and removes it", async () => {
    const { cache, file } = await stored();
    const full = readFileSync(file);
    for (const at of [0, 9, 17, 30, 60, 90, HEADER, HEADER + 50, full.length >> 1, full.length - 1]) {
      const bad = Buffer.from(full);
      bad[at]! ^= 0x20;
      writeFileSync(file, bad);
      const paths = new PathTable();
      expect(await cache.get(A, paths), `byte ${at}`).toBeNull();
      expect(paths.size).toBe(1);
      expect(existsSync(file)).toBe(false);
    }
  });

  it("treats another format version as a miss, removes it, and stores it again", async () => {
    const { cache, file } = await stored();
    const buf = readFileSync(file);
    buf.writeUInt32LE(LAYER_INDEX_FORMAT_VERSION + 1, 8);
    writeFileSync(file, buf);
    expect(await cache.get(A, new PathTable())).toBeNull();
    expect(existsSync(file)).toBe(false);
    const paths = new PathTable();
    await cache.put(A, sampleLayer(paths), paths);
    expect(await cache.get(A, new PathTable())).not.toBeNull();
  });

  it("does not serve one digest's entry under another's name", async () => {
    const { cache, file } = await stored();
    copyFileSync(file, cache.fileFor(B));
    expect(await cache.get(B, new PathTable())).toBeNull();
    expect(existsSync(cache.fileFor(B))).toBe(false);
    expect(await cache.get(A, new PathTable())).not.toBeNull();
  });

  it("rejects a well-checksummed file whose references point nowhere, without touching the path table", async () => {
    const { cache, file } = await stored();
    const original = readFileSync(file);
    const n = original.readUInt32LE(HEADER);
    const nodes = original.readUInt32LE(HEADER + 4);
    const nodeColumn = FIXED + n * 16;
    // node, uid, gid (4 bytes each), then the 128-bit content hash (16 bytes).
    const parentColumn = nodeColumn + n * 28;
    // Control: a forged file with nothing changed is still a hit.
    forge(file, () => {});
    expect(await cache.get(A, new PathTable())).not.toBeNull();
    const edits: Array<[string, (p: Buffer) => void]> = [
      ["entry node past the table", (p) => p.writeInt32LE(nodes + 1, nodeColumn)],
      ["negative entry node", (p) => p.writeInt32LE(-5, nodeColumn + 4)],
      ["two entries on one node", (p) => p.writeInt32LE(p.readInt32LE(nodeColumn + 4), nodeColumn + 8)],
      ["parent after its child", (p) => p.writeInt32LE(nodes, parentColumn)],
      ["name string past the table", (p) => p.writeInt32LE(0x7fffffff, parentColumn + nodes * 4)],
      ["unknown entry type", (p) => (p[p.length - p.readUInt32LE(32) - p.readUInt32LE(44) - 1] = 42)],
      ["package JSON cut short", (p) => (p[p.length - 1] = 0x20)],
      [
        "a package record of an unknown manager",
        (p) => p.write('"zypp"', p.indexOf('"dpkg"', p.length - p.readUInt32LE(44))),
      ],
      ["unknown compression", (p) => p.writeUInt32LE(7, 36)],
      ["negative blob size", (p) => p.writeDoubleLE(-1, 48 + 24)],
      ["NaN file size", (p) => p.writeDoubleLE(Number.NaN, FIXED)],
    ];
    for (const [what, edit] of edits) {
      writeFileSync(file, original);
      forge(file, edit);
      const paths = new PathTable();
      paths.intern(["kept"]);
      expect(await cache.get(A, paths), what).toBeNull();
      expect(paths.size, what).toBe(2);
    }
  });

  it("misses without a large allocation when a crafted file claims huge counts", async () => {
    const file = cacheIn().fileFor(A);
    mkdirSync(join(dir, "layers"));
    const payload = Buffer.alloc(FIXED);
    for (let i = 0; i < 9; i++) payload.writeUInt32LE(0xffffffff, i * 4);
    const header = Buffer.alloc(HEADER);
    header.write("LVLAYIDX", 0, "latin1");
    header.writeUInt32LE(LAYER_INDEX_FORMAT_VERSION, 8);
    header.writeUInt32LE(HEADER, 12);
    header.writeUInt32LE(payload.length, 16);
    Buffer.from(A.slice(7), "hex").copy(header, 24);
    createHash("sha256").update(payload).digest().copy(header, 56);
    writeFileSync(file, Buffer.concat([header, payload]));
    const before = process.memoryUsage().arrayBuffers;
    expect(await cacheIn().get(A, new PathTable())).toBeNull();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    expect(existsSync(file)).toBe(false);
    // The same claim in the pure decoder.
    expect(
      decodeEntry(Buffer.concat([header, payload]), Buffer.from(A.slice(7), "hex"), new PathTable()),
    ).toBeNull();
  });

  it("does not read a file larger than the limit (sparse, so the test stays small)", async () => {
    const cache = cacheIn("layers", 1 << 20);
    mkdirSync(cache.dir);
    const file = cache.fileFor(A);
    const fd = openSync(file, "w");
    writeFileSync(fd, "LVLAYIDX");
    closeSync(fd);
    execFileSync("truncate", ["-s", "200M", file]);
    const before = process.memoryUsage().arrayBuffers;
    expect(await cache.get(A, new PathTable())).toBeNull();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    expect(existsSync(file)).toBe(false);
  });

  it.skipIf(process.platform === "win32")(
    "does not hang on a FIFO or follow a symlink under an entry's name",
    async () => {
      const cache = cacheIn();
      mkdirSync(cache.dir);
      execFileSync("mkfifo", [cache.fileFor(A)]);
      expect(await cache.get(A, new PathTable())).toBeNull();
      const paths = new PathTable();
      const real = join(dir, "real.lvi");
      writeFileSync(real, encodeEntry(sampleLayer(paths), Buffer.from(B.slice(7), "hex"), paths)!);
      symlinkSync(real, cache.fileFor(B));
      expect(await cache.get(B, new PathTable())).toBeNull();
      expect(existsSync(real)).toBe(true);
    },
  );
});

describe("LayerIndexCache writers", () => {
  it("never shows a reader a half-written entry while several writers store the same key", async () => {
    const paths = new PathTable();
    const layer = sampleLayer(paths);
    const want = summary(layer, paths);
    const caches = [cacheIn(), cacheIn(), cacheIn()];
    const reads: Array<Promise<CachedLayer | null>> = [];
    const writes: Array<Promise<void>> = [];
    const readers = caches.map(() => new PathTable());
    for (let round = 0; round < 8; round++) {
      caches.forEach((cache, i) => {
        writes.push(cache.put(A, layer, paths));
        reads.push(cache.get(A, readers[i]!));
      });
    }
    await Promise.all(writes);
    const got = await Promise.all(reads);
    got.forEach((g, k) => {
      if (g !== null) expect(summary(g, readers[k % caches.length]!)).toEqual(want);
    });
    const fresh = new PathTable();
    expect(summary((await cacheIn().get(A, fresh))!, fresh)).toEqual(want);
    expect(readdirSync(join(dir, "layers"))).toEqual([`${A.slice(7)}.lvi`]);
  });

  it("leaves the cache as it was when the directory cannot be written", async () => {
    writeFileSync(join(dir, "file"), "not a directory");
    const cache = LayerIndexCache.open({ dir: join(dir, "file", "layers") });
    const paths = new PathTable();
    await expect(cache.put(A, sampleLayer(paths), paths)).resolves.toBeUndefined();
    expect(await cache.get(A, paths)).toBeNull();
    await expect(cache.stats()).rejects.toThrow(UserError);
    expect(readFileSync(join(dir, "file"), "utf8")).toBe("not a directory");
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === "win32")(
    "leaves a read-only directory alone",
    async () => {
      const cache = cacheIn();
      mkdirSync(cache.dir, { mode: 0o500 });
      const paths = new PathTable();
      await cache.put(A, sampleLayer(paths), paths);
      expect(readdirSync(cache.dir)).toEqual([]);
    },
  );

  it("removes a dead writer's temp file once it is old, and never counts it", async () => {
    const cache = cacheIn();
    const paths = new PathTable();
    await cache.put(A, sampleLayer(paths), paths);
    const stale = join(cache.dir, `.${B.slice(7)}.1234abcd.tmp`);
    const young = join(cache.dir, `.${C.slice(7)}.5678abcd.tmp`);
    writeFileSync(stale, "half");
    writeFileSync(young, "half");
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(stale, hourAgo, hourAgo);
    expect((await cache.stats()).entries).toBe(1);
    await cache.put(B, sampleLayer(paths), paths);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });
});

describe("LayerIndexCache size limit", () => {
  const entryBytes = () => {
    const paths = new PathTable();
    return encodeEntry(sampleLayer(paths), Buffer.alloc(32), paths)!.length;
  };

  it("evicts the least recently used entries first, a hit counting as a use", async () => {
    const size = entryBytes();
    const cache = cacheIn("layers", Math.floor(size * 2.5));
    const paths = new PathTable();
    await cache.put(A, sampleLayer(paths), paths);
    await cache.put(B, sampleLayer(paths), paths);
    const past = (s: number) => new Date(Date.now() - s * 1000);
    utimesSync(cache.fileFor(A), past(200), past(200));
    utimesSync(cache.fileFor(B), past(100), past(100));
    // A is older, but reading it makes B the least recently used.
    expect(await cache.get(A, new PathTable())).not.toBeNull();
    await cache.put(C, sampleLayer(paths), paths);
    expect(existsSync(cache.fileFor(A))).toBe(true);
    expect(existsSync(cache.fileFor(B))).toBe(false);
    expect(existsSync(cache.fileFor(C))).toBe(true);
  });

  it("stays within maxBytes however many layers are stored", async () => {
    const size = entryBytes();
    const maxBytes = size * 3 + 10;
    const cache = cacheIn("layers", maxBytes);
    const paths = new PathTable();
    for (let i = 0; i < 12; i++) {
      await cache.put(digestOf(`layer ${i}`), sampleLayer(paths), paths);
      const s = await cache.stats();
      expect(s.bytes).toBeLessThanOrEqual(maxBytes);
      expect(s.entries).toBe(Math.min(i + 1, 3));
    }
    expect(existsSync(cache.fileFor(digestOf("layer 11")))).toBe(true);
  });

  it("does not store an entry larger than the whole limit", async () => {
    const cache = cacheIn("layers", entryBytes() - 1);
    const paths = new PathTable();
    await cache.put(A, sampleLayer(paths), paths);
    expect(await cache.get(A, paths)).toBeNull();
    expect((await cache.stats()).entries).toBe(0);
  });

  it("reports and clears only its own files", async () => {
    const cache = cacheIn();
    const paths = new PathTable();
    await cache.put(A, sampleLayer(paths), paths);
    await cache.put(B, sampleLayer(paths), paths);
    writeFileSync(join(cache.dir, "notes.txt"), "mine");
    const s = await cache.stats();
    const bytes = statSync(cache.fileFor(A)).size + statSync(cache.fileFor(B)).size;
    expect(s).toEqual({ dir: cache.dir, entries: 2, bytes, maxBytes: 1024 ** 3 });
    expect(await cache.clear()).toEqual({ removed: 2, bytes });
    expect(readdirSync(cache.dir)).toEqual(["notes.txt"]);
    expect(await cache.clear()).toEqual({ removed: 0, bytes: 0 });
  });

  it("counts nothing when the directory does not exist yet", async () => {
    const cache = cacheIn("never-made");
    expect(await cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(await cache.clear()).toEqual({ removed: 0, bytes: 0 });
  });
});

describe("defaultCacheDir", () => {
  it("uses XDG_CACHE_HOME when it is absolute, else the platform's cache folder", () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "linux", "/home/u")).toBe(
      "/x/cache/layerview/layers",
    );
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "darwin", "/Users/u")).toBe(
      "/x/cache/layerview/layers",
    );
    expect(defaultCacheDir({ XDG_CACHE_HOME: "relative" }, "linux", "/home/u")).toBe(
      "/home/u/.cache/layerview/layers",
    );
    expect(defaultCacheDir({}, "linux", "/home/u")).toBe("/home/u/.cache/layerview/layers");
    expect(defaultCacheDir({}, "darwin", "/Users/u")).toBe("/Users/u/Library/Caches/layerview");
    expect(defaultCacheDir({ LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" }, "win32", "C:\\Users\\u")).toBe(
      "C:\\Users\\u\\AppData\\Local\\layerview\\Cache",
    );
    expect(defaultCacheDir({}, "win32", "C:\\Users\\u")).toBe(
      "C:\\Users\\u\\AppData\\Local\\layerview\\Cache",
    );
  });

  it("is where open() puts the cache by default", () => {
    const cache = LayerIndexCache.open({ env: { XDG_CACHE_HOME: dir } });
    expect(cache.dir).toBe(join(dir, "layerview", "layers"));
    expect(cache.maxBytes).toBe(1024 ** 3);
  });
});
