/**
 * Mutations of an image archive at every level layerview decodes: the raw bytes, the outer tar's
 * members, the JSON members, the layer tars (names, links, types, sizes, pax records) and the
 * compressed streams. A mutation that changes a blob can rewrite the digests (and sizes) that name it,
 * so that the damage reaches the code behind the digest check instead of stopping there.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { type RawTarEntry, writeTar } from "../test/fixtures/tar-writer.js";
import { zstdCompress } from "../test/fixtures/zstd.js";
import type { Rng } from "./rng.js";
import { fixChecksum, headerOffsets, parseTar } from "./tar.js";

export type Compression = "none" | "gzip" | "zstd";

const hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export function compressionOf(b: Buffer): Compression {
  if (b[0] === 0x1f && b[1] === 0x8b) return "gzip";
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return "zstd";
  return "none";
}

function decompress(b: Buffer, c: Compression): Buffer | null {
  try {
    if (c === "gzip") return gunzipSync(b);
    if (c === "zstd") return Buffer.from(zstdDecompress(b));
    return b;
  } catch {
    return null;
  }
}

function compress(b: Buffer, c: Compression): Buffer {
  return c === "gzip" ? gzipSync(b) : c === "zstd" ? zstdCompress(b) : b;
}

const isJsonText = (b: Buffer) => {
  const c = b[0] === 0xef ? b[3] : b[0];
  return b.length > 0 && b.length < 4 << 20 && (c === 0x7b || c === 0x5b);
};

/** A large but bounded size for the "absurd" cases: big enough to expose quadratic work and recursion. */
const DEEP = 100_000;

/** An archive being mutated: its outer members, and the case's log of what was done. */
export class Mutant {
  readonly log: string[] = [];

  constructor(
    public members: RawTarEntry[],
    readonly rng: Rng,
  ) {}

  files(): RawTarEntry[] {
    return this.members.filter((m) => (m.typeflag === "0" || m.typeflag === "\0") && m.data);
  }

  jsonMembers(): RawTarEntry[] {
    return this.files().filter((m) => isJsonText(m.data!) || /(^|\/)repositories$/.test(m.name));
  }

  layerMembers(): RawTarEntry[] {
    return this.files().filter((m) => {
      const d = m.data!;
      if (d.length < 512) return false;
      const c = compressionOf(d);
      return c !== "none" || d.toString("latin1", 257, 262) === "ustar";
    });
  }

  /** Replace a member's bytes; with `follow`, rewrite every reference to its digest and size (recursively). */
  replaceData(
    m: RawTarEntry,
    data: Buffer,
    follow: boolean,
    inner?: { before: Buffer; after: Buffer },
  ): void {
    const before = m.data!;
    m.data = data;
    if (!follow) return;
    const changes = new Map<string, { to: string; size: number }>([
      [hex(before), { to: hex(data), size: data.length }],
    ]);
    if (inner) changes.set(hex(inner.before), { to: hex(inner.after), size: inner.after.length });
    this.rewriteReferences(changes, 0);
  }

  private rewriteReferences(changes: Map<string, { to: string; size: number }>, round: number): void {
    if (round > 4 || changes.size === 0) return;
    const next = new Map<string, { to: string; size: number }>();
    for (const m of this.members) {
      for (const [from, { to }] of changes) {
        if (m.name.includes(from)) m.name = m.name.split(from).join(to);
        if (m.linkName?.includes(from)) m.linkName = m.linkName.split(from).join(to);
      }
      if (!m.data || !(isJsonText(m.data) || /(^|\/)repositories$/.test(m.name))) continue;
      const text = m.data.toString("utf8");
      if (![...changes.keys()].some((k) => text.includes(k))) continue;
      let out: string;
      try {
        out = JSON.stringify(fixDescriptors(JSON.parse(text), changes));
      } catch {
        out = text;
        for (const [from, { to }] of changes) out = out.split(from).join(to);
      }
      const data = Buffer.from(out);
      next.set(hex(m.data), { to: hex(data), size: data.length });
      m.data = data;
    }
    this.rewriteReferences(next, round + 1);
  }
}

