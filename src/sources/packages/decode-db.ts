/**
 * Decoding the package database files a layer carries into the model's records, each with limits.
 * A file that is not what its name says yields an Error whose message says what is wrong with it.
 */
import type { PackageDbFile, PackageRecord } from "../../model/package-db.js";
import { cleanField, controlStanzas, headerFields, joinPath, textLines } from "./control-fields.js";

/** More packages than this in one database file, or files in one list, is not a database we read. */
export const MAX_RECORDS = 100_000;
export const MAX_LISTED_FILES = 1_000_000;

export type DbKind =
  | "dpkg-status"
  | "dpkg-status-d"
  | "dpkg-md5sums"
  | "dpkg-list"
  | "apk-installed"
  | "python-metadata"
  | "python-record"
  | "egg-pkginfo"
  | "egg-files"
  | "npm-package";

export class BadDbFile extends Error {}

/** Decode one kept file of `kind` at absolute `path`. Throws BadDbFile when it is not one. */
export function decodeDbFile(kind: DbKind, path: string, data: Buffer): PackageDbFile {
  const text = data.toString("utf8");
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const base = path.slice(path.lastIndexOf("/") + 1);
  switch (kind) {
    case "dpkg-status":
      return { kind: "records", records: dpkgStatus(text, true) };
    case "dpkg-status-d":
      return { kind: "records", records: dpkgStatus(text, false) };
    case "dpkg-md5sums":
      // distroless: `<md5>  <path relative to the root>` per line
      return {
        kind: "file-list",
        joinKey: `dpkg:${base.slice(0, -".md5sums".length)}`,
        files: listed(
          textLines(text).map((l) => l.replace(/^[0-9a-fA-F]+\s+/, "")),
          "/",
        ),
      };
    case "dpkg-list": {
      const name = base.slice(0, -".list".length).replace(/:[^:]*$/, "");
      return { kind: "file-list", joinKey: `dpkg:${name}`, files: listed(textLines(text), "/") };
    }
    case "apk-installed":
      return { kind: "records", records: apkInstalled(text) };
    case "python-metadata":
    case "egg-pkginfo":
      return { kind: "records", records: [pythonRecord(text, `python:${dir}`)] };
    case "python-record":
      return {
        kind: "file-list",
        joinKey: `python:${dir}`,
        files: listed(textLines(text).map(csvFirst), dir.slice(0, dir.lastIndexOf("/")) || "/"),
      };
    case "egg-files":
      return { kind: "file-list", joinKey: `python:${dir}`, files: listed(textLines(text), dir) };
    case "npm-package":
      return { kind: "records", records: [npmRecord(text, dir)] };
  }
}

/** A Debian-style egg-info that is a single file (PKG-INFO content, no file list). */
export function decodeEggInfoFile(data: Buffer): PackageDbFile {
  const rec = pythonRecord(data.toString("utf8"), null);
  return { kind: "records", records: [rec] };
}

const DPKG_FIELDS = ["package", "status", "version", "architecture", "installed-size"];
/** `install ok installed` and the states of a package half way through (files are on disk). */
const DPKG_PRESENT = new Set([
  "installed",
  "half-installed",
  "unpacked",
  "half-configured",
  "triggers-awaited",
  "triggers-pending",
]);

function dpkgStatus(text: string, needStatus: boolean): PackageRecord[] {
  const out: PackageRecord[] = [];
  const stanzas = controlStanzas(text, DPKG_FIELDS, MAX_RECORDS + 1);
  if (stanzas.length > MAX_RECORDS) throw new BadDbFile(`it lists more than ${MAX_RECORDS} packages`);
  for (const s of stanzas) {
    const name = cleanField(s.get("package"));
    if (name === null) {
      if (s.size === 0) continue;
      throw new BadDbFile("a stanza has no valid Package field");
    }
    const status = s.get("status");
    if (status !== undefined || needStatus) {
      const state = status?.trim().split(/\s+/)[2];
      if (state === undefined || !DPKG_PRESENT.has(state)) continue;
    }
    const kib = s.get("installed-size");
    const size = kib !== undefined && /^\d{1,12}$/.test(kib) ? Number(kib) * 1024 : null;
    out.push({
      manager: "dpkg",
      name,
      version: cleanField(s.get("version")) ?? "",
      arch: cleanField(s.get("architecture")),
      installedSize: size,
      files: null,
      root: null,
      joinKey: `dpkg:${name}`,
    });
  }
  if (out.length === 0 && text.trim() !== "" && stanzas.every((s) => !s.has("package"))) {
    throw new BadDbFile("it holds no Package stanza");
  }
  return out;
}

