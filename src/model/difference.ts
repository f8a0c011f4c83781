/**
 * How two versions of a path differ, as a one-byte code: the kind in the low two bits (added,
 * removed, changed), the aspects that changed above them. Shared by every comparison (two images,
 * two layers of one image).
 */
import type { ImageModel } from "./image-model.js";
import { EntryType, sameContent } from "./layer-contents.js";

export type DiffKind = "added" | "removed" | "changed";
export type ChangeAspect = "content" | "type" | "link" | "mode" | "owner";

/** Difference codes: the kind in the low two bits, the aspects that changed above them. */
export const ADDED = 1;
export const REMOVED = 2;
export const CHANGED = 3;
const ASPECTS: readonly ChangeAspect[] = ["type", "content", "link", "mode", "owner"];

export function diffKindOf(code: number): DiffKind {
  const k = code & 3;
  return k === ADDED ? "added" : k === REMOVED ? "removed" : "changed";
}

export function changeAspectsOf(code: number): ChangeAspect[] {
  return ASPECTS.filter((_, i) => (code >> 2) & (1 << i));
}

/**
 * How version `va` of model a and version `vb` of model b (-1: absent) differ, as a code; 0 when
 * they do not, or only as a directory coming or going (its contents show it).
 */
export function differenceOf(a: ImageModel, va: number, b: ImageModel, vb: number): number {
  if (va < 0 && vb < 0) return 0;
  const sta = a.stack;
  const stb = b.stack;
  const ta = va >= 0 ? sta.type(va) : null;
  const tb = vb >= 0 ? stb.type(vb) : null;
  if (ta === null) return tb === EntryType.Dir ? 0 : ADDED;
  if (tb === null) return ta === EntryType.Dir ? 0 : REMOVED;
  if (a === b && va === vb) return 0;
  let bits = 0;
  if (ta !== tb) bits |= 1;
  else if (ta === EntryType.File) {
    if (sta.size(va) !== stb.size(vb) || !sameHash(a, va, b, vb)) bits |= 2;
  } else if (ta === EntryType.Symlink || ta === EntryType.Hardlink) {
    if (sta.link(va) !== stb.link(vb)) bits |= 4;
  }
  if (ta === tb) {
    if (sta.mode(va) !== stb.mode(vb)) bits |= 8;
    if (sta.uid(va) !== stb.uid(vb) || sta.gid(va) !== stb.gid(vb)) bits |= 16;
  }
  return bits === 0 ? 0 : CHANGED | (bits << 2);
}

/** Whether two file versions hold the same bytes (size and 128-bit content hash, compared as numbers). */
function sameHash(a: ImageModel, va: number, b: ImageModel, vb: number): boolean {
  const ca = a.stack.layers[a.versions.layer[va]!]!;
  const cb = b.stack.layers[b.versions.layer[vb]!]!;
  return sameContent(ca, a.versions.entry[va]!, cb, b.versions.entry[vb]!);
}
