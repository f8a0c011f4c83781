import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentKey, EntryType } from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import {
  fileChunks,
  listLayerFromToc,
  type RangeReader,
  readFileFromChunks,
  sha256HexBytes,
  TocError,
  type TocLayerInfo,
  type TocListing,
  type TocOptions,
  tocFormatOf,
} from "../../src/sources/layer-toc.js";
import { buildDockerArchive } from "../fixtures/images.js";
import type { RawTarEntry } from "../fixtures/tar-writer.js";
import { zstdCompress as compress } from "../fixtures/zstd.js";
import { describeReal, itReal, realFixture, useRealFixtures } from "../real-fixtures.js";
import { buildEstargz, buildZstdChunked, hex256, noise, rangeReaderOf, type TocJson } from "./toc-build.js";
import {
  describeWithTools,
  fileContents,
  type LayoutLayer,
  ociLayers,
  sha256hex,
  snapshot,
  streamListing,
  unpackOciArchive,
} from "./toc-compare.js";
import { type Containerd, ctrRemoteConvert, skopeoZstdChunked, startContainerd } from "./toc-engines.js";

interface Blob {
  blob: Buffer;
  mediaType: string | null;
  annotations: Record<string, string>;
}

const infoOf = (b: Blob): TocLayerInfo => ({
  mediaType: b.mediaType,
  size: b.blob.length,
  annotations: b.annotations,
});

async function list(b: Blob, options?: TocOptions, read?: RangeReader) {
  const r = rangeReaderOf(b.blob);
  const paths = new PathTable();
  const listing = await listLayerFromToc(infoOf(b), read ?? r.read, paths, undefined, options);
  return { listing, paths, ranges: r.ranges, read: r.read };
}

async function tocError(p: Promise<unknown>): Promise<TocError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TocError) return e;
    throw new Error(`expected a TocError, got ${(e as Error)?.stack ?? String(e)}`);
  }
  throw new Error("expected a TocError, but it resolved");
}