function fixDescriptors(v: unknown, changes: Map<string, { to: string; size: number }>): unknown {
  if (typeof v === "string") {
    let s = v;
    for (const [from, { to }] of changes) if (s.includes(from)) s = s.split(from).join(to);
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => fixDescriptors(x, changes));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fixDescriptors(x, changes);
    if (typeof o.digest === "string" && typeof o.size === "number") {
      const c = changes.get(o.digest.slice(o.digest.indexOf(":") + 1));
      if (c) out.size = c.size;
    }
    return out;
  }
  return v;
}

// ---- raw bytes ---------------------------------------------------------------------------------

export function mutateRaw(bytes: Buffer, rng: Rng, log: string[]): Buffer {
  const b = Buffer.from(bytes);
  switch (rng.int(4)) {
    case 0: {
      const n = 1 + rng.int(16);
      for (let i = 0; i < n; i++) {
        const at = rng.int(b.length);
        b[at] = b[at]! ^ (1 << rng.int(8));
      }
      log.push(`raw: ${n} bit flips`);
      return b;
    }
    case 1: {
      const at = rng.int(b.length);
      log.push(`raw: truncated at ${at}`);
      return b.subarray(0, at);
    }
    case 2: {
      const offs = headerOffsets(b);
      const at = offs.length > 0 ? rng.pick(offs) : 0;
      damageHeader(b, at, rng, log, "outer");
      return b;
    }
    default: {
      const at = rng.int(b.length);
      const n = 1 + rng.int(600);
      log.push(`raw: ${n} bytes inserted at ${at}`);
      const junk = Buffer.alloc(n, rng.int(256));
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
  }
}

/** Damage one tar header in place: its size, type, name, mode or checksum fields. */
function damageHeader(b: Buffer, at: number, rng: Rng, log: string[], where: string): void {
  if (at + 512 > b.length) return;
  const choices: Array<[string, () => void]> = [
    ["size huge octal", () => b.write("77777777777\0", at + 124, "latin1")],
    [
      "size base-256 huge",
      () => {
        b.fill(0xff, at + 124, at + 136);
        b[at + 124] = 0x80;
      },
    ],
    ["size base-256 negative", () => b.fill(0xff, at + 124, at + 136)],
    ["size garbage", () => b.write("zz9-x \0\0\0\0\0\0", at + 124, "latin1")],
    [
      "size off by a block",
      () =>
        b.write(
          `${(rng.int(4096) * 512 + rng.int(512)).toString(8).padStart(11, "0")}\0`,
          at + 124,
          "latin1",
        ),
    ],
    [
      "typeflag",
      () =>
        (b[at + 156] = rng.pick([
          0x31, 0x32, 0x33, 0x35, 0x36, 0x37, 0x4c, 0x4b, 0x78, 0x67, 0x53, 0x5a, 0x00,
        ])),
    ],
    ["name cleared", () => b.fill(0, at, at + 100)],
    ["name escapes", () => b.write("../../../../outside-dest\0", at, "latin1")],
    ["name absolute", () => b.write("/tmp/layerview-fuzz-absolute\0", at, "latin1")],
    ["mode garbage", () => b.write("9999999\0", at + 100, "latin1")],
    ["mtime garbage", () => b.fill(0xff, at + 136, at + 148)],
    ["magic", () => b.write("XXXXXX", at + 257, "latin1")],
    ["prefix", () => b.fill(0x61, at + 345, at + 500)],
  ];
  const [what, act] = rng.pick(choices);
  act();
  const fix = rng.chance(0.8);
  if (fix) fixChecksum(b, at);
  log.push(`${where} header at ${at}: ${what}${fix ? "" : ", checksum left wrong"}`);
}

// ---- outer members -----------------------------------------------------------------------------

export function mutateMembers(mu: Mutant): void {
  const { rng, log } = mu;
  const ms = mu.members;
  if (ms.length === 0) return;
  const m = rng.pick(ms);
  switch (rng.int(7)) {
    case 0:
      mu.members = ms.filter((x) => x !== m);
      log.push(`member dropped: ${m.name}`);
      return;
    case 1:
      ms.push({ ...m, data: m.data ? Buffer.from(rng.chance(0.5) ? "{}" : "") : undefined });
      log.push(`member repeated later with other bytes: ${m.name}`);
      return;
    case 2: {
      const other = rng.pick(ms);
      [m.data, other.data] = [other.data, m.data];
      log.push(`member bytes swapped: ${m.name} ↔ ${other.name}`);
      return;
    }
    case 3: {
      const target = rng.pick([
        "",
        m.name,
        "../../etc/passwd",
        "/etc/passwd",
        rng.pick(ms).name,
        "missing/file",
      ]);
      m.typeflag = rng.chance(0.7) ? "2" : "1";
      m.linkName = target;
      m.data = Buffer.alloc(0);
      log.push(`member made a ${m.typeflag === "2" ? "symlink" : "hard link"} to '${target}': ${m.name}`);
      return;
    }
    case 4:
      m.typeflag = "5";
      m.data = Buffer.alloc(0);
      log.push(`member made a directory: ${m.name}`);
      return;
    case 5: {
      const n = rng.pick([1000, 10_000]);
      for (let i = 0; i < n; i++) ms.push({ name: `junk/${i}`, typeflag: "0", data: Buffer.alloc(0) });
      log.push(`${n} empty members added`);
      return;
    }
    default:
      m.name = rng.pick([
        `${m.name}/`,
        `./${m.name}`,
        m.name.toUpperCase(),
        `${m.name}\u0000x`,
        "x".repeat(300),
      ]);
      log.push(`member renamed: ${m.name.slice(0, 60)}`);
  }
}

// ---- JSON members -------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Slot {
  get(): Json;
  set(v: Json): void;
  remove?: () => void;
  path: string;
}

