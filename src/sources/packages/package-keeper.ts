/**
 * Which members of a layer tar are package databases, and keeping them while the layer streams by:
 * only those files, each within a size cap, a layer within a total, decoded as each one ends so
 * the bytes are let go at once. Never a whole layer.
 */

import { parseEntryName } from "../../model/layer-contents.js";
import type { LayerPackageFiles, PackageDbFile } from "../../model/package-db.js";
import { BadDbFile, type DbKind, decodeDbFile, decodeEggInfoFile } from "./decode-db.js";
import { decodeRpmDb } from "./decode-rpm.js";

type KeptKind = DbKind | "egg-info-file" | "rpm";

const MiB = 1024 * 1024;
/** The largest file of each kind that is kept; a bigger one is noted and skipped. */
const MAX_BYTES: Record<KeptKind, number> = {
  "dpkg-status": 64 * MiB,
  "dpkg-status-d": 1 * MiB,
  "dpkg-md5sums": 16 * MiB,
  "dpkg-list": 16 * MiB,
  "apk-installed": 64 * MiB,
  "python-metadata": 4 * MiB,
  "python-record": 16 * MiB,
  "egg-pkginfo": 4 * MiB,
  "egg-files": 16 * MiB,
  "egg-info-file": 4 * MiB,
  "npm-package": 1 * MiB,
  rpm: 256 * MiB,
};
/** What one layer may keep in all. */
export const MAX_LAYER_KEPT_BYTES = 256 * MiB;
export const MAX_LAYER_KEPT_FILES = 200_000;
const MAX_NOTES = 20;

/** A member of a layer tar to keep the data of: asked at its header, handed the data at its end. */
export interface MemberKeeper {
  /** Whether to keep the data of the regular file `name` (raw, as in the tar) of `size` bytes. */
  wants(name: string, size: number): boolean;
  /** The whole data of the member `wants` last said yes to. */
  keep(data: Buffer): void;
}

/** The package-database files of one layer. */
export class PackageDbKeeper implements MemberKeeper {
  private readonly files = new Map<string, PackageDbFile>();
  private readonly notes: string[] = [];
  private moreNotes = 0;
  private bytes = 0;
  private count = 0;
  private capNoted = false;
  private pendingKind: KeptKind | null = null;
  private pendingPath = "";
  /** rpm databases wait for the layer's end: SQLite (WebAssembly) is read asynchronously. */
  private readonly rpm: { path: string; data: Buffer }[] = [];

  wants(name: string, size: number): boolean {
    if (!mayBeDb(name)) return false;
    const parsed = parseEntryName(name);
    if (parsed.kind !== "entry") return false;
    const kind = classify(parsed.segments);
    if (kind === null) return false;
    const path = parsed.segments.join("/");
    if (size > MAX_BYTES[kind]) {
      this.note(
        `/${path}: not read, ${size} bytes is over the ${MAX_BYTES[kind]}-byte limit for such a file`,
      );
      return false;
    }
    if (this.bytes + size > MAX_LAYER_KEPT_BYTES || this.count >= MAX_LAYER_KEPT_FILES) {
      if (!this.capNoted) {
        this.capNoted = true;
        this.note(
          `package databases past /${path} were not read: the layer holds more than ${MAX_LAYER_KEPT_FILES} such files or ${MAX_LAYER_KEPT_BYTES} bytes of them`,
        );
      }
      return false;
    }
    this.bytes += size;
    this.count++;
    this.pendingKind = kind;
    this.pendingPath = path;
    return true;
  }

  keep(data: Buffer): void {
    const kind = this.pendingKind;
    if (kind === null) return;
    this.pendingKind = null;
    const path = this.pendingPath;
    if (kind === "rpm") {
      this.rpm.push({ path, data });
      return;
    }
    try {
      const decoded =
        kind === "egg-info-file" ? decodeEggInfoFile(data) : decodeDbFile(kind, `/${path}`, data);
      this.files.set(path, decoded);
    } catch (e) {
      if (!(e instanceof BadDbFile)) throw e;
      this.files.delete(path);
      this.note(`/${path}: not read as a package database: ${e.message}`);
    }
  }

