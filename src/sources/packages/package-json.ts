/**
 * A layer's decoded package databases as JSON and back, for the layer index cache. The cache file is
 * checksummed, but it is still a file on disk: reading checks every field and limit again.
 */
import type {
  LayerPackageFiles,
  PackageDbFile,
  PackageManager,
  PackageRecord,
} from "../../model/package-db.js";
import { MAX_FIELD } from "./control-fields.js";
import { MAX_LISTED_FILES, MAX_RECORDS } from "./decode-db.js";
import { MAX_LAYER_KEPT_FILES } from "./package-keeper.js";

const MANAGERS: readonly PackageManager[] = ["dpkg", "apk", "rpm", "python", "npm"];

export function packagesToJson(p: LayerPackageFiles): string {
  return JSON.stringify({ files: [...p.files], notes: p.notes });
}

/** Null when the text is not what `packagesToJson` writes. */
export function packagesFromJson(text: string): LayerPackageFiles | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || !Array.isArray(v.files) || !Array.isArray(v.notes)) return null;
  if (v.files.length > MAX_LAYER_KEPT_FILES || v.notes.length > 100) return null;
  if (!v.notes.every((n) => typeof n === "string")) return null;
  const files = new Map<string, PackageDbFile>();
  for (const f of v.files) {
    if (!Array.isArray(f) || f.length !== 2 || !isString(f[0])) return null;
    const db = dbFile(f[1]);
    if (db === null) return null;
    files.set(f[0], db);
  }
  return { files, notes: v.notes as string[] };
}

function dbFile(v: unknown): PackageDbFile | null {
  if (!isObject(v)) return null;
  if (v.kind === "file-list") {
    if (!isString(v.joinKey) || !paths(v.files)) return null;
    return { kind: "file-list", joinKey: v.joinKey, files: v.files as string[] };
  }
  if (v.kind !== "records" || !Array.isArray(v.records) || v.records.length > MAX_RECORDS) return null;
  const records: PackageRecord[] = [];
  for (const r of v.records) {
    if (!isObject(r) || !MANAGERS.includes(r.manager as PackageManager)) return null;
    if (!isString(r.name) || !isString(r.version) || !orNull(r.arch, isString)) return null;
    if (!orNull(r.installedSize, (x) => typeof x === "number" && Number.isFinite(x) && x >= 0)) return null;
    if (!orNull(r.files, paths) || !orNull(r.root, isString) || !orNull(r.joinKey, isString)) return null;
    records.push({
      manager: r.manager as PackageManager,
      name: r.name,
      version: r.version,
      arch: r.arch as string | null,
      installedSize: r.installedSize as number | null,
      files: r.files as string[] | null,
      root: r.root as string | null,
      joinKey: r.joinKey as string | null,
    });
  }
  return { kind: "records", records };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string" && v.length <= 4 * MAX_FIELD;
const orNull = (v: unknown, ok: (x: unknown) => boolean) => v === null || ok(v);
const paths = (v: unknown) =>
  Array.isArray(v) &&
  v.length <= MAX_LISTED_FILES &&
  v.every((p) => typeof p === "string" && p.startsWith("/"));