function slots(root: Json, limit = 4000): Slot[] {
  const out: Slot[] = [];
  const stack: Array<{ v: Json; path: string }> = [{ v: root, path: "" }];
  while (stack.length > 0 && out.length < limit) {
    const { v, path } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && i < 200; i++) {
        out.push({
          path: `${path}[${i}]`,
          get: () => v[i]!,
          set: (x) => (v[i] = x),
          remove: () => v.splice(i, 1),
        });
        stack.push({ v: v[i]!, path: `${path}[${i}]` });
      }
    } else if (v && typeof v === "object") {
      for (const k of Object.keys(v)) {
        out.push({
          path: `${path}.${k}`,
          get: () => v[k]!,
          set: (x) => (v[k] = x),
          remove: () => delete v[k],
        });
        stack.push({ v: v[k]!, path: `${path}.${k}` });
      }
    }
  }
  return out;
}

const DEEP_MARK = "\u0001layerview-fuzz-deep\u0001";

function weirdValue(rng: Rng, old: Json): { value: Json; what: string } {
  const options: Array<() => { value: Json; what: string }> = [
    () => ({ value: null, what: "null" }),
    () => ({ value: rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 4294967296]), what: "a number" }),
    () => ({ value: rng.pick(["", "x", "sha256:zz", "../../x", "12", "null", "\u0000"]), what: "a string" }),
    () => ({ value: typeof old === "number" ? String(old) : "42", what: "a numeric string" }),
    () => ({ value: rng.chance(0.5), what: "a boolean" }),
    () => ({ value: [], what: "[]" }),
    () => ({ value: {}, what: "{}" }),
    () => ({ value: [old], what: "wrapped in an array" }),
    () => ({ value: { v: old }, what: "wrapped in an object" }),
    () => ({ value: "x".repeat(rng.pick([256, 5000, 1 << 20])), what: "a long string" }),
    () => ({ value: DEEP_MARK, what: `nested ${DEEP} levels` }),
    () => {
      const n = rng.pick([10_000, DEEP]);
      // Copies of a small value only: the case must stay a few MiB.
      const small = JSON.stringify(old ?? null).length <= 200;
      return {
        // Clones, not one shared object: a later change inside one copy must not change them all.
        value: Array.from({ length: n }, () => (small ? structuredClone(old) : null)),
        what: `an array of ${n} ${small ? "copies" : "nulls"}`,
      };
    },
  ];
  return rng.pick(options)();
}

