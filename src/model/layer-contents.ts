import { type PathTable, ROOT } from "./path-table.js";

/** Entry types after whiteout markers are taken out (those become whiteouts/opaque lists). */
export const EntryType = {
  File: 0,
  Dir: 1,
  Symlink: 2,
  Hardlink: 3,
  CharDevice: 4,
  BlockDevice: 5,
  Fifo: 6,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export const ENTRY_TYPE_NAMES: Record<EntryType, string> = {
  0: "file",
  1: "dir",
  2: "symlink",
  3: "hardlink",
  4: "char",
  5: "block",
  6: "fifo",
};

/** One tar header as a source read it; the name is raw, exactly as stored in the layer tar. */
export interface TarEntryHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target, or hardlink target name (raw). */
  linkName: string | null;
}

/** A header to fill in, field by field, for each entry in turn (parsers reuse one). */
export function blankHeader(): TarEntryHeader {
  return { name: "", type: EntryType.File, mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, linkName: null };
}

export interface EntryProblem {
  severity: "error" | "warning";
  /** The raw entry name, as in the tar. */
  entry: string;
  message: string;
}

/** Longest entry name (bytes, UTF-8) and longest part of one that Linux takes: PATH_MAX and NAME_MAX. */
export const MAX_NAME_BYTES = 4096;
export const MAX_COMPONENT_BYTES = 255;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 4 bytes: counted at its first half.
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0xd800 || c >= 0xe000 ? 3 : c < 0xdc00 ? 4 : 0;
  }
  return n;
}

/** An entry name as problems keep it: whole when it fits a Linux path, else cut (it was skipped anyway). */
function keptName(name: string): string {
  return name.length <= MAX_NAME_BYTES / 3 || utf8Length(name) <= MAX_NAME_BYTES
    ? name
    : `${name.slice(0, 120)}… (${utf8Length(name)} bytes)`;
}

/** The next "/" at or after `from`, or `last` (itself a "/") when there is none before it. */
function nextSlash(name: string, from: number, last: number): number {
  const i = name.indexOf("/", from);
  return i === -1 || i > last ? last : i;
}

/** `name[a, b)` is a name as it stands: not empty, ".", "..", nor long enough to need its bytes counted. */
function plainPart(name: string, a: number, b: number): boolean {
  const n = b - a;
  if (n === 0 || n > MAX_COMPONENT_BYTES / 3) return false;
  if (name.charCodeAt(a) !== 0x2e) return true;
  return !(n === 1 || (n === 2 && name.charCodeAt(a + 1) === 0x2e));
}

export const OPAQUE_MARKER = ".wh..wh..opq";
const WHITEOUT_PREFIX = ".wh.";
const AUFS_META_PREFIX = ".wh..wh.";

export type ParsedName =
  | { kind: "entry"; segments: string[] }
  | { kind: "whiteout"; segments: string[] }
  | { kind: "opaque"; segments: string[] }
  | { kind: "ignored"; reason: string }
  | { kind: "invalid"; reason: string };

/**
 * Normalise a raw tar name: strip "./" and "/" prefixes, trailing "/", empty and "." segments,
 * resolve ".." (an escape above the root is invalid), and classify whiteout markers.
 * The opaque marker is matched exactly before the general ".wh." rule.
 */
