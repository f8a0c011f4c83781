/**
 * rpm's database (`rpmdb.sqlite`, rpm ≥ 4.16): read with sql.js, SQLite compiled to WebAssembly (no
 * native build), each row of its Packages table an rpm header blob decoded here with limits.
 */
import type { PackageRecord } from "../../model/package-db.js";
import { cleanField } from "./control-fields.js";
import { BadDbFile, MAX_LISTED_FILES, MAX_RECORDS } from "./decode-db.js";

const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  size: 1009,
  arch: 1022,
  dirIndexes: 1116,
  baseNames: 1117,
  dirNames: 1118,
  longSize: 5009,
} as const;
const TYPE = { int32: 4, int64: 5, string: 6, stringArray: 8, i18n: 9 } as const;
/** An rpm header has a few hundred tags; more than this is not one. */
const MAX_TAGS = 100_000;

/** The installed packages of an rpmdb.sqlite file. Throws BadDbFile when it is not one. */
export async function decodeRpmDb(data: Buffer): Promise<PackageRecord[]> {
  if (data.subarray(0, 16).toString("latin1") !== "SQLite format 3\0")
    throw new BadDbFile("it is not an SQLite database");
  // sql.js (and its WebAssembly) loads only for an rpm database: ~25 ms of every start otherwise.
  const { default: initSqlJs } = await import("sql.js");
  const SQL = await initSqlJs();
  let db: InstanceType<typeof SQL.Database> | null = null;
  try {
    db = new SQL.Database(data);
    const rows = db.exec(`SELECT blob FROM Packages LIMIT ${MAX_RECORDS + 1}`)[0]?.values ?? [];
    if (rows.length > MAX_RECORDS) throw new BadDbFile(`it lists more than ${MAX_RECORDS} packages`);
    const out: PackageRecord[] = [];
    let files = 0;
    for (const [blob] of rows) {
      if (!(blob instanceof Uint8Array)) throw new BadDbFile("a Packages row holds no header blob");
      const r = headerRecord(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength));
      files += r.files?.length ?? 0;
      if (files > MAX_LISTED_FILES) throw new BadDbFile(`it lists more than ${MAX_LISTED_FILES} files`);
      if (r.name !== "gpg-pubkey") out.push(r); // imported signing keys are rows too, not packages
    }
    return out;
  } catch (e) {
    if (e instanceof BadDbFile) throw e;
    throw new BadDbFile(`SQLite could not read it (${(e as Error).message})`);
  } finally {
    db?.close();
  }
}

/** One header blob: u32 tag count, u32 data length, 16-byte index entries, the data store. */
function headerRecord(b: Buffer): PackageRecord {
  const bad = (what: string) => new BadDbFile(`a package header is corrupt (${what})`);
  if (b.length < 8) throw bad("too short");
  const il = b.readUInt32BE(0);
  const dl = b.readUInt32BE(4);
  if (il > MAX_TAGS || 8 + il * 16 + dl > b.length) throw bad("its sizes exceed the blob");
  const store = b.subarray(8 + il * 16, 8 + il * 16 + dl);
  const entries = new Map<number, { type: number; offset: number; count: number }>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = b.readUInt32BE(at);
    const offset = b.readInt32BE(at + 8);
    const count = b.readUInt32BE(at + 12);
    if (offset < 0 || offset > dl) throw bad(`tag ${tag} points outside the data`);
    if (!entries.has(tag)) entries.set(tag, { type: b.readUInt32BE(at + 4), offset, count });
  }
  const strings = (tag: number): string[] | null => {
    const e = entries.get(tag);
    if (e === undefined) return null;
    if (e.type !== TYPE.string && e.type !== TYPE.stringArray && e.type !== TYPE.i18n)
      throw bad(`tag ${tag} is not text`);
    const n = e.type === TYPE.string ? 1 : e.count;
    if (n > MAX_LISTED_FILES) throw bad(`tag ${tag} holds too many strings`);
    const out: string[] = [];
    let pos = e.offset;
    for (let k = 0; k < n; k++) {
      const end = store.indexOf(0, pos);
      if (end < 0) throw bad(`tag ${tag} runs past the data`);
      out.push(store.toString("utf8", pos, end));
      pos = end + 1;
    }
    return out;
  };
  const ints = (tag: number): number[] | null => {
    const e = entries.get(tag);
    if (e === undefined) return null;
    const width = e.type === TYPE.int32 ? 4 : e.type === TYPE.int64 ? 8 : 0;
    if (width === 0) throw bad(`tag ${tag} is not a number`);
    if (e.offset + e.count * width > dl) throw bad(`tag ${tag} runs past the data`);
    const out: number[] = [];
    for (let k = 0; k < e.count; k++) {
      const at = e.offset + k * width;
      out.push(width === 4 ? store.readUInt32BE(at) : Number(store.readBigUInt64BE(at)));
    }
    return out;
  };
  const name = cleanField(strings(TAG.name)?.[0]);
  if (name === null) throw bad("no name");
  const epoch = ints(TAG.epoch)?.[0];
  const version = strings(TAG.version)?.[0] ?? "";
  const release = strings(TAG.release)?.[0];
  const full = `${epoch ? `${epoch}:` : ""}${version}${release ? `-${release}` : ""}`;
  const dirs = strings(TAG.dirNames) ?? [];
  const bases = strings(TAG.baseNames) ?? [];
  const index = ints(TAG.dirIndexes) ?? [];
  if (index.length !== bases.length) throw bad("its file lists disagree");
  const files: string[] = [];
  for (let i = 0; i < bases.length; i++) {
    const d = dirs[index[i]!];
    if (d === undefined) throw bad("a file names a directory that is not listed");
    files.push(`${d}${bases[i]}`);
  }
  return {
    manager: "rpm",
    name,
    version: cleanField(full) ?? "",
    arch: cleanField(strings(TAG.arch)?.[0]),
    installedSize: ints(TAG.longSize)?.[0] ?? ints(TAG.size)?.[0] ?? null,
    files,
    root: null,
    joinKey: null,
  };
}