async function readAll(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

/**
 * The central check: the TOC listing equals what streaming the blob gives (every column but the
 * hash, entry by entry), each file's hash is the SHA-256 of its streamed bytes (and equals the
 * streamed hash itself once layer-tar hashes with SHA-256), and `cat` from the chunks gives the bytes.
 */
async function expectSameAsStreamed(
  b: Blob,
  options?: TocOptions,
): Promise<TocListing & { paths: PathTable }> {
  const { listing, paths, read } = await list(b, options);
  const streamed = await streamListing(b.blob);
  expect(snapshot(listing.contents, paths)).toEqual(snapshot(streamed.contents, streamed.paths));
  const files = await fileContents(b.blob);
  const c = listing.contents;
  let streamedIsSha256 = true;
  for (let i = 0; i < c.count; i++) {
    if (c.type[i] !== EntryType.File) continue;
    const key = paths.path(c.node[i]!).slice(1);
    const bytes = files.get(key);
    expect(bytes, key).toBeDefined();
    const want = sha256hex(bytes!).slice(0, 32);
    expect(contentKey(c, i), key).toBe(want);
    if (contentKey(streamed.contents, i) !== want) streamedIsSha256 = false;
    const chunks = fileChunks(listing.toc, key);
    expect(chunks, key).not.toBeNull();
    const got = await readAll(readFileFromChunks(chunks!, read));
    expect(got.equals(bytes!), `cat ${key}`).toBe(true);
  }
  if (streamedIsSha256) {
    expect([...streamed.contents.hash]).toEqual([...c.hash]);
  }
  return { ...listing, paths };
}

function names(l: TocListing, paths: PathTable): string[] {
  return [...l.contents.node].map((n) => paths.path(n));
}

const POSITION = "io.containers.zstd-chunked.manifest-position";
const BIG = noise(300_000, 7);
const ZEROS = Buffer.concat([noise(3000, 9), Buffer.alloc(200_000), noise(3000, 11)]);

/** A layer with every kind of entry the TOC must carry over; names as a real tar writes them. */
const RICH: RawTarEntry[] = [
  { name: "./", typeflag: "5" },
  { name: "./etc/", typeflag: "5" },
  { name: "./etc/hosts", typeflag: "0", data: Buffer.from("127.0.0.1 localhost\n"), uid: 1000, gid: 1000 },
  { name: "./etc/hosts.hard", typeflag: "1", linkName: "./etc/hosts" },
  { name: "./etc/link", typeflag: "2", linkName: "hosts" },
  { name: "./etc/abs", typeflag: "2", linkName: "/etc/hosts" },
  { name: "./bin/", typeflag: "5" },
  { name: "./bin/su", typeflag: "0", data: noise(5000, 3), mode: 0o4755 },
  { name: "./big.bin", typeflag: "0", data: BIG, mtime: 1_600_000_000 },
  { name: "./zeros.bin", typeflag: "0", data: ZEROS },
  { name: "./empty", typeflag: "0", data: Buffer.alloc(0) },
  { name: "./var/", typeflag: "5" },
  { name: "./var/.wh.gone", typeflag: "0" },
  { name: "./opt/", typeflag: "5", mode: 0o700 },
  { name: "./opt/.wh..wh..opq", typeflag: "0" },
  { name: "./opt/new", typeflag: "0", data: Buffer.from("new\n") },
  { name: "./run/", typeflag: "5" },
  { name: "./run/fifo", typeflag: "6" },
  { name: "./dev/", typeflag: "5" },
  { name: "./dev/null", typeflag: "3", mode: 0o666 },
  { name: `./deep/${"d".repeat(90)}/${"f".repeat(60)}`, typeflag: "0", data: Buffer.from("deep\n") },
  { name: "./etc/motd", typeflag: "0", data: Buffer.from("first\n") },
  { name: "./etc/motd", typeflag: "0", data: Buffer.from("second, the last one wins\n") },
  { name: "./tail-dir/", typeflag: "5" },
  { name: "./tail-link", typeflag: "2", linkName: "big.bin" },
];

describe("sha256HexBytes", () => {
  it("reads the 32 bytes, with or without the sha256: prefix", () => {
    const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    expect(Buffer.from(sha256HexBytes(empty)).toString("hex")).toBe(empty);
    expect(Buffer.from(sha256HexBytes(`sha256:${empty.toUpperCase()}`)).toString("hex")).toBe(empty);
    expect(() => sha256HexBytes("abc")).toThrow(TocError);
  });
});

describe("tocFormatOf", () => {
  const gz = "application/vnd.oci.image.layer.v1.tar+gzip";
  const zs = "application/vnd.oci.image.layer.v1.tar+zstd";
  const stargz = { "containerd.io/snapshot/stargz/toc.digest": "sha256:x" };
  it.each([
    [gz, stargz, "estargz"],
    ["application/vnd.docker.image.rootfs.diff.tar.gzip", stargz, "estargz"],
    [null, stargz, "estargz"],
    [zs, { "io.containers.zstd-chunked.manifest-position": "1:2:3:1" }, "zstd:chunked"],
    [zs, { "io.github.containers.zstd-chunked.manifest-checksum": "sha256:x" }, "zstd:chunked"],
    [zs, stargz, "zstd:chunked"],
    [gz, {}, null],
    [zs, {}, null],
    ["application/vnd.oci.image.layer.v1.tar", stargz, null],
    [gz, { "io.containers.zstd-chunked.manifest-position": "1:2:3:1" }, null],
  ])("%s %j → %s", (mediaType, annotations, want) => {
    expect(tocFormatOf({ mediaType, size: 1, annotations })).toBe(want);
  });
});

describeReal("the shared eStargz fixture (TOC past the end-of-archive blocks)", () => {
  let layer: LayoutLayer;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lv-toc-esgz-"));
    layer = ociLayers(unpackOciArchive(realFixture("test-oci-estargz-image.tar"), dir))[0]!;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists like the streamed tar, without the hidden TOC entry, and cats README.md", async () => {
    const b = { blob: readFileSync(layer.path), mediaType: layer.mediaType, annotations: layer.annotations };
    const listing = await expectSameAsStreamed(b);
    expect(listing.format).toBe("estargz");
    expect(listing.contents.count).toBe(1);
    expect(listing.bytesFetched).toBe(b.blob.length); // a 4 KB blob lies within the first tail read
  });
});