function deepText(rng: Rng): string {
  return rng.chance(0.5)
    ? `${"[".repeat(DEEP)}${"]".repeat(DEEP)}`
    : `${'{"a":'.repeat(DEEP)}1${"}".repeat(DEEP)}`;
}

export function mutateJsonMember(mu: Mutant): void {
  const { rng, log } = mu;
  const candidates = mu.jsonMembers();
  if (candidates.length === 0) return;
  const m = rng.pick(candidates);
  const text = m.data!.toString("utf8").replace(/^\uFEFF/, "");
  let out: string;
  const roll = rng.int(10);
  if (roll === 0) {
    const kind = rng.int(5);
    out =
      kind === 0
        ? text.slice(0, rng.int(text.length))
        : kind === 1
          ? `${text}garbage`
          : kind === 2
            ? `\uFEFF${text}`
            : kind === 3
              ? ""
              : text.replace(/"([^"]{1,40})":/, '"$1":1,"$1":');
    log.push(
      `json text ${["truncated", "trailing garbage", "BOM", "empty", "duplicate key"][kind]}: ${m.name}`,
    );
  } else {
    let root: Json;
    try {
      root = JSON.parse(text) as Json;
    } catch {
      return;
    }
    const n = 1 + rng.int(3);
    const changes: string[] = [];
    for (let i = 0; i < n; i++) {
      const all = slots(root);
      if (all.length === 0) break;
      const s = rng.pick(all);
      if (s.remove && rng.chance(0.15)) {
        s.remove();
        changes.push(`${s.path} removed`);
      } else {
        const { value, what } = weirdValue(rng, s.get());
        s.set(value);
        changes.push(`${s.path} ← ${what}`);
      }
    }
    try {
      out = JSON.stringify(root);
    } catch {
      out = JSON.stringify({ tooBig: true });
      changes.push("(too big to write: replaced by a small object)");
    }
    if (out.includes(DEEP_MARK)) out = out.split(JSON.stringify(DEEP_MARK)).join(deepText(rng));
    log.push(`json ${m.name}: ${changes.join("; ")}`);
  }
  mu.replaceData(m, Buffer.from(out), rng.chance(0.85));
}

// ---- layer tars --------------------------------------------------------------------------------

const longComponent = (n: number) => "c".repeat(n);

function weirdName(rng: Rng, old: string): string {
  return rng.pick([
    () => `${old}/${longComponent(256 + rng.int(200))}`,
    () => `${longComponent(255)}/${longComponent(255)}/x`,
    () => Array.from({ length: 20 }, () => longComponent(250)).join("/"),
    () => `${"d/".repeat(2100 + rng.int(100))}leaf`,
    () => "d/".repeat(20_000),
    () => "../../outside-dest",
    () => `a/../../../outside-dest/${old}`,
    () => "/abs-outside",
    () => "",
    () => ".",
    () => "./",
    () => "//",
    () => `${old}\u0000hidden`,
    () => `${old}//`,
    () => ".wh.",
    () => ".wh..wh..opq",
    () => `${old}/.wh.`,
    () => ".wh...",
    () => `${old}\n\u001b[31mred`,
    () => Buffer.from([0xff, 0xfe, 0x2f, 0x80]).toString("latin1"),
  ])();
}

