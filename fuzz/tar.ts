/**
 * Tar at the level a fuzzer needs: members with their names, types and bytes (pax and GNU long names
 * folded in), written back with the fixtures' writer so that names, link targets and sizes can be
 * bent on purpose.
 */
import type { RawTarEntry } from "../test/fixtures/tar-writer.js";

const BLOCK = 512;

function field(h: Buffer, off: number, len: number): string {
  const end = h.indexOf(0, off);
  return h.toString("utf8", off, end < 0 || end > off + len ? off + len : end);
}

function octal(h: Buffer, off: number, len: number): number {
  if ((h[off]! & 0x80) !== 0) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const n = Number.parseInt(field(h, off, len).trim() || "0", 8);
  return Number.isFinite(n) ? n : 0;
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.toString("latin1", i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) break;
    const rec = data.toString("utf8", sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** The entries of a tar, or null when it does not parse as one (not a tar, or too damaged). */
export function parseTar(buf: Buffer): RawTarEntry[] | null {
  const entries: RawTarEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  let longLink: string | null = null;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8)) return entries.length > 0 ? entries : null;
    const size = octal(h, 124, 12);
    const typeflag = String.fromCharCode(h[156]!) || "0";
    const data = buf.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === "x") {
      pax = { ...pax, ...paxRecords(data) };
      continue;
    }
    if (typeflag === "g") continue;
    if (typeflag === "L" || typeflag === "K") {
      const s = data.toString("utf8").replace(/\0+$/, "");
      if (typeflag === "L") longName = s;
      else longLink = s;
      continue;
    }
    const prefix = field(h, 345, 155);
    let name = field(h, 0, 100);
    if (prefix && h.toString("latin1", 257, 262) === "ustar") name = `${prefix}/${name}`;
    const entry: RawTarEntry = {
      name: pax.path ?? longName ?? name,
      typeflag: typeflag === "\0" ? "0" : typeflag,
      data: Buffer.from(data),
      linkName: pax.linkpath ?? longLink ?? field(h, 157, 100),
      mode: octal(h, 100, 8),
      uid: octal(h, 108, 8),
      gid: octal(h, 116, 8),
      mtime: octal(h, 136, 12),
    };
    const rest = Object.fromEntries(Object.entries(pax).filter(([k]) => k !== "path" && k !== "linkpath"));
    if (Object.keys(rest).length > 0) entry.pax = rest;
    entries.push(entry);
    pax = {};
    longName = null;
    longLink = null;
  }
  return entries;
}

/** Where each header block of a tar starts (to damage headers in place). */
export function headerOffsets(buf: Buffer, max = 10_000): number[] {
  const out: number[] = [];
  let off = 0;
  while (off + BLOCK <= buf.length && out.length < max) {
    const h = buf.subarray(off, off + BLOCK);
    if (h[0] === 0 && h.every((b) => b === 0)) break;
    out.push(off);
    off += BLOCK + Math.ceil(octal(h, 124, 12) / BLOCK) * BLOCK;
  }
  return out;
}

/** Recompute a header block's checksum after editing it in place. */
export function fixChecksum(buf: Buffer, off: number): void {
  const h = buf.subarray(off, off + BLOCK);
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
}