describe("eStargz blobs written here", () => {
  it("a converted layer (no end-of-archive blocks): the TOC entry is listed, as a tar reader shows it", async () => {
    const b = buildEstargz(RICH, { chunkSize: 64 * 1024 });
    const listing = await expectSameAsStreamed(b);
    expect(names(listing, listing.paths)).toContain("/stargz.index.json");
    const own = await readAll(
      readFileFromChunks(fileChunks(listing.toc, "stargz.index.json")!, rangeReaderOf(b.blob).read),
    );
    expect(own.equals(b.json)).toBe(true);
    expect(listing.toc.tables.chunkStart.length).toBeGreaterThan(5); // big.bin and zeros.bin in 64 KiB chunks
  });

  it("a lossless layer (end-of-archive blocks kept): the TOC entry is not listed", async () => {
    const b = buildEstargz(RICH, { lossless: true, chunkSize: 64 * 1024 });
    const { listing, paths } = await list(b);
    expect(names(listing, paths)).not.toContain("/stargz.index.json");
    await expectSameAsStreamed(b);
  });

  it.each([
    ["converted", false],
    ["lossless", true],
  ])("%s, with chunks sharing gzip members (innerOffset)", async (_, lossless) => {
    const b = buildEstargz(RICH, { lossless, chunkSize: 40_000, minChunkSize: 100_000 });
    expect(b.json.toString()).toContain('"innerOffset"');
    await expectSameAsStreamed(b);
  });

  it.each([
    ["converted", false],
    ["lossless", true],
  ])("%s, with a legacy 47-byte stargz footer", async (_, lossless) => {
    const b = buildEstargz(RICH.slice(0, 12), { lossless, legacyFooter: true });
    expect(b.blob.subarray(-47).toString("latin1")).toContain("STARGZ");
    await expectSameAsStreamed(b);
  });

  it.each([
    ["converted", false],
    ["lossless", true],
  ])("%s, with only directories and links (no file data at all)", async (_, lossless) => {
    const entries = RICH.filter((e) => e.typeflag !== "0");
    await expectSameAsStreamed(buildEstargz(entries, { lossless }));
  });

  it.each([
    ["converted", false],
    ["lossless", true],
  ])(
    "%s, with a pax-headed entry after the last file (the size shortcut does not apply)",
    async (_, lossless) => {
      const entries = [...RICH, { name: `./tail/${"x".repeat(150)}`, typeflag: "5" }];
      await expectSameAsStreamed(buildEstargz(entries, { lossless }));
    },
  );

  it("a big converted layer is listed from its tail alone, in one range read", async () => {
    const entries: RawTarEntry[] = [...RICH];
    for (let i = 0; i < 40; i++)
      entries.push({ name: `./data/${i}.bin`, typeflag: "0", data: noise(100_000, i + 20) });
    const b = buildEstargz(entries);
    const { listing, ranges } = await list(b);
    expect(ranges).toEqual([[b.blob.length - 65536, b.blob.length - 1]]);
    expect(listing.bytesFetched / b.blob.length).toBeLessThan(0.05);
  });

  it("a lossless layer also reads the last file's gzip member, and no more", async () => {
    const entries: RawTarEntry[] = [...RICH];
    for (let i = 0; i < 40; i++)
      entries.push({ name: `./data/${i}.bin`, typeflag: "0", data: noise(100_000, i + 20) });
    const b = buildEstargz(entries, { lossless: true });
    const { listing, ranges } = await list(b);
    expect(ranges.length).toBe(2);
    expect(listing.bytesFetched / b.blob.length).toBeLessThan(0.05);
  });

  it("cat follows hard links and reads a file by raw or normalised name", async () => {
    const b = buildEstargz(RICH, { chunkSize: 64 * 1024 });
    const { listing, read } = await list(b);
    const viaLink = fileChunks(listing.toc, "./etc/hosts.hard")!;
    expect(viaLink.name).toBe("./etc/hosts");
    expect((await readAll(readFileFromChunks(viaLink, read))).toString()).toBe("127.0.0.1 localhost\n");
    expect(fileChunks(listing.toc, "/big.bin")!.chunks.length).toBe(5);
    expect(fileChunks(listing.toc, "etc/motd")!.size).toBe(26);
    expect(fileChunks(listing.toc, "./etc")).toBeNull();
    expect(fileChunks(listing.toc, "./nothing")).toBeNull();
  });
});