function weirdTarget(rng: Rng, names: string[]): string {
  return rng.pick([
    () => "",
    () => "t".repeat(rng.pick([255, 4096, 5000, 70_000])),
    () => "/",
    () => "/etc/passwd",
    () => "../../../../../../outside-dest",
    () => rng.pick(names),
    () => `${rng.pick(names)}/..`,
    () => "loop",
    () => "./././.",
    () => "missing/target",
  ])();
}

export function mutateLayerEntries(entries: RawTarEntry[], rng: Rng, log: string[]): RawTarEntry[] {
  const n = 1 + rng.int(3);
  const names = entries.length > 0 ? entries.map((e) => e.name) : ["x"];
  for (let i = 0; i < n; i++) {
    if (entries.length === 0) entries.push({ name: "x", typeflag: "0", data: Buffer.alloc(0) });
    const e = rng.pick(entries);
    switch (rng.int(10)) {
      case 0: {
        const old = e.name;
        e.name = weirdName(rng, old);
        log.push(
          `entry renamed: ${old.slice(0, 40)} → ${JSON.stringify(e.name.slice(0, 60))} (${e.name.length} chars)`,
        );
        break;
      }
      case 1:
        e.typeflag = "2";
        e.linkName = weirdTarget(rng, names);
        e.data = Buffer.alloc(0);
        log.push(
          `entry ${e.name.slice(0, 40)} → symlink to ${JSON.stringify(e.linkName.slice(0, 40))} (${e.linkName.length})`,
        );
        break;
      case 2:
        e.typeflag = "1";
        e.linkName = rng.pick([
          e.name,
          "",
          "missing",
          rng.pick(names),
          `../${rng.pick(names)}`,
          "/etc/passwd",
        ]);
        e.data = Buffer.alloc(0);
        log.push(`entry ${e.name.slice(0, 40)} → hard link to ${JSON.stringify(e.linkName.slice(0, 40))}`);
        break;
      case 3: {
        const t = rng.pick(["0", "5", "2", "1", "3", "4", "6", "7", "Z", "g", "x", "S", "V", "M", "D"]);
        log.push(`entry ${e.name.slice(0, 40)} type ${e.typeflag} → ${t}`);
        e.typeflag = t;
        break;
      }
      case 4:
        e.headerSize = rng.pick([0, 1, 511, 513, (e.data?.length ?? 0) + 512, 2 ** 33, 8 ** 11 - 1]);
        log.push(`entry ${e.name.slice(0, 40)} header size ${e.headerSize} (data ${e.data?.length ?? 0})`);
        break;
      case 5: {
        const [k, v] = rng.pick<[string, string]>([
          ["size", "-1"],
          ["size", "99999999999999999999"],
          ["size", "abc"],
          ["path", "p".repeat(rng.pick([4097, 70_000]))],
          ["linkpath", "l".repeat(70_000)],
          ["mtime", "nan"],
          ["uid", "-5"],
          ["GNU.sparse.major", "1"],
          ["GNU.sparse.map", "0,1,2"],
          ["hdrcharset", "BINARY"],
          ["SCHILY.xattr.security.capability", "\u0000\u0001"],
          ["", "empty-key"],
          ["path", ""],
        ]);
        e.pax = { ...e.pax, [k]: v };
        log.push(
          `entry ${e.name.slice(0, 40)} pax ${k}=${v.slice(0, 20)}${v.length > 20 ? `… (${v.length})` : ""}`,
        );
        break;
      }
      case 6: {
        // At most ~16 MiB of repeated headers and names: the case must stay quick to make.
        const each =
          1024 + Buffer.byteLength(e.name) + (e.data?.length ?? 0) + JSON.stringify(e.pax ?? {}).length;
        const count = Math.min(rng.pick([2, 1000, 5000]), Math.max(2, Math.floor((16 << 20) / each)));
        for (let j = 0; j < count; j++) entries.push({ ...e, name: count === 2 ? e.name : `${e.name}-${j}` });
        log.push(`entry ${e.name.slice(0, 40)} repeated ${count} times`);
        break;
      }
      case 7: {
        const j = rng.int(entries.length);
        const k = rng.int(entries.length);
        [entries[j], entries[k]] = [entries[k]!, entries[j]!];
        log.push("entries reordered");
        break;
      }
      case 8: {
        const dir = e.name.includes("/") ? e.name.slice(0, e.name.lastIndexOf("/") + 1) : "";
        const base = e.name.slice(dir.length);
        const form = rng.pick([`${dir}.wh.${base}`, `${dir}.wh..wh..opq`, `${e.name}/.wh..wh..opq`, ".wh.."]);
        entries.push({
          name: form,
          typeflag: rng.pick(["0", "5", "2"]),
          data: Buffer.alloc(0),
          linkName: "x",
        });
        log.push(`whiteout ${form.slice(0, 60)} added`);
        break;
      }
      default:
        e.data = Buffer.alloc(rng.pick([0, 1, 4096]), rng.int(256));
        e.headerSize = undefined;
        log.push(`entry ${e.name.slice(0, 40)} contents replaced`);
    }
  }
  return entries;
}

