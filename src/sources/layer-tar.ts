import { hash as hashOnce } from "node:crypto";
import {
  blankHeader,
  type ContentDigest,
  EntryType,
  HashScheme,
  type TarEntryHeader,
} from "../model/layer-contents.js";
import { type ContentHasher, type ContentHashing, contentHashing } from "./content-hash.js";
import type { MemberKeeper } from "./packages/package-keeper.js";
import {
  BLOCK,
  checksumOk,
  headerLinkName,
  headerName,
  isZeroBlock,
  NOT_A_TAR,
  type PaxRecords,
  padding,
  parseNumeric,
  parsePax,
  TarFormatError,
  wordView,
} from "./tar-format.js";

/** The digest of every empty file: SHA-256 under both schemes (BLAKE3 is for large files only). */
const EMPTY_DIGEST = hashOnce("sha256", Buffer.alloc(0), "binary");
/** Pax and GNU long-name records larger than this are treated as corruption. */
const MAX_META_SIZE = 1 << 20;

const State = { Header: 0, Data: 1, Padding: 2, End: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** What the data of the current tar entry is for. */
const Pending = { Entry: 0, Unknown: 1, Pax: 2, LongName: 3, LongLink: 4, Ignore: 5 } as const;
type Pending = (typeof Pending)[keyof typeof Pending];

const TYPE_OF_FLAG = new Map<number, EntryType>([
  [0x30, EntryType.File], // '0'
  [0, EntryType.File], // '\0' (old tars)
  [0x37, EntryType.File], // '7' contiguous file
  [0x31, EntryType.Hardlink],
  [0x32, EntryType.Symlink],
  [0x33, EntryType.CharDevice],
  [0x34, EntryType.BlockDevice],
  [0x35, EntryType.Dir],
  [0x36, EntryType.Fifo],
]);

/**
 * Where the parser hands each entry, after its data went by: a LayerContentsBuilder, or a worker
 * thread's batch of entries for the main thread to add (workers/entry-batch.ts). `h` is reused.
 */
export interface EntrySink {
  add(h: TarEntryHeader, digest: ContentDigest | null, dataOffset: number): void;
}

export interface SkippedEntries {
  /** The tar typeflag, as a printable character or a code. */
  typeflag: string;
  count: number;
  /** Name of the first such entry. */
  first: string;
}

/**
 * A push parser for one layer tar: feed it the uncompressed bytes chunk by chunk; it hands every
 * entry to the builder after the entry's data went by, with a 128-bit content hash (SHA-256, first half) for regular files.
 * No per-entry objects or streams: one reused header, data hashed straight from the chunks.
 */
export class LayerTarParser {
  private state: State = State.Header;
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private pending: Pending = Pending.Entry;
  private dataSize = 0;
  private remaining = 0;
  private pad = 0;
  private hashing = false;
  private hasher: ContentHasher | null = null;
  /** The current file's data is going to the keeper too. */
  private keeping = false;
  private kept: Buffer[] = [];
  private meta: Buffer[] = [];
  private pax: PaxRecords | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;
  private consumed = 0;
  /** Where the current entry's data starts in the layer tar. */
  private dataStart = 0;
  private readonly skipped = new Map<string, SkippedEntries>();
  private readonly header: TarEntryHeader = blankHeader();

  constructor(
    private readonly builder: EntrySink,
    /** Keeps the data of the few members it asks for (package databases). */
    private readonly keeper: MemberKeeper | null = null,
    /** How file contents are hashed: the builder's HashScheme must be `hashes.scheme`. */
    private readonly hashes: ContentHashing = contentHashing(HashScheme.Sha256),
  ) {}

  /** Uncompressed bytes seen so far. */
  get bytes(): number {
    return this.consumed;
  }

  /** True once the end-of-archive block was seen; later bytes are ignored. */
  get finished(): boolean {
    return this.state === State.End;
  }

  /** Entries skipped because of a tar type layerview does not know, grouped by type. */
  get skippedEntries(): SkippedEntries[] {
    return [...this.skipped.values()];
  }

  /** Throws TarFormatError when the data is not a valid tar. */
  write(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    let words: Uint32Array | null | undefined;
    while (pos < len) {
      switch (this.state) {
        case State.Data: {
          const n = Math.min(this.remaining, len - pos);
          if (this.hashing) {
            if (this.keeping) this.kept.push(Buffer.from(chunk.subarray(pos, pos + n)));
            if (this.hasher === null && n === this.dataSize) {
              this.remaining = 0;
              this.complete(this.hashes.once(chunk.subarray(pos, pos + n)));
              pos += n;
              continue;
            }
            this.hasher ??= this.hashes.start(this.dataSize);
            this.hasher.update(chunk.subarray(pos, pos + n));
          } else if (this.pending !== Pending.Entry && this.pending !== Pending.Unknown) {
            if (this.pending !== Pending.Ignore) this.meta.push(Buffer.from(chunk.subarray(pos, pos + n)));
          }
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            const digest = this.hasher?.digest() ?? null;
            this.hasher = null;
            this.complete(digest);
          }
          break;
        }
        case State.Padding: {
          const n = Math.min(this.pad, len - pos);
          pos += n;
          this.pad -= n;
          if (this.pad === 0) this.state = State.Header;
          break;
        }
        case State.Header: {
          if (this.blockFill === 0 && len - pos >= BLOCK) {
            // One word view of the chunk for all the headers in it (checksumOk).
            if (words === undefined) words = wordView(chunk);
            this.onHeader(chunk, pos, this.consumed + pos, words);
            pos += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.blockFill, len - pos);
            chunk.copy(this.block, this.blockFill, pos, pos + n);
            this.blockFill += n;
            pos += n;
            if (this.blockFill === BLOCK) {
              this.blockFill = 0;
              this.onHeader(this.block, 0, this.consumed + pos - BLOCK);
            }
          }
          break;
        }
        case State.End:
          pos = len;
          break;
      }
    }
    this.consumed += len;
  }

  /** Call at the end of the data; throws TarFormatError when the tar stops inside an entry. */
  end(): void {
    if (this.state === State.End) return;
    if (this.state === State.Header && this.blockFill === 0) return; // no end marker: tolerated
    const where =
      this.state === State.Header ? "inside a header" : `inside the data of '${this.header.name || "?"}'`;
    throw new TarFormatError(`the layer tar is truncated (it ends ${where}, after ${this.consumed} bytes)`);
  }

  private onHeader(buf: Buffer, off: number, at: number, words: Uint32Array | null = null): void {
    if (isZeroBlock(buf, off)) {
      this.state = State.End;
      return;
    }
    if (!checksumOk(buf, off, words)) {
      throw new TarFormatError(at === 0 ? NOT_A_TAR : `corrupt tar header at byte ${at} of the layer tar`);
    }
    const flag = buf[off + 156]!;
    let size = parseNumeric(buf, off + 124, 12);
    if (!(size >= 0)) throw new TarFormatError(`corrupt tar header at byte ${at} (bad size field)`);
    this.hashing = false;
    this.keeping = false;
    switch (flag) {
      case 0x78: // 'x' pax extended header for the next entry
        this.pending = Pending.Pax;
        break;
      case 0x67: // 'g' global pax header: ignored
        this.pending = Pending.Ignore;
        break;
      case 0x4c: // 'L' GNU long name
        this.pending = Pending.LongName;
        break;
      case 0x4b: // 'K' GNU long link name
        this.pending = Pending.LongLink;
        break;
      default: {
        const pax = this.pax;
        const h = this.header;
        h.name = pax?.path ?? this.longName ?? headerName(buf, off);
        h.linkName = pax?.linkpath ?? this.longLink ?? headerLinkName(buf, off);
        if (pax?.size !== undefined) size = pax.size;
        h.size = size;
        h.mode = numberOr0(parseNumeric(buf, off + 100, 8));
        h.uid = pax?.uid ?? numberOr0(parseNumeric(buf, off + 108, 8));
        h.gid = pax?.gid ?? numberOr0(parseNumeric(buf, off + 116, 8));
        h.mtime = pax?.mtime ?? numberOr0(parseNumeric(buf, off + 136, 12));
        this.pax = null;
        this.longName = null;
        this.longLink = null;
        let type = TYPE_OF_FLAG.get(flag);
        if (type === undefined) {
          this.pending = Pending.Unknown;
          this.noteUnknown(flag, h.name);
          break;
        }
        if (type === EntryType.File && flag === 0 && h.name.endsWith("/")) type = EntryType.Dir;
        h.type = type;
        this.pending = Pending.Entry;
        this.hashing = type === EntryType.File;
        this.keeping = this.hashing && this.keeper?.wants(h.name, size) === true;
      }
    }
    if (this.pending !== Pending.Entry && this.pending !== Pending.Unknown && size > MAX_META_SIZE) {
      throw new TarFormatError(`corrupt tar header at byte ${at} (a ${size}-byte extended header)`);
    }
    this.dataStart = at + BLOCK;
    this.dataSize = size;
    this.remaining = size;
    this.pad = padding(size);
    if (size === 0) this.complete(this.hashing ? EMPTY_DIGEST : null);
    else this.state = State.Data;
  }

  private complete(digest: ContentDigest | null): void {
    this.state = this.pad > 0 ? State.Padding : State.Header;
    switch (this.pending) {
      case Pending.Entry:
        if (this.keeping) {
          this.keeping = false;
          const data = this.kept.length === 1 ? this.kept[0]! : Buffer.concat(this.kept);
          this.kept = [];
          this.keeper!.keep(data);
        }
        this.builder.add(this.header, digest, this.dataStart);
        return;
      case Pending.Pax:
        this.pax = parsePax(this.takeMeta());
        return;
      case Pending.LongName:
        this.longName = cString(this.takeMeta());
        return;
      case Pending.LongLink:
        this.longLink = cString(this.takeMeta());
        return;
      default:
        this.meta = [];
    }
  }

  private takeMeta(): Buffer {
    const b = this.meta.length === 1 ? this.meta[0]! : Buffer.concat(this.meta);
    this.meta = [];
    return b;
  }

  private noteUnknown(flag: number, name: string): void {
    const typeflag =
      flag >= 0x21 && flag <= 0x7e ? `'${String.fromCharCode(flag)}'` : `0x${flag.toString(16)}`;
    const s = this.skipped.get(typeflag);
    if (s) s.count++;
    else this.skipped.set(typeflag, { typeflag, count: 1, first: name });
  }
}

function numberOr0(n: number): number {
  return Number.isNaN(n) ? 0 : n;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString("utf8", 0, nul === -1 ? b.length : nul);
}
