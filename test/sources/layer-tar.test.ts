import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  contentKey,
  HASH_WORDS,
  type LayerContents,
  LayerContentsBuilder,
  parseEntryName,
  sameContent,
} from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { LayerBlobReader } from "../../src/sources/layer-blob.js";
import { LayerTarParser } from "../../src/sources/layer-tar.js";
import { TarFormatError } from "../../src/sources/tar-format.js";
import { zstdBackend } from "../../src/sources/zstd.js";
import { compressBytes, makeLayerTar, type RawTarEntry, writeTar } from "../fixtures/images.js";
import { describeLayer } from "./helpers.js";
import { BASE_EXPECTED, BASE_LAYER, CHANGE_EXPECTED, CHANGE_LAYER } from "./specs.js";

function parse(tar: Buffer, chunkSizes: number[] = [tar.length]) {
  const paths = new PathTable();
  const builder = new LayerContentsBuilder(paths);
  const parser = new LayerTarParser(builder);
  let pos = 0;
  for (let i = 0; pos < tar.length; i++) {
    const n = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    parser.write(tar.subarray(pos, pos + n));
    pos += n;
  }
  parser.end();
  const contents = builder.finish();
  return { contents, paths, parser, lines: describeLayer(contents, paths) };
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest();

describe("the layer tar parser", () => {
  it("reads every entry type", () => {
    expect(parse(makeLayerTar(BASE_LAYER)).lines).toEqual(BASE_EXPECTED);
    expect(parse(makeLayerTar(CHANGE_LAYER)).lines).toEqual(CHANGE_EXPECTED);
  });

  it.each([[[1]], [[7, 511, 513]], [[512]], [[100, 1000, 3]], [[4096]]])(
    "gives the same result whatever the chunking (%j)",
    (sizes) => {
      const big = randomBytes(70_000);
      const tar = makeLayerTar([...BASE_LAYER, { file: "big.bin", content: big }]);
      const whole = parse(tar);
      const chunked = parse(tar, sizes);
      expect(chunked.lines).toEqual(whole.lines);
      expect(Array.from(chunked.contents.hash)).toEqual(Array.from(whole.contents.hash));
      const i = Array.from(chunked.contents.node).indexOf(chunked.paths.lookup(["big.bin"]));
      expect(hashWords(chunked.contents, i)).toEqual(sha256Words(sha256(big)));
    },
  );

  it("keeps where each file's data starts in the tar when asked (pax and GNU long names before it)", () => {
    const tar = writeTar(
      [
        { name: "a.txt", typeflag: "0", data: Buffer.from("first file") },
        { name: "dir/", typeflag: "5" },
        { name: "b.bin", typeflag: "0", data: randomBytes(1500), pax: { path: "renamed/b.bin" } },
        { name: `long/${"n".repeat(200)}`, typeflag: "0", data: Buffer.from("after a long name") },
        { name: "empty", typeflag: "0" },
      ],
      { longNames: "gnu" },
    );
    for (const sizes of [[tar.length], [7, 511, 513]]) {
      const paths = new PathTable();
      const builder = new LayerContentsBuilder(paths, 16, { dataOffsets: true });
      const parser = new LayerTarParser(builder);
      for (let pos = 0, i = 0; pos < tar.length; i++) {
        const n = sizes[i % sizes.length]!;
        parser.write(tar.subarray(pos, pos + n));
        pos += n;
      }
      const c = builder.finish();
      for (let e = 0; e < c.count; e++) {
        const path = paths.path(c.node[e]!);
        if (c.type[e] !== 0) {
          expect(c.dataOffset![e], path).toBe(0);
          continue;
        }
        const offset = c.dataOffset![e]!;
        expect(offset % 512, path).toBe(0);
        const data = tar.subarray(offset, offset + c.size[e]!);
        expect(sha256Words(sha256(data)), path).toEqual(hashWords(c, e));
      }
      expect(c.count).toBe(5);
    }
    // Not asked: no column (no memory spent on it).
    expect(parse(tar).contents.dataOffset).toBeUndefined();
  });

  it("hashes empty files as SHA-256 of nothing and leaves non-files at 0", () => {
    const { contents, paths } = parse(makeLayerTar([{ file: "empty" }, { dir: "d" }]));
    const e = Array.from(contents.node).indexOf(paths.lookup(["empty"]));
    const d = Array.from(contents.node).indexOf(paths.lookup(["d"]));
    expect(hashWords(contents, e)).toEqual(sha256Words(sha256("")));
    expect(hashWords(contents, d)).toEqual([0, 0, 0, 0]);
  });

  it("keeps 128 bits of the content hash: files that differ only past the first 64 bits differ", () => {
    const tar = makeLayerTar([
      { file: "a", content: "one" },
      { file: "b", content: "two" },
    ]);
    const { contents, paths } = parse(tar);
    const a = Array.from(contents.node).indexOf(paths.lookup(["a"]));
    const b = Array.from(contents.node).indexOf(paths.lookup(["b"]));
    // Forge b's first 64 bits to a's, as a birthday search on a truncated digest could.
    const forged = { ...contents, hash: contents.hash.slice() };
    forged.hash[b * HASH_WORDS] = forged.hash[a * HASH_WORDS]!;
    forged.hash[b * HASH_WORDS + 1] = forged.hash[a * HASH_WORDS + 1]!;
    expect(forged.size[a]).toBe(forged.size[b]);
    expect(sameContent(forged, a, forged, b)).toBe(false);
    expect(contentKey(forged, a)).not.toBe(contentKey(forged, b));
    forged.hash.copyWithin(b * HASH_WORDS, a * HASH_WORDS, (a + 1) * HASH_WORDS);
    expect(sameContent(forged, a, forged, b)).toBe(true);
    expect(contentKey(forged, a)).toBe(sha256("one").subarray(0, 16).toString("hex"));
  });

  it("applies pax records (path, linkpath, size, uid, gid, fractional mtime) and ignores global ones", () => {
    const longTarget = `target/${"t".repeat(150)}`;
    const entries: RawTarEntry[] = [
      { name: "pax_global_header", typeflag: "g", data: Buffer.from("20 comment=ignored\n") },
      {
        name: "short",
        typeflag: "0",
        data: Buffer.from("hello"),
        pax: { path: "renamed/by-pax.txt", uid: "1000000", gid: "2000000", mtime: "1700000000.25" },
      },
      { name: "link", typeflag: "2", linkName: longTarget },
    ];
    const { contents, lines } = parse(writeTar(entries));
    expect(lines).toEqual([`/link symlink 0 -> ${longTarget}`, "/renamed/by-pax.txt file 5"]);
    expect(contents.uid[0]).toBe(1_000_000);
    expect(contents.gid[0]).toBe(2_000_000);
    expect(contents.mtime[0]).toBe(1_700_000_000.25);
    expect(contents.tarEntries).toBe(2);
  });

  it("reads GNU long names and long link names", () => {
    const name = `gnu/${"n".repeat(200)}`;
    const target = `gnu/${"t".repeat(200)}`;
    const tar = writeTar(
      [
        { name, typeflag: "0", data: Buffer.from("x") },
        { name: `${name}-link`, typeflag: "1", linkName: name },
        { name: `${name}-sym`, typeflag: "2", linkName: target },
      ],
      { longNames: "gnu" },
    );
    expect(parse(tar, [300]).lines).toEqual([
      `/${name} file 1`,
      `/${name}-link hardlink 0 -> /${name}`,
      `/${name}-sym symlink 0 -> ${target}`,
    ]);
  });

  it("reads base-256 numbers and ustar prefixes", () => {
    const name = `${"p".repeat(120)}/file`;
    const tar = writeTar(
      [{ name, typeflag: "0", data: Buffer.from("abc"), uid: 3_000_000_000, mtime: 2 ** 34 }],
      {
        longNames: "prefix",
        base256: true,
      },
    );
    const { contents, lines } = parse(tar);
    expect(lines).toEqual([`/${name} file 3`]);
    expect(contents.uid[0]).toBe(3_000_000_000);
    expect(contents.mtime[0]).toBe(2 ** 34);
  });

  it("treats old '\\0' entries ending in / as directories and '7' as files", () => {
    const tar = writeTar([
      { name: "olddir/", typeflag: "\0" },
      { name: "oldfile", typeflag: "\0", data: Buffer.from("12") },
      { name: "contig", typeflag: "7", data: Buffer.from("123") },
    ]);
    expect(parse(tar).lines).toEqual(["/contig file 3", "/olddir dir 0", "/oldfile file 2"]);
  });

  it("skips unknown types, data included, and counts them", () => {
    const tar = writeTar([
      { name: "a.sparse", typeflag: "S", data: randomBytes(1500) },
      { name: "b.sparse", typeflag: "S", data: randomBytes(10) },
      { name: "vol", typeflag: "V" },
      { name: "after", typeflag: "0", data: Buffer.from("ok") },
    ]);
    const { lines, parser } = parse(tar, [100]);
    expect(lines).toEqual(["/after file 2"]);
    expect(parser.skippedEntries).toEqual([
      { typeflag: "'S'", count: 2, first: "a.sparse" },
      { typeflag: "'V'", count: 1, first: "vol" },
    ]);
  });

  it("stops at the end-of-archive block and ignores what follows (eStargz TOC)", () => {
    const tar = Buffer.concat([makeLayerTar({ "a.txt": "a" }), makeLayerTar({ "stargz.index.json": "{}" })]);
    expect(parse(tar).lines).toEqual(["/a.txt file 1"]);
  });

  it("tolerates a missing end-of-archive block", () => {
    const tar = writeTar([{ name: "a.txt", typeflag: "0", data: Buffer.from("a") }], { noEndBlocks: true });
    expect(parse(tar).lines).toEqual(["/a.txt file 1"]);
  });

  it("reports truncation inside data and inside a header", () => {
    const tar = makeLayerTar({ "a.bin": Buffer.alloc(5000, 1), "b.txt": "b" });
    expect(() => parse(tar.subarray(0, 3000))).toThrow(
      new TarFormatError("the layer tar is truncated (it ends inside the data of 'a.bin', after 3000 bytes)"),
    );
    expect(() => parse(tar.subarray(0, 512 + 5120 + 100))).toThrow(/ends inside a header/);
  });

  it("reports a corrupt header with its offset", () => {
    const tar = Buffer.from(makeLayerTar({ "a.txt": "a", "b.txt": "b" }));
    tar[1034] = tar[1034]! ^ 0xff;
    expect(() => parse(tar)).toThrow("corrupt tar header at byte 1024 of the layer tar");
    expect(() => parse(Buffer.from("x".repeat(2048)))).toThrow("the data is not a tar archive");
  });
});

describe("the layer blob reader", () => {
  async function read(blob: Buffer, chunk = 10_000) {
    const paths = new PathTable();
    const progress: Array<[number, number]> = [];
    const reader = new LayerBlobReader(paths, { onProgress: (b, e) => progress.push([b, e]) });
    for (let i = 0; i < blob.length; i += chunk) {
      const w = reader.write(blob.subarray(i, i + chunk));
      if (w) await w;
    }
    const r = await reader.end();
    return { ...r, lines: r.contents ? describeLayer(r.contents, paths) : null, progress };
  }

  it.each(["none", "gzip", "zstd"] as const)("sniffs %s and reports progress", async (c) => {
    const blob = compressBytes(makeLayerTar(BASE_LAYER), c);
    const r = await read(blob, 333);
    expect(r.compression).toBe(c);
    expect(r.lines).toEqual(BASE_EXPECTED);
    expect(r.progress.at(-1)).toEqual([blob.length, 16]);
    expect(r.blobBytes).toBe(blob.length);
  });

  it("reads an empty tar (all zero bytes) and a zero-byte blob as empty layers", async () => {
    expect((await read(Buffer.alloc(1024))).lines).toEqual([]);
    expect((await read(Buffer.alloc(0))).lines).toEqual([]);
  });

  /** zstd makes a few KiB of 80 MB of zeros, less than its input buffer holds: a 64 KiB pattern, repeated. */
  const bigData = (c: string, size: number) => {
    if (c !== "zstd") return Buffer.alloc(size, 7);
    const pattern = randomBytes(64 << 10);
    const out = Buffer.alloc(size);
    for (let at = 0; at < size; at += pattern.length) pattern.copy(out, at);
    return out;
  };
  // gzip (and zstd where node:zlib has it) decodes 64 MiB ahead: zeros, which compress
  // a thousandfold and more; other zstd decoders only read 4 MiB of input ahead: incompressible data.
  const zstdAhead = zstdBackend() !== "fzstd";
  it.each([
    ["none", 12e6, false],
    ["gzip", 80e6, false],
    ["zstd", zstdAhead ? 80e6 : 6e6, !zstdAhead],
  ] as const)(
    "held (%s): takes bytes ahead of its turn, parses none until released, then waits",
    async (c, size, random) => {
      const tar = writeTar([
        { name: "small", typeflag: "0", data: Buffer.from("s") },
        { name: "big", typeflag: "0", data: random ? randomBytes(size) : bigData(c, size) },
        { name: "last", typeflag: "0", data: Buffer.from("l") },
      ]);
      const blob = compressBytes(tar, c);
      const paths = new PathTable();
      const entries: number[] = [];
      const reader = new LayerBlobReader(paths, { onProgress: (_b, e) => entries.push(e) });
      reader.hold();
      let written = 0;
      // Small writes of zeros, so that a few of them are taken before the reader stops taking them.
      const chunk = random || c === "none" ? 1 << 20 : 16;
      const feeding = (async () => {
        for (; written < blob.length; written += chunk) {
          const w = reader.write(blob.subarray(written, written + chunk));
          if (w) await w;
        }
        return reader.end();
      })();
      let settled = false;
      void feeding.then(() => {
        settled = true;
      });
      // Let it run until it stops taking bytes: it must stop before the end, and have parsed nothing.
      let last = -1;
      while (written !== last) {
        last = written;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(settled).toBe(false);
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(blob.length);
      expect(entries.every((e) => e === 0)).toBe(true);
      reader.release();
      const r = await feeding;
      expect(r.error).toBeNull();
      expect(r.compression).toBe(c);
      expect(describeLayer(r.contents!, paths)).toEqual([
        `/big file ${size}`,
        "/last file 1",
        "/small file 1",
      ]);
    },
  );

  it("a held reader destroyed before its turn ends at once, its result an error", async () => {
    const reader = new LayerBlobReader(new PathTable());
    reader.hold();
    await reader.write(compressBytes(makeLayerTar(BASE_LAYER), "gzip"));
    reader.destroy();
    const r = await reader.end();
    expect(r.contents).toBeNull();
    expect(r.error).toBe("reading was cancelled");
  });

  it("reads gzip members concatenated (eStargz style)", async () => {
    const a = compressBytes(
      writeTar([{ name: "a", typeflag: "0", data: Buffer.from("1") }], { noEndBlocks: true }),
      "gzip",
    );
    const b = compressBytes(Buffer.alloc(1024), "gzip");
    expect((await read(Buffer.concat([a, b]))).lines).toEqual(["/a file 1"]);
  });
});

function hashWords(c: LayerContents, e: number): number[] {
  return Array.from(c.hash.subarray(e * HASH_WORDS, (e + 1) * HASH_WORDS));
}

function sha256Words(d: Buffer): number[] {
  return [0, 4, 8, 12].map((at) => d.readUInt32BE(at));
}

describe("interning names from the directories the tar went down", () => {
  it("gives every entry the path a full parse gives, in any order of directories and names", () => {
    const names = [
      "usr/",
      "usr/lib/",
      "usr/lib/a/",
      "usr/lib/a/x",
      "usr/lib/b/",
      "usr/lib/b/sub/",
      "usr/lib/b/sub/y",
      "usr/lib/bc",
      "usr/lib/b/z",
      "usr/share/",
      "usr/share/doc/d",
      "./etc/",
      "./etc/hosts",
      "etc//passwd",
      "etc/./group",
      "usr/lib/a/../escaped",
      "usr/lib/a/.wh.x",
      "opt/app/file",
      "opt/app/dir/",
      "opt/app/dir/inner",
      "usr/lib/a/x2",
    ];
    const tar = writeTar(
      names.map((name) =>
        name.endsWith("/")
          ? { name, typeflag: "5" as const }
          : { name, typeflag: "0" as const, data: Buffer.from(name) },
      ),
    );
    const { contents, paths } = parse(tar);
    const got = Array.from(contents.node, (n) => paths.path(n)).sort();
    // The reference: each name parsed on its own, as the builder does when it has no directory to go on.
    const expected = new Set<string>();
    const whiteouts: string[] = [];
    for (const name of names) {
      const p = parseEntryName(name);
      if (p.kind === "entry") expected.add(`/${p.segments.join("/")}`);
      if (p.kind === "whiteout") whiteouts.push(`/${p.segments.join("/")}`);
    }
    expect(got).toEqual([...expected].sort());
    expect(got).toContain("/usr/lib/escaped");
    expect(got).toContain("/usr/lib/b/z");
    expect(Array.from(contents.whiteouts, (n) => paths.path(n))).toEqual(whiteouts);
    expect(whiteouts).toEqual(["/usr/lib/a/x"]);
  });
});