  /** The layer's decoded databases; call once, after the layer's last entry. */
  async finish(): Promise<LayerPackageFiles> {
    for (const { path, data } of this.rpm.splice(0)) {
      try {
        this.files.set(path, { kind: "records", records: await decodeRpmDb(data) });
      } catch (e) {
        if (!(e instanceof BadDbFile)) throw e;
        this.files.delete(path);
        this.note(`/${path}: not read as a package database: ${e.message}`);
      }
    }
    const notes =
      this.moreNotes > 0 ? [...this.notes, `${this.moreNotes} more package database notes`] : this.notes;
    return { files: this.files, notes };
  }

  private note(message: string): void {
    if (this.notes.length < MAX_NOTES) this.notes.push(message);
    else this.moreNotes++;
  }
}

/**
 * A cheap first test on the raw name, run for every entry of every layer: the last character and a
 * suffix decide before any name is parsed.
 */
function mayBeDb(name: string): boolean {
  const n = name.endsWith("/") ? name.slice(0, -1) : name;
  switch (n.charCodeAt(n.length - 1)) {
    case 0x6e: // n
      return n.endsWith("/package.json") && n.includes("node_modules/");
    case 0x73: // s
      return n.endsWith("dpkg/status") || n.endsWith(".md5sums") || n.includes("dpkg/status.d/");
    case 0x74: // t
      return (
        n.endsWith(".list") || n.endsWith(".egg-info/installed-files.txt") || n.includes("dpkg/status.d/")
      );
    case 0x64: // d
      return n.endsWith("apk/db/installed") || n.includes("dpkg/status.d/");
    case 0x65: // e
      return n.endsWith("rpm/rpmdb.sqlite") || n.includes("dpkg/status.d/");
    case 0x41: // A
      return n.endsWith(".dist-info/METADATA");
    case 0x44: // D
      return n.endsWith(".dist-info/RECORD");
    case 0x4f: // O
      return n.endsWith(".egg-info/PKG-INFO");
    case 0x6f: // o
      return n.endsWith(".egg-info") || n.includes("dpkg/status.d/");
    default:
      return n.includes("dpkg/status.d/");
  }
}

function classify(seg: readonly string[]): KeptKind | null {
  const n = seg.length;
  const base = seg[n - 1] ?? "";
  const parent = seg[n - 2] ?? "";
  const at = (...want: string[]) => n === want.length + 1 && want.every((w, i) => seg[i] === w);
  if (base === "status" && n === 4 && at("var", "lib", "dpkg")) return "dpkg-status";
  if (at("var", "lib", "dpkg", "status.d"))
    return base.endsWith(".md5sums") ? "dpkg-md5sums" : "dpkg-status-d";
  if (base.endsWith(".list") && base.length > 5 && at("var", "lib", "dpkg", "info")) return "dpkg-list";
  if (base === "installed" && at("lib", "apk", "db")) return "apk-installed";
  if (base === "rpmdb.sqlite" && (at("var", "lib", "rpm") || at("usr", "lib", "sysimage", "rpm")))
    return "rpm";
  if (parent.endsWith(".dist-info") && parent.length > 10) {
    if (base === "METADATA") return "python-metadata";
    if (base === "RECORD") return "python-record";
  }
  if (parent.endsWith(".egg-info") && parent.length > 9) {
    if (base === "PKG-INFO") return "egg-pkginfo";
    if (base === "installed-files.txt") return "egg-files";
  }
  if (base.endsWith(".egg-info") && base.length > 9 && /-packages$/.test(parent)) return "egg-info-file";
  if (base === "package.json" && n >= 3) {
    if (seg[n - 3] === "node_modules") return "npm-package";
    if (n >= 4 && seg[n - 4] === "node_modules" && (seg[n - 3] ?? "").startsWith("@")) return "npm-package";
  }
  return null;
}