export function parseEntryName(raw: string): ParsedName {
  // A name no engine could unpack (containerd and Docker write each path with one system call):
  // skipped, which also bounds what one entry can cost in memory.
  if (raw.length > MAX_NAME_BYTES / 3 && utf8Length(raw) > MAX_NAME_BYTES) {
    return {
      kind: "invalid",
      reason: `its name is ${utf8Length(raw)} bytes long (a Linux path holds ${MAX_NAME_BYTES})`,
    };
  }
  const segments: string[] = [];
  for (const part of raw.split("/")) {
    if (part === "" || part === ".") continue;
    if (part.length > MAX_COMPONENT_BYTES / 3 && utf8Length(part) > MAX_COMPONENT_BYTES) {
      return {
        kind: "invalid",
        reason: `a part of its name is ${utf8Length(part)} bytes long (a Linux file name holds ${MAX_COMPONENT_BYTES})`,
      };
    }
    if (part === "..") {
      if (segments.length === 0)
        return { kind: "invalid", reason: "its name climbs out of the root with '..'" };
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  const base = segments[segments.length - 1];
  if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return { kind: "entry", segments };
  const dir = segments.slice(0, -1);
  if (base === OPAQUE_MARKER) return { kind: "opaque", segments: dir };
  if (base.startsWith(AUFS_META_PREFIX)) return { kind: "ignored", reason: "AUFS metadata" };
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (target === "" || target === "." || target === "..") {
    return { kind: "invalid", reason: `'${base}' is a whiteout that names no file` };
  }
  dir.push(target);
  return { kind: "whiteout", segments: dir };
}

/** 32-bit words of content hash kept per entry (128 bits). */
export const HASH_WORDS = 4;

/**
 * How a layer's content hashes were made. `Sha256`: every file's SHA-256 (what eStargz and
 * zstd:chunked TOCs carry). `Blake3Large`: files of BLAKE3_MIN_BYTES or more by BLAKE3, smaller ones
 * by SHA-256 — BLAKE3 is ~5× SHA-256's speed on large data here, SHA-256 cheaper per call on small
 * files (bench/hash.js). Equal sizes always mean the same algorithm within a scheme, so two files
 * compare soundly when their layers share a scheme, or when they are small.
 */
export const HashScheme = { Sha256: 0, Blake3Large: 1 } as const;
export type HashScheme = (typeof HashScheme)[keyof typeof HashScheme];
export const BLAKE3_MIN_BYTES = 8192;

/** The hash function behind entry `e`'s content hash. */
export function contentAlgorithm(c: LayerContents, e: number): "sha256" | "blake3" {
  return c.hashScheme === HashScheme.Blake3Large && c.size[e]! >= BLAKE3_MIN_BYTES ? "blake3" : "sha256";
}

/** A file's SHA-256 or BLAKE3 (at least its first 16 bytes): latin1 ("binary") string or bytes. */
export type ContentDigest = string | Uint8Array;

function latin1Word(d: string, at: number): number {
  return (
    ((d.charCodeAt(at) << 24) |
      (d.charCodeAt(at + 1) << 16) |
      (d.charCodeAt(at + 2) << 8) |
      d.charCodeAt(at + 3)) >>>
    0
  );
}

function byteWord(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** True when entry `e` of `c` carries a content hash (a regular file whose data was read). */
export function hasContentHash(c: LayerContents, e: number): boolean {
  const h = c.hash;
  const at = e * HASH_WORDS;
  return (h[at]! | h[at + 1]! | h[at + 2]! | h[at + 3]!) !== 0;
}

/**
 * Same size and same 128-bit content hash by the same function: the two entries hold identical bytes.
 * Hashes of different functions (a large file in a TOC-listed layer against a streamed one) cannot
 * be compared: not the same, as far as layerview can tell.
 */
export function sameContent(a: LayerContents, ea: number, b: LayerContents, eb: number): boolean {
  if (a.size[ea] !== b.size[eb]) return false;
  if ((a.hashScheme ?? 0) !== (b.hashScheme ?? 0) && a.size[ea]! >= BLAKE3_MIN_BYTES) return false;
  const ha = a.hash;
  const hb = b.hash;
  const x = ea * HASH_WORDS;
  const y = eb * HASH_WORDS;
  return ha[x] === hb[y] && ha[x + 1] === hb[y + 1] && ha[x + 2] === hb[y + 2] && ha[x + 3] === hb[y + 3];
}

/**
 * The content hash of entry `e` as a string key (32 hex digits; a "b" before them for BLAKE3, so that
 * hashes of different functions never group), for maps and grouping.
 */
export function contentKey(c: LayerContents, e: number): string {
  let s = contentAlgorithm(c, e) === "blake3" ? "b" : "";
  for (let k = 0; k < HASH_WORDS; k++) s += c.hash[e * HASH_WORDS + k]!.toString(16).padStart(8, "0");
  return s;
}

/** The content hash of entry `e` as 16 bytes (the first half of its SHA-256 or BLAKE3, see contentAlgorithm). */
export function contentDigestBytes(c: LayerContents, e: number): Uint8Array {
  const out = new Uint8Array(HASH_WORDS * 4);
  const view = new DataView(out.buffer);
  for (let k = 0; k < HASH_WORDS; k++) view.setUint32(4 * k, c.hash[e * HASH_WORDS + k]!);
  return out;
}

/** The files of one layer blob, stored column-wise. Indices are entry numbers within the layer. */
export interface LayerContents {
  readonly count: number;
  readonly node: Int32Array;
  readonly type: Uint8Array;
  readonly mode: Uint16Array;
  readonly uid: Uint32Array;
  readonly gid: Uint32Array;
  readonly size: Float64Array;
  readonly mtime: Float64Array;
  /**
   * Content hash of regular files: the first 128 bits of the file's SHA-256 or BLAKE3 (`hashScheme`),
   * HASH_WORDS words per entry (entry e at e * HASH_WORDS); all zero for everything else. 128 bits so
   * that "identical content" cannot be forged by a crafted image, as a birthday search on 64 bits could.
   */
  readonly hash: Uint32Array;
  /** How `hash` was made; absent: HashScheme.Sha256. */
  readonly hashScheme?: HashScheme;
  /**
   * Where each entry's data starts in the uncompressed layer tar; kept only for layers a source can
   * read byte ranges of (an uncompressed registry blob), so one file is fetched without the rest.
   */
  readonly dataOffset?: Float64Array;
  /** Entry index -> symlink target (raw) or hardlink target (normalised absolute path). */
  readonly links: ReadonlyMap<number, string>;
  /** Nodes whited out by `.wh.NAME` markers (they delete lower layers' NAME and its subtree). */
  readonly whiteouts: Int32Array;
  /** Directories marked opaque by `.wh..wh..opq` (all lower children hidden). */
  readonly opaqueDirs: Int32Array;
  /** Tar headers read, markers and duplicates included. */
  readonly tarEntries: number;
  /** Sum of regular-file sizes: the layer size (what `docker history` shows). */
  readonly fileBytes: number;
  /** Sum of every regular-file header's size, repeated paths included (how dive sizes a layer). */
  readonly tarFileBytes: number;
  readonly problems: readonly EntryProblem[];
}

/**
 * Collects one layer's tar entries into compact columns, interning paths in a shared table.
 * A path repeated within the layer keeps its last entry (with a warning).
 */
export class LayerContentsBuilder {
  private n = 0;
  private cap: number;
  private node: Int32Array;
  private type: Uint8Array;
  private mode: Uint16Array;
  private uid: Uint32Array;
  private gid: Uint32Array;
  private size: Float64Array;
  private mtime: Float64Array;
  private hash: Uint32Array;
  private dropped: Uint8Array;
  private dataOffset: Float64Array | null;
  private readonly links = new Map<number, string>();
  private readonly whiteouts: number[] = [];
  private readonly opaqueDirs: number[] = [];
  private readonly buildId: number;
  private readonly hashScheme: HashScheme;
  /**
   * Tars list a directory, then what is in it (`usr/`, `usr/lib/`, `usr/lib/a`, `usr/share/`…): the
   * chain of directories the last entries went down, as raw names (each a prefix of the next) and
   * nodes, so that an entry whose directory is on it is interned from its base name alone.
   */
  private readonly dirRaw: string[] = [];
  private readonly dirNode: number[] = [];
  private readonly problems: EntryProblem[] = [];
  private tarEntries = 0;
  private tarFileBytes = 0;
  private droppedCount = 0;

  constructor(
    private readonly paths: PathTable,
    initialCapacity = 256,
    options: { dataOffsets?: boolean; hashScheme?: HashScheme } = {},
  ) {
    this.hashScheme = options.hashScheme ?? HashScheme.Sha256;
    this.cap = Math.max(16, initialCapacity);
    this.node = new Int32Array(this.cap);
    this.type = new Uint8Array(this.cap);
    this.mode = new Uint16Array(this.cap);
    this.uid = new Uint32Array(this.cap);
    this.gid = new Uint32Array(this.cap);
    this.size = new Float64Array(this.cap);
    this.mtime = new Float64Array(this.cap);
    this.hash = new Uint32Array(this.cap * HASH_WORDS);
    this.dropped = new Uint8Array(this.cap);
    this.dataOffset = options.dataOffsets ? new Float64Array(this.cap) : null;
    this.buildId = paths.newBuildId();
  }

  get entriesRead(): number {
    return this.tarEntries;
  }

  /**
   * Record one tar entry; call after its data was read so the content hash is known: `digest` holds the
   * SHA-256 of a regular file's data (its first 16 bytes are kept), as a latin1 string or bytes.
   * `dataOffset` is where its data starts in the layer tar (kept only when the builder was asked to).
   */
  add(h: TarEntryHeader, digest: ContentDigest | null = null, dataOffset = 0): void {
    this.tarEntries++;
    if (h.type === EntryType.File) this.tarFileBytes += h.size;
    const name = h.name;
    const end = name.endsWith("/") ? name.length - 1 : name.length;
    const slash = name.lastIndexOf("/", end - 1);
    if (slash > 0 && end <= MAX_NAME_BYTES / 3) {
      // The deepest directory on the chain that `name` is inside of.
      const raw = this.dirRaw;
      let k = raw.length - 1;
      while (
        k >= 0 &&
        !(raw[k]!.length <= slash && name.charCodeAt(raw[k]!.length) === 0x2f && name.startsWith(raw[k]!))
      ) {
        k--;
      }
      const node = k >= 0 ? this.internBelow(k, name, slash, end) : -1;
      if (node >= 0) {
        if (h.type === EntryType.Dir) this.enterDir(name.slice(0, end), node);
        this.addEntry(h, node, digest, dataOffset);
        return;
      }
    }
    const parsed = parseEntryName(name);
    switch (parsed.kind) {
      case "invalid":
        this.problems.push({
          severity: "error",
          entry: keptName(h.name),
          message: `skipped: ${parsed.reason}`,
        });
        return;
      case "ignored":
        return;
      case "opaque":
        this.opaqueDirs.push(this.paths.intern(parsed.segments));
        return;
      case "whiteout":
        this.whiteouts.push(this.paths.intern(parsed.segments));
        return;
      case "entry":
        break;
    }
    const node = this.paths.intern(parsed.segments);
    const base = name.slice(slash + 1, end);
    this.dirRaw.length = 0;
    this.dirNode.length = 0;
    if (slash > 0 && node !== ROOT && base !== "." && base !== ".." && base !== "") {
      if (!this.enterAncestors(name, end, parsed.segments.length, node)) {
        this.enterDir(name.slice(0, slash), this.paths.parent(node));
      }
      if (h.type === EntryType.Dir) this.enterDir(name.slice(0, end), node);
    }
    this.addEntry(h, node, digest, dataOffset);
  }

  /**
   * Put every directory above `node` on the chain, as raw prefixes of `name`, when `name` spells its
   * path plainly (no empty, "." or ".." parts after a leading "/" or "./"): a tar that lists no
   * directory entries (`usr/lib/a/x`, then `usr/lib/b/y`) then interns each next entry from the
   * chain too, rather than from the root. False (nothing put) when it does not.
   */
  private enterAncestors(name: string, end: number, depth: number, node: number): boolean {
    let off = 0;
    while (
      name.charCodeAt(off) === 0x2f ||
      (name.charCodeAt(off) === 0x2e && name.charCodeAt(off + 1) === 0x2f)
    ) {
      off += name.charCodeAt(off) === 0x2f ? 1 : 2;
    }
    const slashes: number[] = [];
    for (let i = name.indexOf("/", off); i !== -1 && i < end; i = name.indexOf("/", i + 1)) slashes.push(i);
    // As many parts as segments: none was empty, "." or "..".
    if (slashes.length + 1 !== depth || slashes.length === 0) return false;
    const nodes: number[] = new Array(slashes.length);
    let n = node;
    for (let i = slashes.length - 1; i >= 0; i--) {
      n = this.paths.parent(n);
      nodes[i] = n;
    }
    for (let i = 0; i < slashes.length; i++) this.enterDir(name.slice(0, slashes[i]), nodes[i]!);
    return true;
  }

  /**
   * Intern `name` from chain entry `k`: the directories between it and the base name (each put on
   * the chain), then the base name. -1, with nothing interned, when a part is not a plain name
   * (empty, ".", "..", too long to need no byte count — see parseEntryName's limits) or the base is a
   * whiteout marker: the slow way decides those.
   */
  private internBelow(k: number, name: string, slash: number, end: number): number {
    const from = this.dirRaw[k]!.length + 1;
    for (let a = from; a <= slash; ) {
      const b = nextSlash(name, a, slash);
      if (!plainPart(name, a, b)) return -1;
      a = b + 1;
    }
    if (!plainPart(name, slash + 1, end) || name.startsWith(".wh.", slash + 1)) return -1;
    this.dirRaw.length = k + 1;
    this.dirNode.length = k + 1;
    let parent = this.dirNode[k]!;
    for (let a = from; a <= slash; ) {
      const b = nextSlash(name, a, slash);
      parent = this.paths.internChild(parent, name.slice(a, b));
      this.enterDir(name.slice(0, b), parent);
      a = b + 1;
    }
    return this.paths.internChild(parent, name.slice(slash + 1, end));
  }

  private enterDir(raw: string, node: number): void {
    this.dirRaw.push(raw);
    this.dirNode.push(node);
  }

  private addEntry(h: TarEntryHeader, node: number, digest: ContentDigest | null, dataOffset: number): void {
    let type = h.type;
    let linkTarget: string | null = null;
    if (type === EntryType.Hardlink) {
      const target = parseEntryName(h.linkName ?? "");
      if (target.kind !== "entry" || target.segments.length === 0) {
        this.problems.push({
          severity: "error",
          entry: keptName(h.name),
          message: `skipped: hardlink target '${h.linkName ?? ""}' is not a path inside the image`,
        });
        return;
      }
      linkTarget = `/${target.segments.join("/")}`;
    } else if (type === EntryType.Symlink) {
      linkTarget = h.linkName ?? "";
    }
    if (node === ROOT && type !== EntryType.Dir) {
      this.problems.push({
        severity: "error",
        entry: keptName(h.name),
        message: "skipped: the root can only be a directory",
      });
      return;
    }
    if (node === ROOT) type = EntryType.Dir;

    if (this.n === this.cap) this.grow();
    const i = this.n;
    const previous = this.paths.markSeen(node, this.buildId, i);
    if (previous >= 0) {
      this.dropped[previous] = 1;
      this.droppedCount++;
      this.links.delete(previous);
      if (!(type === EntryType.Dir && this.type[previous] === EntryType.Dir)) {
        this.problems.push({
          severity: "warning",
          entry: keptName(h.name),
          message: "appears more than once in this layer; the last entry wins",
        });
      }
    }
    this.n++;
    this.node[i] = node;
    this.type[i] = type;
    this.mode[i] = h.mode & 0o7777;
    this.uid[i] = h.uid;
    this.gid[i] = h.gid;
    this.size[i] = type === EntryType.File ? h.size : 0;
    this.mtime[i] = h.mtime;
    const at = i * HASH_WORDS;
    if (type === EntryType.File && digest !== null) {
      if (typeof digest === "string") {
        for (let k = 0; k < HASH_WORDS; k++) this.hash[at + k] = latin1Word(digest, 4 * k);
      } else {
        for (let k = 0; k < HASH_WORDS; k++) this.hash[at + k] = byteWord(digest, 4 * k);
      }
    } else this.hash.fill(0, at, at + HASH_WORDS);
    if (this.dataOffset !== null) this.dataOffset[i] = type === EntryType.File ? dataOffset : 0;
    if (linkTarget !== null) this.links.set(i, linkTarget);
  }

  /** Problems found outside single entries (e.g. a truncated tar) are reported by the source. */
  finish(): LayerContents {
    const keep: number[] = [];
    let fileBytes = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.dropped[i]) continue;
      keep.push(i);
      if (this.type[i] === EntryType.File) fileBytes += this.size[i]!;
    }
    const count = keep.length;
    const pick = <T extends Int32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T): T => {
      if (this.droppedCount === 0) return a.slice(0, count) as T;
      const out = new (a.constructor as new (n: number) => T)(count);
      for (let j = 0; j < count; j++) out[j] = a[keep[j]!]!;
      return out;
    };
    const links = new Map<number, string>();
    keep.forEach((from, to) => {
      const l = this.links.get(from);
      if (l !== undefined) links.set(to, l);
    });
    return {
      count,
      node: pick(this.node),
      type: pick(this.type),
      mode: pick(this.mode),
      uid: pick(this.uid),
      gid: pick(this.gid),
      size: pick(this.size),
      mtime: pick(this.mtime),
      hash: this.pickHash(keep),
      ...(this.hashScheme !== HashScheme.Sha256 ? { hashScheme: this.hashScheme } : {}),
      ...(this.dataOffset !== null ? { dataOffset: pick(this.dataOffset) } : {}),
      links,
      whiteouts: Int32Array.from(this.whiteouts),
      opaqueDirs: Int32Array.from(this.opaqueDirs),
      tarEntries: this.tarEntries,
      fileBytes,
      tarFileBytes: this.tarFileBytes,
      problems: this.problems,
    };
  }

  private pickHash(keep: readonly number[]): Uint32Array {
    const count = keep.length;
    if (this.droppedCount === 0) return this.hash.slice(0, count * HASH_WORDS);
    const out = new Uint32Array(count * HASH_WORDS);
    for (let j = 0; j < count; j++) {
      out.set(this.hash.subarray(keep[j]! * HASH_WORDS, (keep[j]! + 1) * HASH_WORDS), j * HASH_WORDS);
    }
    return out;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Int32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.node = g(this.node);
    this.type = g(this.type);
    this.mode = g(this.mode);
    this.uid = g(this.uid);
    this.gid = g(this.gid);
    this.size = g(this.size);
    this.mtime = g(this.mtime);
    const hash = new Uint32Array(cap * HASH_WORDS);
    hash.set(this.hash);
    this.hash = hash;
    this.dropped = g(this.dropped);
    if (this.dataOffset !== null) this.dataOffset = g(this.dataOffset);
    this.cap = cap;
  }
}
