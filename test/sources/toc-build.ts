/**
 * Small writers of eStargz and zstd:chunked blobs for tests, laid out the way stargz-snapshotter
 * and containers/storage lay them out (one gzip member / zstd frame per file chunk, headers and
 * padding in the members between, TOC at the end), with knobs for broken and hostile variants.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { type RawTarEntry, writeTar } from "../fixtures/tar-writer.js";
import { zstdCompress as compress } from "../fixtures/zstd.js";

export const hex256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const BLOCK = 512;
const pad = (n: number) => Buffer.alloc(n % BLOCK === 0 ? 0 : BLOCK - (n % BLOCK));

const TYPE_NAMES: Record<string, string> = {
  "0": "reg",
  "\0": "reg",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

export type TocJson = { version: unknown; entries: Array<Record<string, unknown>> } & Record<string, unknown>;

export interface BuiltBlob {
  blob: Buffer;
  annotations: Record<string, string>;
  mediaType: string;
  /** The TOC JSON as stored. */
  json: Buffer;
  /** Blob offset of the TOC gzip member / the manifest's zstd frame. */
  tocOffset: number;
}

/** One entry's tar bytes split into what precedes its data (pax/long-name records, header) and the data. */
function tarParts(e: RawTarEntry): { head: Buffer; data: Buffer } {
  const all = writeTar([e], { noEndBlocks: true });
  const data = e.data ?? Buffer.alloc(0);
  const head = all.subarray(0, all.length - data.length - pad(data.length).length);
  return { head, data };
}

function baseEntry(e: RawTarEntry, modtime: (s: number) => string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, type: TYPE_NAMES[e.typeflag] ?? e.typeflag };
  const mode = e.mode ?? (e.typeflag === "5" ? 0o755 : 0o644);
  const mt = modtime(e.mtime ?? 1_700_000_000);
  if (mt !== undefined) out.modtime = mt;
  if (e.linkName) out.linkName = e.linkName;
  if (mode) out.mode = mode;
  if (e.uid) out.uid = e.uid;
  if (e.gid) out.gid = e.gid;
  return out;
}

export interface EstargzOptions {
  /** Keep the tar's end-of-archive blocks before the TOC (BuildKit's lossless mode). */
  lossless?: boolean;
  /** File bytes per chunk (estargz default 4 MiB). */
  chunkSize?: number;
  /** Put chunks into the open gzip member (innerOffset) until it holds this many bytes. */
  minChunkSize?: number;
  legacyFooter?: boolean;
  mutateToc?: (toc: TocJson) => void;
  /** Stored instead of the generated JSON (the annotation follows it unless `digest` is given). */
  rawJson?: Buffer;
  digest?: string;
  /** Name of the TOC's tar entry. */
  tocName?: string;
  /** Footer TOC offset instead of the real one. */
  footerOffset?: number;
  /** Size written in the TOC's tar header instead of the JSON's. */
  tocHeaderSize?: number;
}

export function buildEstargz(entries: RawTarEntry[], o: EstargzOptions = {}): BuiltBlob {
  const chunkSize = o.chunkSize ?? 4 * 1024 * 1024;
  const parts: Buffer[] = [];
  let offset = 0;
  let member: Buffer[] = [];
  let memberLen = 0;
  let memberStart = -1;
  const write = (b: Buffer) => {
    if (memberStart < 0) memberStart = offset;
    member.push(b);
    memberLen += b.length;
  };
  const close = () => {
    if (memberStart < 0) return;
    const z = gzipSync(Buffer.concat(member), { level: 1 });
    parts.push(z);
    offset += z.length;
    member = [];
    memberLen = 0;
    memberStart = -1;
  };
  const toc: TocJson = { version: 1, entries: [] };
  const modtime = (s: number) =>
    s === 0 ? undefined : new Date(s * 1000).toISOString().replace(".000Z", "Z");
  for (const e of entries) {
    const { head, data } = tarParts(e);
    write(head);
    let ent = baseEntry(e, modtime);
    if (ent.type === "reg") {
      ent.size = data.length || undefined;
      ent.digest = `sha256:${hex256(data)}`;
      if (data.length === 0) toc.entries.push(ent);
      for (let written = 0; written < data.length; ) {
        const n = Math.min(chunkSize, data.length - written);
        if (n === chunkSize) ent.chunkSize = n;
        if (o.minChunkSize !== undefined && memberStart >= 0 && memberLen < o.minChunkSize) {
          ent.offset = memberStart;
          ent.innerOffset = memberLen;
        } else {
          close();
          ent.offset = offset;
          write(Buffer.alloc(0));
        }
        if (written > 0) ent.chunkOffset = written;
        const chunk = data.subarray(written, written + n);
        ent.chunkDigest = `sha256:${hex256(chunk)}`;
        write(chunk);
        toc.entries.push(ent);
        written += n;
        ent = { name: e.name, type: "chunk" };
      }
      write(pad(data.length));
    } else {
      toc.entries.push(ent);
    }
  }
  if (o.lossless) write(Buffer.alloc(2 * BLOCK));
  close();
  o.mutateToc?.(toc);
  const json = o.rawJson ?? Buffer.from(JSON.stringify(toc, null, "\t"));
  const tocOffset = offset;
  const tocTar = writeTar([
    {
      name: o.tocName ?? "stargz.index.json",
      typeflag: "0",
      data: json,
      mode: 0,
      mtime: 0,
      ...(o.tocHeaderSize !== undefined ? { headerSize: o.tocHeaderSize } : {}),
    },
  ]);
  parts.push(gzipSync(tocTar, { level: 1 }));
  parts.push(estargzFooter(o.footerOffset ?? tocOffset, o.legacyFooter === true));
  const blob = Buffer.concat(parts);
  return {
    blob,
    json,
    tocOffset,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    annotations: {
      "containerd.io/snapshot/stargz/toc.digest": o.digest ?? `sha256:${hex256(json)}`,
      "io.containers.estargz.uncompressed-size": "0",
    },
  };
}

