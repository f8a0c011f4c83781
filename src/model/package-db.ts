/**
 * What a source kept of one layer's package databases, already decoded (sources decode the bytes at
 * the boundary, with limits). Pure data: the model stacks it with the layers to know, per layer, which
 * packages are installed and which files each owns.
 */

export type PackageManager = "dpkg" | "apk" | "rpm" | "python" | "npm";

/** The order files are attributed in: a file two databases claim goes to the first manager here. */
export const MANAGER_PRIORITY: readonly PackageManager[] = ["dpkg", "apk", "rpm", "python", "npm"];

/** One installed package as its database declares it. */
export interface PackageRecord {
  manager: PackageManager;
  name: string;
  version: string;
  /** Architecture when the database names one. */
  arch: string | null;
  /** Installed size the database declares, in bytes; null when it declares none. */
  installedSize: number | null;
  /** The files the package owns, absolute paths as listed; null when the list is kept apart (see joinKey). */
  files: readonly string[] | null;
  /** A directory the package owns whole, nested packages below it apart (npm). */
  root: string | null;
  /** Joins the record to a file list kept in another file (dpkg `info/NAME.list`, a dist-info RECORD). */
  joinKey: string | null;
}

/** One kept package database file, decoded. */
export type PackageDbFile =
  | { kind: "records"; records: readonly PackageRecord[] }
  /** The files of one package, kept apart from its record: matched by `joinKey`. */
  | { kind: "file-list"; joinKey: string; files: readonly string[] };

/** The package database files one layer wrote. */
export interface LayerPackageFiles {
  /** Decoded files by normalised path (segments joined by "/", no leading slash). */
  files: ReadonlyMap<string, PackageDbFile>;
  /** What was found but not read, in words (a cap reached, a database format not read, a bad file). */
  notes: readonly string[];
}
