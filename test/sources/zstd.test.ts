import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { createZstdDecompress, type ZstdBackend, zstdBackend } from "../../src/sources/zstd.js";
import { zstdCompress } from "../fixtures/zstd.js";

async function decompress(input: Buffer, force: ZstdBackend, chunk = 7777): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) pieces.push(input.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of Readable.from(pieces).pipe(createZstdDecompress({ force }))) out.push(c as Buffer);
  return Buffer.concat(out);
}

const skippable = (payload: Buffer) => {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x184d2a50, 0);
  h.writeUInt32LE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

const hasNative = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === "function";
const whole = zstdBackend() === "node:zlib";
const backends = [
  { name: "fzstd", force: "fzstd" as const, run: true },
  {
    name: hasNative ? "node:zlib per frame" : "node:zlib per frame (skipped: this Node's zlib has no zstd)",
    force: "node:zlib per frame" as const,
    run: hasNative,
  },
  {
    name: whole
      ? "node:zlib"
      : "node:zlib (skipped: this Node stops after a stream's first frame, or has no zstd)",
    force: "node:zlib" as const,
    run: whole,
  },
];

describe.each(backends)("zstd through $name", ({ force, run }) => {
  it.runIf(run)("reads every frame, skippable frames included, in any chunking", async () => {
    const a = randomBytes(300_000);
    const b = Buffer.from("text ".repeat(100_000));
    const stream = Buffer.concat([zstdCompress(a), skippable(Buffer.from("a TOC")), zstdCompress(b)]);
    for (const chunk of [7, 7777, stream.length]) {
      const got = await decompress(stream, force, chunk);
      expect(createHash("sha256").update(got).digest("hex")).toBe(
        createHash("sha256")
          .update(Buffer.concat([a, b]))
          .digest("hex"),
      );
    }
  });

  it.runIf(run)("refuses a truncated stream and corrupt data", async () => {
    const frame = zstdCompress(randomBytes(200_000));
    await expect(decompress(frame.subarray(0, frame.length - 100), force)).rejects.toThrow(
      /unexpected end|truncated/i,
    );
    // Compressed blocks (fzstd does not check the frame checksum, so raw blocks would pass).
    const text = zstdCompress(Buffer.from("corrupt me ".repeat(50_000)));
    const bad = Buffer.from(text);
    bad.fill(0xff, 20, 60);
    await expect(decompress(bad, force)).rejects.toThrow();
  });
});

it("uses node:zlib whole where it reads a multi-frame stream, frame by frame where it has zstd, else fzstd", () => {
  const major = Number(process.versions.node.split(".")[0]);
  expect(zstdBackend()).toBe(major >= 26 ? "node:zlib" : hasNative ? "node:zlib per frame" : "fzstd");
});

it.runIf(hasNative)(
  "splits frames whose headers arrive a byte at a time (frame and block headers of every size)",
  async () => {
    const parts = [
      zstdCompress(Buffer.alloc(0)),
      zstdCompress(Buffer.from("x")),
      zstdCompress(Buffer.alloc(70_000, 7)), // RLE blocks
      zstdCompress(randomBytes(140_000)), // raw blocks, two
      skippable(Buffer.alloc(0)),
      zstdCompress(Buffer.from("tail ".repeat(1000))),
    ];
    const expected = Buffer.concat([Buffer.from("x"), Buffer.alloc(70_000, 7)]);
    const got = await decompress(Buffer.concat(parts), "node:zlib per frame", 1);
    expect(got.subarray(0, expected.length).equals(expected)).toBe(true);
    expect(got.length).toBe(1 + 70_000 + 140_000 + 5000);
  },
);
