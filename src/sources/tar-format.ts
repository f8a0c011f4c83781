/**
 * Tar header decoding shared by the outer-archive walker and the layer parser:
 * ustar/GNU fields, octal and base-256 numbers, checksums and pax records.
 */

export const BLOCK = 512;

const MAGIC_OFFSET = 257;

/** TarFormatError message for data whose first header is not a tar header. */
export const NOT_A_TAR = "the data is not a tar archive";

export class TarFormatError extends Error {
  override name = "TarFormatError";
}

/** True when the 512 bytes at `off` are all zero (an end-of-archive block). */
export function isZeroBlock(buf: Buffer, off: number): boolean {
  for (let i = off, end = off + BLOCK; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Numeric field: octal text, or base-256 when the top bit of the first byte is set. NaN when unreadable. */
export function parseNumeric(buf: Buffer, off: number, len: number): number {
  const first = buf[off]!;
  if (first & 0x80) {
    // Base-256 (GNU/star): big-endian two's complement, 0x80 marks positive, 0xff negative.
    const negative = first === 0xff;
    let value = negative ? 0xff : first & 0x7f;
    for (let i = 1; i < len; i++) value = value * 256 + buf[off + i]!;
    if (negative) value -= 256 ** len;
    return value;
  }
  let i = off;
  const end = off + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  if (i === end) return 0;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return Number.NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? Number.NaN : value;
}

/** NUL-terminated text field, decoded as UTF-8. */
export function parseText(buf: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && buf[end] !== 0) end++;
  if (end === off) return "";
  return buf.toString("utf8", off, end);
}

/**
 * Header checksum check (unsigned sum, or the historic signed sum). `words`, when given, views the
 * whole of `buf` as 32-bit words (buf 4-byte aligned): one view per chunk rather than one per header.
 */
export function checksumOk(buf: Buffer, off: number, words: Uint32Array | null = null): boolean {
  const stored = parseNumeric(buf, off + 148, 8);
  if (Number.isNaN(stored)) return false;
  let field = 0;
  for (let i = off + 148; i < off + 156; i++) field += buf[i]!;
  const unsigned = byteSum(buf, off, words) - field + 8 * 0x20;
  if (stored === unsigned) return true;
  let signed = 8 * 0x20;
  for (let i = off; i < off + 148; i++) signed += (buf[i]! << 24) >> 24;
  for (let i = off + 156; i < off + BLOCK; i++) signed += (buf[i]! << 24) >> 24;
  return stored === signed;
}

/** A view of `buf` as 32-bit words for checksumOk, or null when it is not 4-byte aligned. */
export function wordView(buf: Buffer): Uint32Array | null {
  return (buf.byteOffset & 3) === 0 ? new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2) : null;
}

/** Sum of the 512 bytes at `off`; four at a time when aligned (a million headers add up). */
function byteSum(buf: Buffer, off: number, view: Uint32Array | null): number {
  let words = view;
  let first = off >>> 2;
  if (words === null || (off & 3) !== 0) {
    const start = buf.byteOffset + off;
    words = (start & 3) === 0 ? new Uint32Array(buf.buffer, start, BLOCK / 4) : null;
    first = 0;
  }
  if (words !== null) {
    // Two accumulators of two 16-bit lanes each: 128 words of bytes cannot overflow a lane.
    let even = 0;
    let odd = 0;
    for (let i = first, end = first + BLOCK / 4; i < end; i++) {
      const w = words[i]!;
      even += w & 0x00ff00ff;
      odd += (w >>> 8) & 0x00ff00ff;
    }
    return (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
  }
  let sum = 0;
  for (let i = off; i < off + BLOCK; i++) sum += buf[i]!;
  return sum;
}

/** POSIX ustar ("ustar\0"), as opposed to GNU ("ustar  \0") or v7 (no magic). */
export function isPosixUstar(buf: Buffer, off: number): boolean {
  const m = off + MAGIC_OFFSET;
  return (
    buf[m] === 0x75 &&
    buf[m + 1] === 0x73 &&
    buf[m + 2] === 0x74 &&
    buf[m + 3] === 0x61 &&
    buf[m + 4] === 0x72 &&
    buf[m + 5] === 0
  );
}

/** Entry name: ustar prefix + name (GNU headers use the prefix area for other fields). */
export function headerName(buf: Buffer, off: number): string {
  const name = parseText(buf, off, 100);
  if (isPosixUstar(buf, off) && buf[off + 345] !== 0) {
    const prefix = parseText(buf, off + 345, 155);
    if (prefix !== "") return `${prefix}/${name}`;
  }
  return name;
}

export function headerLinkName(buf: Buffer, off: number): string {
  return parseText(buf, off + 157, 100);
}

/** Bytes of padding after `size` data bytes to reach the next block. */
export function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** The pax keys layerview uses; everything else (uname, atime, GNU.sparse…) is ignored. */
export interface PaxRecords {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/** Parse "LEN key=value\n" records. Throws TarFormatError on a malformed record. */
export function parsePax(buf: Buffer): PaxRecords {
  const out: PaxRecords = {};
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) break; // some writers pad with NULs
    let sp = pos;
    let len = 0;
    while (sp < buf.length && buf[sp] !== 0x20) {
      const c = buf[sp]!;
      if (c < 0x30 || c > 0x39) throw new TarFormatError("malformed pax header record");
      len = len * 10 + (c - 0x30);
      sp++;
    }
    if (len === 0 || pos + len > buf.length || sp >= pos + len) {
      throw new TarFormatError("malformed pax header record");
    }
    const recordEnd = pos + len - 1; // the trailing "\n"
    const eq = buf.indexOf(0x3d, sp + 1);
    if (eq === -1 || eq > recordEnd) throw new TarFormatError("malformed pax header record");
    const key = buf.toString("utf8", sp + 1, eq);
    const value = buf.toString("utf8", eq + 1, recordEnd);
    switch (key) {
      case "path":
        out.path = value;
        break;
      case "linkpath":
        out.linkpath = value;
        break;
      case "size":
      case "uid":
      case "gid":
      case "mtime": {
        const n = Number(value);
        if (value !== "" && Number.isFinite(n)) out[key] = n;
        break;
      }
    }
    pos += len;
  }
  return out;
}
