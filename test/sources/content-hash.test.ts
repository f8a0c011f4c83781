import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import {
  BLAKE3_MIN_BYTES,
  contentAlgorithm,
  contentKey,
  HASH_WORDS,
  HashScheme,
  type LayerContents,
  LayerContentsBuilder,
  sameContent,
} from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { contentHashing, verifyingHasher } from "../../src/sources/content-hash.js";
import { FileRangeChunks } from "../../src/sources/file-range.js";
import { LayerBlobReader } from "../../src/sources/layer-blob.js";
import { decodeEntry, encodeEntry } from "../../src/sources/layer-index-cache.js";
import { LayerTarParser } from "../../src/sources/layer-tar.js";
import { makeLayerTar } from "../fixtures/images.js";

const dir = mkdtempSync(join(tmpdir(), "lv-hash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** BLAKE3 from Debian's b3sum (another implementation than the binding layerview uses). */
const haveB3sum = spawnSync("b3sum", ["--version"]).status === 0;
function b3sum(data: Buffer): Buffer {
  const f = join(dir, "data");
  writeFileSync(f, data);
  return Buffer.from(execFileSync("b3sum", ["--no-names", f], { encoding: "utf8" }).trim(), "hex");
}
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest();
const words = (d: Buffer) => [0, 4, 8, 12].map((at) => d.readUInt32BE(at));
const hashOf = (c: LayerContents, e: number) =>
  Array.from(c.hash.subarray(e * HASH_WORDS, (e + 1) * HASH_WORDS));

async function readLayer(tar: Buffer, chunk: number, scheme?: (typeof HashScheme)[keyof typeof HashScheme]) {
  const paths = new PathTable();
  const reader = new LayerBlobReader(paths, scheme === undefined ? {} : { hashScheme: scheme });
  for (let pos = 0; pos < tar.length; pos += chunk) reader.write(tar.subarray(pos, pos + chunk));
  const r = await reader.end();
  const c = r.contents!;
  const entry = (name: string) => Array.from(c.node).indexOf(paths.lookup([name]));
  return { c, entry };
}

const sizes = [0, 100, BLAKE3_MIN_BYTES - 1, BLAKE3_MIN_BYTES, 70_000, 3_000_000];
const files = Object.fromEntries(sizes.map((n) => [`f${n}`, randomBytes(n)]));
const tar = makeLayerTar(files);

describe("content hashes: SHA-256 for small files, BLAKE3 from 8 KiB (HashScheme.Blake3Large)", () => {
  it("the binding is BLAKE3 (the empty input's published digest)", () => {
    const h = verifyingHasher("blake3")!;
    h.update(Buffer.alloc(0));
    expect(Buffer.from(h.digest() as Uint8Array).toString("hex")).toBe(
      "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    );
    expect(contentHashing().scheme).toBe(HashScheme.Blake3Large);
  });

  // b3sum is installed by .ci/run: there the test runs (and fails without it).
  it.skipIf(!haveB3sum && process.env.CI !== "true").each([[512], [7 * 1024 + 3], [1 << 20]])(
    "each file's 128 bits are its SHA-256 or BLAKE3 by size, whatever the chunking (%i)",
    async (chunk) => {
      const { c, entry } = await readLayer(tar, chunk);
      expect(c.hashScheme).toBe(HashScheme.Blake3Large);
      for (const n of sizes) {
        const e = entry(`f${n}`);
        const data = files[`f${n}`]!;
        const big = n >= BLAKE3_MIN_BYTES;
        expect(contentAlgorithm(c, e), `f${n}`).toBe(big ? "blake3" : "sha256");
        expect(hashOf(c, e), `f${n}`).toEqual(words(big ? b3sum(data) : sha256(data)));
      }
    },
  );

  it("a layer read with SHA-256 only (as TOC-listed layers are) hashes every file with it", async () => {
    const { c, entry } = await readLayer(tar, 4096, HashScheme.Sha256);
    expect(c.hashScheme).toBeUndefined();
    for (const n of sizes) expect(hashOf(c, entry(`f${n}`))).toEqual(words(sha256(files[`f${n}`]!)));
  });

  it("compares files across schemes only where both used the same function", async () => {
    const mixed = (await readLayer(tar, 4096)).c;
    const plain = (await readLayer(tar, 4096, HashScheme.Sha256)).c;
    const { entry } = await readLayer(tar, 4096);
    const small = entry("f100");
    const big = entry("f70000");
    expect(sameContent(mixed, small, plain, small)).toBe(true);
    // Same bytes, but a BLAKE3 and a SHA-256 hash: layerview cannot tell, so it does not claim it.
    expect(sameContent(mixed, big, plain, big)).toBe(false);
    expect(sameContent(mixed, big, mixed, big)).toBe(true);
    expect(contentKey(mixed, big)).toMatch(/^b[0-9a-f]{32}$/);
    expect(contentKey(plain, big)).toMatch(/^[0-9a-f]{32}$/);
    expect(contentKey(mixed, small)).toBe(contentKey(plain, small));
  });

  it("the layer index cache keeps the scheme", async () => {
    const paths = new PathTable();
    const reader = new LayerBlobReader(paths);
    reader.write(tar);
    const r = await reader.end();
    const layer = { ...r, contents: r.contents!, compression: r.compression!, listedBy: "stream" };
    const digest = randomBytes(32);
    const back = decodeEntry(encodeEntry(layer, digest, paths)!, digest, new PathTable())!;
    expect(back.contents.hashScheme).toBe(HashScheme.Blake3Large);
    expect(Array.from(back.contents.hash)).toEqual(Array.from(r.contents!.hash));
    const plain = new LayerContentsBuilder(paths, 16);
    new LayerTarParser(plain).write(tar);
    const sha = { ...layer, contents: plain.finish() };
    expect(decodeEntry(encodeEntry(sha, digest, paths)!, digest, new PathTable())!.contents.hashScheme).toBe(
      undefined,
    );
  });
});

describe("reading a file range in reused chunks", () => {
  it("yields exactly the range's bytes, reusing the buffers handed back", async () => {
    const data = randomBytes(3 * (1 << 20) + 12345);
    const f = join(dir, "range");
    writeFileSync(f, data);
    for (const [start, length] of [
      [0, data.length],
      [777, 2 * (1 << 20) + 5],
      [100, 0],
      [data.length - 10, 10],
    ] as const) {
      const src = new FileRangeChunks(f, start, length);
      const got: Buffer[] = [];
      const buffers = new Set<ArrayBufferLike>();
      for await (const chunk of src) {
        got.push(Buffer.from(chunk));
        buffers.add(chunk.buffer);
        src.recycle(chunk);
      }
      expect(Buffer.concat(got).equals(data.subarray(start, start + length))).toBe(true);
      // Two reads ahead plus the one in hand: never more buffers than that, however long the range.
      expect(buffers.size).toBeLessThanOrEqual(3);
    }
  });

  it("a file that shrank while being read is one clear error naming it", async () => {
    const f = join(dir, "shrinks");
    writeFileSync(f, randomBytes(4 << 20));
    const src = new FileRangeChunks(f, 0, 4 << 20, "image.tar");
    const err = await (async () => {
      let first = true;
      for await (const chunk of src) {
        if (first) truncateSync(f, 1 << 20);
        first = false;
        src.recycle(chunk);
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe("image.tar changed while being read (it is shorter now)");
  });
});