/** The empty gzip member whose extra field names the TOC offset. */
export function estargzFooter(tocOffset: number, legacy = false): Buffer {
  const text = Buffer.from(`${tocOffset.toString(16).padStart(16, "0")}STARGZ`, "latin1");
  const extra = legacy
    ? text
    : Buffer.concat([Buffer.from([0x53, 0x47, text.length & 0xff, text.length >> 8]), text]);
  const head = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, extra.length & 0xff, extra.length >> 8]);
  return Buffer.concat([head, extra, Buffer.from([1, 0, 0, 0xff, 0xff]), Buffer.alloc(8)]);
}

export interface ZstdChunkedOptions {
  /** File bytes per chunk; a file with more gets `chunk` entries. */
  chunkSize?: number;
  /** Which annotation keys: the current ones, skopeo 1.9's, or none (footer only). */
  keys?: "new" | "old" | "none";
  /** Footer data size: 40 (old), 56 (v1.47–1.49), 64 (current). */
  footer?: 40 | 56 | 64;
  mutateToc?: (toc: TocJson) => void;
  rawJson?: Buffer;
  /** Replace the compressed manifest bytes. */
  rawManifest?: Buffer;
  checksum?: string;
  position?: string;
}

export function buildZstdChunked(entries: RawTarEntry[], o: ZstdChunkedOptions = {}): BuiltBlob {
  const chunkSize = o.chunkSize ?? Number.MAX_SAFE_INTEGER;
  const parts: Buffer[] = [];
  let offset = 0;
  let frame: Buffer[] = [];
  const emit = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const close = () => {
    if (frame.length === 0) return;
    emit(compress(Buffer.concat(frame)));
    frame = [];
  };
  const toc: TocJson = { version: 1, entries: [] };
  const modtime = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");
  for (const e of entries) {
    const { head, data } = tarParts(e);
    frame.push(head);
    const main = baseEntry(e, modtime);
    const list = [main];
    if (main.type === "reg") {
      if (data.length > 0) {
        main.size = data.length;
        main.digest = `sha256:${hex256(data)}`;
        close();
        main.offset = offset;
        const chunks: Array<Record<string, unknown>> = [];
        for (let at = 0; at < data.length; at += chunkSize) {
          const piece = data.subarray(at, at + chunkSize);
          chunks.push({
            offset,
            chunkOffset: at,
            chunkSize: piece.length,
            chunkDigest: `sha256:${hex256(piece)}`,
          });
          emit(compress(piece));
        }
        main.endOffset = offset;
        if (chunks.length > 1) {
          Object.assign(main, { ...chunks[0], chunkOffset: undefined });
          for (const c of chunks.slice(1)) list.push({ type: "chunk", name: e.name, ...c });
        }
      }
    }
    frame.push(pad(data.length));
    toc.entries.push(...list);
  }
  frame.push(Buffer.alloc(2 * BLOCK));
  close();
  o.mutateToc?.(toc);
  const json = o.rawJson ?? Buffer.from(JSON.stringify(toc));
  const manifest = o.rawManifest ?? compress(json);
  const skippable = (data: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(0x184d2a50, 0);
    h.writeUInt32LE(data.length, 4);
    return Buffer.concat([h, data]);
  };
  const tocOffset = offset + 8;
  emit(skippable(manifest));
  const footerSize = o.footer ?? 40;
  const footer = Buffer.alloc(footerSize);
  const fields = [tocOffset, manifest.length, json.length, 1];
  if (footerSize === 64) {
    const split = compress(Buffer.from("{}"));
    const splitOffset = offset + 8;
    emit(skippable(split));
    fields.push(splitOffset, split.length, 2);
  }
  fields.forEach((v, i) => {
    footer.writeBigUInt64LE(BigInt(v), i * 8);
  });
  footer.write(footerSize === 64 ? "GNUlInUx" : "GnUlInUx", footerSize === 64 ? 56 : 32, "latin1");
  emit(skippable(footer));
  const keys = o.keys ?? "old";
  const prefix = keys === "new" ? "io.github.containers.zstd-chunked" : "io.containers.zstd-chunked";
  const annotations: Record<string, string> =
    keys === "none"
      ? {}
      : {
          [`${prefix}.manifest-checksum`]: o.checksum ?? `sha256:${hex256(manifest)}`,
          [`${prefix}.manifest-position`]: o.position ?? `${tocOffset}:${manifest.length}:${json.length}:1`,
        };
  return {
    blob: Buffer.concat(parts),
    json,
    tocOffset,
    mediaType: "application/vnd.oci.image.layer.v1.tar+zstd",
    annotations,
  };
}

/** A RangeReader over bytes that records every range asked for. */
export function rangeReaderOf(blob: Buffer): {
  read: (s: number, e: number) => Promise<Buffer>;
  ranges: Array<[number, number]>;
} {
  const ranges: Array<[number, number]> = [];
  return {
    ranges,
    read: async (s, e) => {
      ranges.push([s, e]);
      return blob.subarray(s, e + 1);
    },
  };
}

/** Deterministic bytes that do not compress (xorshift). */
export function noise(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