describe("zstd:chunked blobs written here", () => {
  it.each([
    ["skopeo 1.9's keys, 40-byte footer", { keys: "old", footer: 40 }],
    ["current keys, 64-byte footer", { keys: "new", footer: 64 }],
  ] as const)("%s: lists like the streamed tar, multi-chunk files cat back", async (_, o) => {
    const b = buildZstdChunked(RICH, { ...o, chunkSize: 50_000 });
    expect(b.json.toString()).toContain('"type":"chunk"');
    const listing = await expectSameAsStreamed(b);
    expect(listing.format).toBe("zstd:chunked");
    expect(names(listing, listing.paths)).not.toContain("/stargz.index.json");
    expect(names(listing, listing.paths)).toContain("/big.bin");
  });

  it("cat fetches a multi-chunk file's adjacent chunks in one range read", async () => {
    const b = buildZstdChunked(RICH, { chunkSize: 50_000 });
    const { listing } = await list(b);
    const chunks = fileChunks(listing.toc, "big.bin")!;
    expect(chunks.chunks.length).toBe(6);
    const r = rangeReaderOf(b.blob);
    expect((await readAll(readFileFromChunks(chunks, r.read))).equals(BIG)).toBe(true);
    expect(r.ranges).toEqual([[chunks.chunks[0]!.start, chunks.chunks[5]!.endInclusive]]);
  });

  it("reads exactly the manifest range when the annotation gives it", async () => {
    const b = buildZstdChunked(RICH);
    const { ranges } = await list(b);
    const [offset, length] =
      b.annotations["io.containers.zstd-chunked.manifest-position"]!.split(":").map(Number);
    expect(ranges).toEqual([[offset, offset! + length! - 1]]);
  });

  it.each([40, 56, 64] as const)(
    "without annotations, finds the TOC by its %d-byte footer (unverified)",
    async (footer) => {
      const b = buildZstdChunked(RICH, { keys: "none", footer });
      expect(tocFormatOf(infoOf(b))).toBeNull();
      expect((await tocError(list(b))).message).toMatch(/announces no table of contents/);
      await expectSameAsStreamed(b, { unverified: true });
    },
  );

  it("keeps a pax mtime's fraction as the TOC's RFC 3339 nanoseconds give it", async () => {
    const entries: RawTarEntry[] = [
      { name: "frac", typeflag: "0", data: Buffer.from("x"), pax: { mtime: "1700000000.123456789" } },
    ];
    const b = buildZstdChunked(entries, {
      mutateToc: (t) => {
        t.entries[0]!.modtime = "2023-11-14T22:13:20.123456789Z";
      },
    });
    const listing = await expectSameAsStreamed(b);
    expect(listing.contents.mtime[0]).toBe(Number("1700000000.123456789"));
  });
});

