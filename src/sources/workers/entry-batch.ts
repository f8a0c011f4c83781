/**
 * Tar entries as a worker thread's parser saw them, a few thousand at a time, in typed arrays that
 * are transferred to the main thread (not copied, no object per entry). The main thread adds them
 * to its LayerContentsBuilder in order: the worker reads, decompresses, checks and hashes; the main
 * thread only interns paths. Entries come out exactly as the parser handed them in.
 */
import {
  blankHeader,
  type ContentDigest,
  type EntryType,
  type TarEntryHeader,
} from "../../model/layer-contents.js";
import type { EntryCollector } from "../layer-blob.js";

/** Entries per batch: large enough that a message costs little per entry, small enough to start soon. */
export const BATCH_ENTRIES = 4096;
/** Int32 fields per entry: name bytes, link bytes (-1: none), type, mode, uid, gid, has digest. */
const INTS = 7;
/** Float64 fields per entry: size, mtime, data offset. */
const NUMS = 3;
const DIGEST_BYTES = 16;

/** One batch as posted: every buffer is its own, so all of them can be transferred. */
export interface EntryBatch {
  count: number;
  ints: Int32Array;
  nums: Float64Array;
  /** First DIGEST_BYTES bytes of each entry's digest (zeros when it has none). */
  digests: Uint8Array;
  /** Names and link names, UTF-8, back to back, in entry order. */
  text: Uint8Array;
  textBytes: number;
}

export function batchTransfers(b: EntryBatch): ArrayBuffer[] {
  return [b.ints.buffer, b.nums.buffer, b.digests.buffer, b.text.buffer] as ArrayBuffer[];
}

/**
 * Collects the parser's entries into batches: `post` is called with each full one, and by `flush`;
 * `next` gives the batch to fill next (one handed back by the main thread, or `newBatch()`).
 */
export class EntryBatchWriter implements EntryCollector {
  private batch: EntryBatch;
  /** `batch.text` as a Buffer, to write strings into. */
  private textView: Buffer;
  private entries = 0;

  constructor(
    private readonly post: (batch: EntryBatch) => void,
    private readonly next: () => EntryBatch = newBatch,
  ) {
    this.batch = next();
    this.textView = asBuffer(this.batch.text);
  }

  get entriesRead(): number {
    return this.entries;
  }

  add(h: TarEntryHeader, digest: ContentDigest | null, dataOffset: number): void {
    this.entries++;
    const b = this.batch;
    const i = b.count;
    const name = h.name;
    const link = h.linkName;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const need = 3 * (name.length + (link?.length ?? 0));
    if (b.textBytes + need > b.text.length) {
      b.text = grow(b.text, b.textBytes + need);
      this.textView = asBuffer(b.text);
    }
    const nameBytes = this.textView.write(name, b.textBytes, "utf8");
    b.textBytes += nameBytes;
    let linkBytes = -1;
    if (link !== null) {
      linkBytes = this.textView.write(link, b.textBytes, "utf8");
      b.textBytes += linkBytes;
    }
    const at = i * INTS;
    const ints = b.ints;
    ints[at] = nameBytes;
    ints[at + 1] = linkBytes;
    ints[at + 2] = h.type;
    ints[at + 3] = h.mode;
    ints[at + 4] = h.uid;
    ints[at + 5] = h.gid;
    ints[at + 6] = digest === null ? 0 : 1;
    const nums = b.nums;
    nums[i * NUMS] = h.size;
    nums[i * NUMS + 1] = h.mtime;
    nums[i * NUMS + 2] = dataOffset;
    if (digest !== null) {
      const d = b.digests;
      const to = i * DIGEST_BYTES;
      if (typeof digest === "string") for (let k = 0; k < DIGEST_BYTES; k++) d[to + k] = digest.charCodeAt(k);
      else for (let k = 0; k < DIGEST_BYTES; k++) d[to + k] = digest[k]!;
    }
    b.count = i + 1;
    if (b.count === BATCH_ENTRIES) this.flush();
  }

  /** Post what is collected (nothing when empty) and start a new batch. */
  flush(): void {
    const b = this.batch;
    if (b.count === 0) return;
    this.batch = this.next();
    this.textView = asBuffer(this.batch.text);
    this.post(b);
  }
}

/** `b` emptied, to be filled again (its buffers kept). */
export function reuseBatch(b: EntryBatch): EntryBatch {
  b.count = 0;
  b.textBytes = 0;
  return b;
}

/**
 * Hand a posted batch's entries to `sink`, in order, as the parser handed them to the writer. Sizes
 * are checked against the buffers: a batch is our own worker's, but a bad one must not read past them.
 */
export function replayBatch(
  b: EntryBatch,
  sink: { add(h: TarEntryHeader, digest: ContentDigest | null, dataOffset: number): void },
): void {
  const count = b.count;
  if (
    !(count >= 0 && count <= BATCH_ENTRIES) ||
    b.ints.length < count * INTS ||
    b.nums.length < count * NUMS ||
    b.digests.length < count * DIGEST_BYTES ||
    !(b.textBytes >= 0 && b.textBytes <= b.text.length)
  ) {
    throw new Error("a worker thread's batch of entries is malformed");
  }
  const text = asBuffer(b.text);
  const digest = new Uint8Array(DIGEST_BYTES);
  const h = blankHeader();
  const { ints, nums, digests } = b;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const at = i * INTS;
    const nameBytes = ints[at]!;
    const linkBytes = ints[at + 1]!;
    if (nameBytes < 0 || pos + nameBytes + Math.max(0, linkBytes) > b.textBytes) {
      throw new Error("a worker thread's batch of entries is malformed");
    }
    h.name = text.toString("utf8", pos, pos + nameBytes);
    pos += nameBytes;
    if (linkBytes >= 0) {
      h.linkName = text.toString("utf8", pos, pos + linkBytes);
      pos += linkBytes;
    } else h.linkName = null;
    h.type = ints[at + 2]! as EntryType;
    h.mode = ints[at + 3]!;
    h.uid = ints[at + 4]! >>> 0;
    h.gid = ints[at + 5]! >>> 0;
    h.size = nums[i * NUMS]!;
    h.mtime = nums[i * NUMS + 1]!;
    let d: Uint8Array | null = null;
    if (ints[at + 6] === 1) {
      const from = i * DIGEST_BYTES;
      for (let k = 0; k < DIGEST_BYTES; k++) digest[k] = digests[from + k]!;
      d = digest;
    }
    sink.add(h, d, nums[i * NUMS + 2]!);
  }
}

/** An empty batch with buffers of its own. */
export function newBatch(textBytes = 1 << 18): EntryBatch {
  return {
    count: 0,
    ints: new Int32Array(BATCH_ENTRIES * INTS),
    nums: new Float64Array(BATCH_ENTRIES * NUMS),
    digests: new Uint8Array(BATCH_ENTRIES * DIGEST_BYTES),
    text: new Uint8Array(textBytes),
    textBytes: 0,
  };
}

function asBuffer(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.length);
}

function grow(a: Uint8Array, min: number): Uint8Array {
  let n = a.length * 2;
  while (n < min) n *= 2;
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