export function mutateLayer(mu: Mutant): void {
  const { rng, log } = mu;
  const layers = mu.layerMembers();
  if (layers.length === 0) return;
  const m = rng.pick(layers);
  const c = compressionOf(m.data!);
  const tar = decompress(m.data!, c);
  const entries = tar ? parseTar(tar) : null;
  if (!tar || !entries) return;
  log.push(`layer ${m.name} (${c}):`);
  const mutated = mutateLayerEntries(entries, rng, log);
  const longNames = rng.pick(["pax", "gnu", "prefix"] as const);
  let out = writeTar(mutated, { longNames, base256: rng.chance(0.2), noEndBlocks: rng.chance(0.1) });
  if (rng.chance(0.2)) {
    out = Buffer.from(out);
    const offs = headerOffsets(out);
    if (offs.length > 0) damageHeader(out, rng.pick(offs), rng, log, "layer");
  }
  const recompress = rng.chance(0.1) ? rng.pick(["none", "gzip", "zstd"] as const) : c;
  if (recompress !== c) log.push(`layer recompressed ${c} → ${recompress}`);
  mu.replaceData(m, compress(out, recompress), rng.chance(0.8), { before: tar, after: out });
}

export function mutateCompressed(mu: Mutant): void {
  const { rng, log } = mu;
  const layers = mu.layerMembers().filter((m) => compressionOf(m.data!) !== "none");
  if (layers.length === 0) return;
  const m = rng.pick(layers);
  const d = Buffer.from(m.data!);
  let out: Buffer;
  switch (rng.int(5)) {
    case 0: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const at = 4 + rng.int(d.length - 4);
        d[at] = d[at]! ^ (1 << rng.int(8));
      }
      out = d;
      log.push(`compressed ${m.name}: ${n} bit flips`);
      break;
    }
    case 1:
      out = d.subarray(0, rng.int(d.length));
      log.push(`compressed ${m.name}: truncated to ${out.length}`);
      break;
    case 2:
      out = Buffer.concat([d, Buffer.alloc(1 + rng.int(2000), rng.int(256))]);
      log.push(`compressed ${m.name}: trailing garbage`);
      break;
    case 3:
      out = Buffer.concat([d, d]);
      log.push(`compressed ${m.name}: stream repeated`);
      break;
    default: {
      // A small stream that expands a lot: a bomb within a few MiB of output.
      const c = compressionOf(d);
      out = compress(Buffer.alloc(rng.pick([1 << 20, 64 << 20])), c);
      log.push(
        `compressed ${m.name}: replaced by zeros that expand to ${(out.length / 1024).toFixed(0)} KiB → many MiB`,
      );
    }
  }
  mu.replaceData(m, out, rng.chance(0.7));
}