describe("hostile or broken TOCs", () => {
  const SMALL = RICH.slice(0, 10);
  const estargzWith = (mutate: (t: TocJson) => void) => buildEstargz(SMALL, { mutateToc: mutate });
  const set = (i: number, key: string, value: unknown) => (t: TocJson) => {
    t.entries[i]![key] = value;
  };
  const drop = (i: number, key: string) => (t: TocJson) => {
    delete t.entries[i]![key];
  };
  const raw = (s: string) => buildEstargz(SMALL, { rawJson: Buffer.from(s) });

  it.each<[string, () => Blob, RegExp]>([
    ["no annotation", () => ({ ...buildEstargz(SMALL), annotations: {} }), /announces no table of contents/],
    [
      "no footer",
      () => ({ ...buildEstargz(SMALL), blob: Buffer.concat([buildEstargz(SMALL).blob, noise(60)]) }),
      /does not end in an eStargz footer/,
    ],
    ["a TOC offset past the blob", () => buildEstargz(SMALL, { footerOffset: 10_000_000 }), /past the blob/],
    [
      "a TOC offset into file data",
      () => buildEstargz(SMALL, { footerOffset: 700 }),
      /gzip data is corrupt|does not start with a tar header/,
    ],
    [
      "another tar entry instead of the TOC",
      () => buildEstargz(SMALL, { tocName: "other.json" }),
      /not stargz\.index\.json/,
    ],
    [
      "a TOC that fails its digest",
      () => buildEstargz(SMALL, { digest: `sha256:${"0".repeat(64)}` }),
      /digest is sha256:/,
    ],
    ["a huge TOC length", () => buildEstargz(SMALL, { tocHeaderSize: 2 ** 33 }), /over 268435456/],
    ["not JSON", () => raw("{nope"), /not JSON/],
    ["a JSON array", () => raw("[]"), /not a JSON object/],
    ["version 2", () => raw('{"version":2,"entries":[]}'), /version 2, not 1/],
    ["no entries", () => raw('{"version":1}'), /no 'entries' list/],
    ["an entry that is a number", () => raw('{"version":1,"entries":[1]}'), /entry 0 is not an object/],
    ["an entry without a name", () => raw('{"version":1,"entries":[{"type":"dir"}]}'), /entry 0 has no name/],
    ["an unknown type", () => estargzWith(set(1, "type", "socket")), /unknown type "socket"/],
    ["a size that is a string", () => estargzWith(set(2, "size", "20")), /bad size "20"/],
    ["a negative uid", () => estargzWith(set(2, "uid", -1)), /bad uid -1/],
    ["a bad modtime", () => estargzWith(set(2, "modtime", "yesterday")), /bad modtime/],
    ["a file without digest", () => estargzWith(drop(2, "digest")), /no content digest/],
    ["a digest that is not sha256", () => estargzWith(set(2, "digest", "md5:abc")), /not sha256/],
    [
      "a chunk before any file",
      () =>
        estargzWith((t) => {
          t.entries.unshift({ name: "x", type: "chunk", offset: 5 });
        }),
      /does not follow its file/,
    ],
    [
      "a file offset past the data",
      () => estargzWith(set(2, "offset", 50_000_000)),
      /outside the blob's data/,
    ],
    ["chunks that overrun the file", () => estargzWith(set(2, "chunkSize", 99)), /do not add up/],
  ])("%s → TocError", async (_, make, message) => {
    const e = await tocError(list(make()));
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain("\n");
  });

  it("a TOC larger than the set limit is refused before it is decompressed", async () => {
    const e = await tocError(list(buildEstargz(RICH), { maxTocBytes: 1000 }));
    expect(e.message).toMatch(/over 1000/);
    expect(e.bytesFetched).toBeGreaterThan(0);
  });

  it("10 million entries → TocError, without parsing them", async () => {
    const json = Buffer.from(`{"version":1,"entries":[${"{},".repeat(9_999_999)}{}]}`);
    const b = buildZstdChunked([], { rawJson: json });
    const started = Date.now();
    expect((await tocError(list(b))).message).toMatch(/more than 2000000 entries/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("names climbing out of the root are reported by the builder, as when streaming", async () => {
    const b = buildEstargz([...SMALL, { name: "../../etc/passwd", typeflag: "0", data: Buffer.from("x") }]);
    const listing = await expectSameAsStreamed(b);
    expect(listing.contents.problems.map((p) => p.entry)).toContain("../../etc/passwd");
  });

  it.each<[string, () => Blob, RegExp]>([
    [
      "a checksum mismatch",
      () => buildZstdChunked(SMALL, { checksum: `sha256:${"1".repeat(64)}` }),
      /checksum is sha256:/,
    ],
    ["a malformed position", () => buildZstdChunked(SMALL, { position: "12:abc" }), /malformed/],
    [
      "a position past the blob",
      () => buildZstdChunked(SMALL, { position: "90000000:50:10:1" }),
      /does not fit/,
    ],
    ["manifest type 2", () => buildZstdChunked(SMALL, { position: "100:50:10:2" }), /manifest type 2/],
    [
      "a manifest that is not zstd",
      () => buildZstdChunked(SMALL, { rawManifest: noise(300) }),
      /zstd data is corrupt/,
    ],
    [
      "a zstd bomb where the position promises 100 bytes",
      () => {
        const bomb = compress(Buffer.alloc(64 * 1024 * 1024));
        const b = buildZstdChunked(SMALL, { rawManifest: bomb });
        return { ...b, annotations: { ...b.annotations, [POSITION]: `${b.tocOffset}:${bomb.length}:100:1` } };
      },
      /decompresses to 101 bytes, not the 100/,
    ],
    [
      "an uncompressed length that lies",
      () => {
        const b = buildZstdChunked(SMALL);
        const [o, l, u] = b.annotations[POSITION]!.split(":").map(Number);
        return { ...b, annotations: { ...b.annotations, [POSITION]: `${o}:${l}:${u! - 1}:1` } };
      },
      /decompresses to \d+ bytes, not the/,
    ],
    [
      "no checksum annotation",
      () => {
        const b = buildZstdChunked(SMALL);
        return { ...b, annotations: { [POSITION]: b.annotations[POSITION]! } };
      },
      /no manifest-checksum annotation/,
    ],
  ])("zstd:chunked with %s → TocError", async (_, make, message) => {
    expect((await tocError(list(make()))).message).toMatch(message);
  });

  it("footer-only zstd:chunked without a footer → TocError", async () => {
    const b = { ...buildZstdChunked(SMALL, { keys: "none" }), blob: noise(5000) };
    expect((await tocError(list(b, { unverified: true }))).message).toMatch(
      /does not end in a zstd:chunked footer/,
    );
  });

  it("a reader that returns fewer bytes than asked → TocError", async () => {
    const b = buildEstargz(SMALL);
    const short: RangeReader = async (s, e) => b.blob.subarray(s, e);
    expect((await tocError(list(b, {}, short))).message).toMatch(/the blob read gave/);
  });

  it("an aborted signal and a failing reader pass through as they are", async () => {
    const b = buildEstargz(SMALL);
    const ac = new AbortController();
    ac.abort(new Error("cancelled by the user"));
    await expect(
      listLayerFromToc(infoOf(b), rangeReaderOf(b.blob).read, new PathTable(), ac.signal),
    ).rejects.toThrow("cancelled by the user");
    const failing: RangeReader = async () => {
      throw new Error("connection reset");
    };
    await expect(listLayerFromToc(infoOf(b), failing, new PathTable())).rejects.toThrow("connection reset");
  });

  it("cat: a chunk whose bytes fail its chunkDigest → TocError", async () => {
    const b = buildZstdChunked(RICH, {
      chunkSize: 50_000,
      mutateToc: (t) => {
        const c = t.entries.find((e) => e.type === "chunk")!;
        c.chunkDigest = `sha256:${hex256("not it")}`;
      },
    });
    const { listing, read } = await list(b);
    const e = await tocError(readAll(readFileFromChunks(fileChunks(listing.toc, "big.bin")!, read)));
    expect(e.message).toMatch(/fails its digest/);
  });

  it("cat: a file whose bytes fail its digest → TocError", async () => {
    const b = estargzWith(set(2, "digest", `sha256:${hex256("other")}`));
    const { listing, read } = await list(b);
    const e = await tocError(readAll(readFileFromChunks(fileChunks(listing.toc, "etc/hosts")!, read)));
    expect(e.message).toMatch(/fails its digest|does not match its TOC digest/);
  });
});

/** dive's test image and a layer with every entry kind, as docker archives for the real tools. */
function toolInputs(): { dive: string; rich: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "lv-toc-in-"));
  const rich = join(dir, "rich.tar");
  writeFileSync(
    rich,
    buildDockerArchive({ tags: ["localhost/toc-rich:src"], layers: [RICH.map((raw) => ({ raw }))] }),
  );
  return { dive: realFixture("test-docker-image.tar"), rich, dir };
}

function blobOf(l: LayoutLayer): Blob {
  return { blob: readFileSync(l.path), mediaType: l.mediaType, annotations: l.annotations };
}

describeWithTools("zstd:chunked made by skopeo", ["skopeo"], () => {
  let inputs: ReturnType<typeof toolInputs>;
  beforeAll(() => {
    inputs = toolInputs();
  });
  afterAll(() => rmSync(inputs.dir, { recursive: true, force: true }));

  itReal("every layer of dive's test image lists like it streams", async () => {
    const layers = ociLayers(await skopeoZstdChunked(inputs.dive));
    expect(layers.length).toBeGreaterThan(5);
    for (const l of layers) {
      expect(l.annotations["io.containers.zstd-chunked.manifest-checksum"]).toMatch(/^sha256:/);
      await expectSameAsStreamed(blobOf(l));
    }
  });

  it("a layer with whiteouts, hard links, symlinks, an opaque dir and big multi-chunk files", async () => {
    const [l] = ociLayers(await skopeoZstdChunked(inputs.rich));
    const listing = await expectSameAsStreamed(blobOf(l!));
    expect(listing.contents.whiteouts.length).toBe(1);
    expect(listing.contents.opaqueDirs.length).toBe(1);
    expect(fileChunks(listing.toc, "big.bin")!.chunks.length).toBeGreaterThan(1);
  });
});

describeWithTools("eStargz made by ctr-remote", ["ctr-remote", "containerd"], () => {
  let inputs: ReturnType<typeof toolInputs>;
  let ctrd: Promise<Containerd> | null = null;
  // containerd starts only when a conversion is not cached yet.
  const containerd = () => {
    ctrd ??= startContainerd();
    return ctrd;
  };
  beforeAll(() => {
    inputs = toolInputs();
    mkdirSync(inputs.dir, { recursive: true });
  });
  afterAll(async () => {
    if (ctrd) await (await ctrd).stop();
    rmSync(inputs.dir, { recursive: true, force: true });
  });

  itReal(
    "every layer of dive's test image lists like it streams, TOC entry and landmark included",
    async () => {
      const layers = ociLayers(await ctrRemoteConvert(containerd, inputs.dive, ["--estargz"]));
      expect(layers.length).toBeGreaterThan(5);
      for (const l of layers) {
        const listing = await expectSameAsStreamed(blobOf(l));
        expect(listing.format).toBe("estargz");
        expect(names(listing, listing.paths)).toEqual(
          expect.arrayContaining(["/stargz.index.json", "/.no.prefetch.landmark"]),
        );
      }
    },
  );

  it("a layer with every entry kind, in 64 KiB chunks", async () => {
    const dir = await ctrRemoteConvert(containerd, inputs.rich, [
      "--estargz",
      "--estargz-chunk-size",
      "65536",
    ]);
    const [l] = ociLayers(dir);
    const listing = await expectSameAsStreamed(blobOf(l!));
    expect(fileChunks(listing.toc, "./big.bin")!.chunks.length).toBe(5);
  });

  it("its zstd:chunked variant (an eStargz TOC in a skippable frame)", async () => {
    // dive's image is one of ../shared/fixtures/real: used when it is there.
    for (const input of useRealFixtures ? [inputs.dive, inputs.rich] : [inputs.rich]) {
      const layers = ociLayers(
        await ctrRemoteConvert(containerd, input, ["--zstdchunked", "--estargz-chunk-size", "65536"]),
      );
      for (const l of layers) {
        const listing = await expectSameAsStreamed(blobOf(l));
        expect(listing.format).toBe("zstd:chunked");
      }
    }
  });
});