function apkInstalled(text: string): PackageRecord[] {
  const out: PackageRecord[] = [];
  let cur: { p?: string; v?: string; a?: string; i?: string; files: string[] } | null = null;
  let dir = "";
  let files = 0;
  const flush = () => {
    if (cur === null) return;
    const name = cleanField(cur.p);
    if (name === null) throw new BadDbFile("a package entry has no valid P: line");
    if (out.length >= MAX_RECORDS) throw new BadDbFile(`it lists more than ${MAX_RECORDS} packages`);
    out.push({
      manager: "apk",
      name,
      version: cleanField(cur.v) ?? "",
      arch: cleanField(cur.a),
      installedSize: cur.i !== undefined && /^\d{1,15}$/.test(cur.i) ? Number(cur.i) : null,
      files: cur.files,
      root: null,
      joinKey: null,
    });
    cur = null;
  };
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") {
      flush();
      continue;
    }
    if (line.length < 2 || line[1] !== ":")
      throw new BadDbFile(`a line does not start with 'X:' (${JSON.stringify(line.slice(0, 40))})`);
    cur ??= { files: [] };
    const v = line.slice(2);
    switch (line[0]) {
      case "P":
        cur.p = v;
        dir = "";
        break;
      case "V":
        cur.v = v;
        break;
      case "A":
        cur.a = v;
        break;
      case "I":
        cur.i = v;
        break;
      case "F":
        dir = v;
        break;
      case "R": {
        const p = joinPath(`/${dir}`, v);
        if (p !== null && ++files <= MAX_LISTED_FILES) cur.files.push(p);
        break;
      }
    }
  }
  flush();
  if (files > MAX_LISTED_FILES) throw new BadDbFile(`it lists more than ${MAX_LISTED_FILES} files`);
  return out;
}

function pythonRecord(text: string, joinKey: string | null): PackageRecord {
  const h = headerFields(text, ["name", "version"]);
  const name = cleanField(h.get("name"));
  if (name === null) throw new BadDbFile("it has no valid Name header");
  return {
    manager: "python",
    name,
    version: cleanField(h.get("version")) ?? "",
    arch: null,
    installedSize: null,
    files: null,
    root: null,
    joinKey,
  };
}

function npmRecord(text: string, dir: string): PackageRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BadDbFile(`it is not JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new BadDbFile("it is not a JSON object");
  const o = json as Record<string, unknown>;
  const fromDir = dir.slice(dir.lastIndexOf("/node_modules/") + "/node_modules/".length);
  const name = cleanField(typeof o.name === "string" ? o.name : fromDir) ?? cleanField(fromDir);
  if (name === null) throw new BadDbFile("it names no package");
  return {
    manager: "npm",
    name,
    version: cleanField(typeof o.version === "string" ? o.version : undefined) ?? "",
    arch: null,
    installedSize: null,
    files: null,
    root: dir,
    joinKey: null,
  };
}

/** The first field of a CSV line (RECORD: `path,hash,size`; a path with a comma is quoted). */
function csvFirst(line: string): string {
  if (!line.startsWith('"')) {
    const comma = line.indexOf(",");
    return comma === -1 ? line : line.slice(0, comma);
  }
  let out = "";
  for (let i = 1; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (line[i + 1] === '"') {
        out += '"';
        i++;
      } else break;
    } else out += c;
  }
  return out;
}

function listed(lines: readonly string[], base: string): string[] {
  if (lines.length > MAX_LISTED_FILES) throw new BadDbFile(`it lists more than ${MAX_LISTED_FILES} files`);
  const out: string[] = [];
  for (const l of lines) {
    const p = joinPath(base, l);
    if (p !== null) out.push(p);
  }
  return out;
}
