import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { UserError } from "../model/diagnostics.js";
import {
  type ArchiveStore,
  jsonTooLarge,
  MAX_JSON_BYTES,
  normalizeArchivePath,
  resolveLinks,
} from "./archive-store.js";
import { readFully } from "./file-range.js";
import {
  BLOCK,
  checksumOk,
  headerLinkName,
  headerName,
  isZeroBlock,
  type PaxRecords,
  padding,
  parseNumeric,
  parsePax,
  TarFormatError,
} from "./tar-format.js";

interface OuterEntry {
  kind: "file" | "symlink" | "hardlink" | "other";
  /** Byte offset of the entry's data in the archive file. */
  offset: number;
  size: number;
  linkName: string;
}

const MAX_META_SIZE = 1 << 20;
const READ_CHUNK = 1 << 20;

/** One line saying what a file that is not a tar looks like instead. */
export function describeNonTar(head: Buffer): string {
  if (head.length === 0) return "it is empty";
  const sample = head.subarray(0, Math.min(head.length, 512));
  const printable = sample.every(
    (b) => b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f) || b >= 0x80,
  );
  if (printable) {
    const text = sample.toString("utf8").split(/\r?\n/)[0]!.slice(0, 40);
    return `it looks like a text file ("${text}${text.length === 40 ? "…" : ""}")`;
  }
  if (head.subarray(0, 3).toString("latin1") === "BZh")
    return "it is bzip2-compressed, which is not supported";
  if (head.subarray(0, 4).toString("hex") === "504b0304") return "it is a zip file";
  return `it starts with bytes ${head.subarray(0, 4).toString("hex").replace(/(..)/g, "$1 ").trim()}`;
}

export const NOT_A_TAR_HINT =
  "give an image archive from 'docker save' / 'podman save' / skopeo (a .tar, optionally gzip- or zstd-compressed), an OCI layout directory, or '-' for stdin";
export const TRUNCATED_HINT = "the file is incomplete (an interrupted save or copy?); save the image again";

/**
 * An uncompressed image archive on disk: its tar headers are walked once with positional reads
 * (data skipped), then any member can be read by byte range.
 */
export class TarFileStore implements ArchiveStore {
  private constructor(
    readonly label: string,
    private readonly file: string,
    private readonly entries: Map<string, OuterEntry>,
    /** False when the tar ended without its end-of-archive blocks (possibly cut short). */
    readonly complete: boolean,
  ) {}

  static async open(label: string, file: string, fh: FileHandle, fileSize: number): Promise<TarFileStore> {
    const entries = new Map<string, OuterEntry>();
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let count = 0;
    let pax: PaxRecords | null = null;
    let longName: string | null = null;
    let longLink: string | null = null;
    let complete = false;
    const truncated = (what: string) =>
      new UserError(`${label} is truncated: ${what} (the file has ${fileSize} bytes)`, TRUNCATED_HINT);
    for (;;) {
      if (pos + BLOCK > fileSize) {
        if (pos === fileSize) break; // no end-of-archive blocks: tolerated
        throw truncated(`it ends inside a tar header at byte ${pos}`);
      }
      await readFully(fh, header, BLOCK, pos, label);
      if (isZeroBlock(header, 0)) {
        complete = true;
        break;
      }
      if (!checksumOk(header, 0)) {
        if (count === 0) {
          throw new UserError(`${label} is not a tar archive: ${describeNonTar(header)}`, NOT_A_TAR_HINT);
        }
        throw new UserError(`${label} is corrupt: bad tar header at byte ${pos}`, TRUNCATED_HINT);
      }
      count++;
      const flag = header[156]!;
      let size = parseNumeric(header, 124, 12);
      if (!(size >= 0))
        throw new UserError(`${label} is corrupt: bad tar header at byte ${pos}`, TRUNCATED_HINT);
      const dataStart = pos + BLOCK;
      const isMeta = flag === 0x78 || flag === 0x67 || flag === 0x4c || flag === 0x4b;
      if (!isMeta && pax?.size !== undefined) size = pax.size;
      if (dataStart + size > fileSize) {
        const name = isMeta ? "an extended header" : `'${pax?.path ?? longName ?? headerName(header, 0)}'`;
        throw truncated(`${name} needs ${size} bytes from byte ${dataStart}`);
      }
      if (isMeta) {
        if (size > MAX_META_SIZE)
          throw new UserError(`${label} is corrupt: oversized tar header at byte ${pos}`);
        const data = Buffer.alloc(size);
        await readFully(fh, data, size, dataStart, label);
        try {
          if (flag === 0x78) pax = parsePax(data);
          else if (flag === 0x4c) longName = cString(data);
          else if (flag === 0x4b) longLink = cString(data);
        } catch (e) {
          if (!(e instanceof TarFormatError)) throw e;
          throw new UserError(`${label} is corrupt: ${e.message} at byte ${pos}`, TRUNCATED_HINT);
        }
      } else {
        const name = pax?.path ?? longName ?? headerName(header, 0);
        const linkName = pax?.linkpath ?? longLink ?? headerLinkName(header, 0);
        pax = null;
        longName = null;
        longLink = null;
        const path = normalizeArchivePath(name);
        const kind =
          flag === 0x30 || flag === 0 || flag === 0x37
            ? name.endsWith("/") && flag === 0
              ? "other"
              : "file"
            : flag === 0x32
              ? "symlink"
              : flag === 0x31
                ? "hardlink"
                : "other";
        if (path !== null) entries.set(path, { kind, offset: dataStart, size, linkName });
      }
      pos = dataStart + size + padding(size);
    }
    return new TarFileStore(label, file, entries, complete);
  }

  /** The path holding the data of `path` once links are followed, or null. */
  resolve(path: string): string | null {
    const r = resolveLinks(this.entries, linkOf, path);
    return r !== null && r.entry.kind === "file" ? r.path : null;
  }

  size(path: string): number | null {
    const r = resolveLinks(this.entries, linkOf, path);
    return r !== null && r.entry.kind === "file" ? r.entry.size : null;
  }

  async readSmall(path: string): Promise<Buffer | null> {
    const r = resolveLinks(this.entries, linkOf, path);
    if (r === null || r.entry.kind !== "file") return null;
    if (r.entry.size > MAX_JSON_BYTES) {
      throw jsonTooLarge(this.label, path, r.entry.size);
    }
    return buffer(this.open(r.path));
  }

  /** Where one member's bytes are in the archive file (links followed), or null. */
  locate(path: string): { file: string; start: number; length: number } | null {
    const r = resolveLinks(this.entries, linkOf, path);
    if (r === null || r.entry.kind !== "file") return null;
    return { file: this.file, start: r.entry.offset, length: r.entry.size };
  }

  /** A stream of one member's bytes (links followed); the caller checks `resolve` first. */
  open(path: string): Readable {
    const r = resolveLinks(this.entries, linkOf, path);
    if (r === null || r.entry.kind !== "file") throw new Error(`no such archive member: ${path}`);
    if (r.entry.size === 0) return Readable.from([]);
    return createReadStream(this.file, {
      start: r.entry.offset,
      end: r.entry.offset + r.entry.size - 1,
      highWaterMark: READ_CHUNK,
    });
  }
}

function linkOf(e: OuterEntry): { kind: "symlink" | "hardlink"; target: string } | null {
  if (e.kind === "symlink") return { kind: "symlink", target: e.linkName };
  if (e.kind === "hardlink") return { kind: "hardlink", target: e.linkName };
  return null;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString("utf8", 0, nul === -1 ? b.length : nul);
}
