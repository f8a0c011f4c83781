import { posix } from "node:path";
import { UserError } from "../model/diagnostics.js";

/**
 * Read access to the files of an image archive, whatever holds them (a seekable tar, a directory,
 * or what a one-pass stream kept). Paths are archive paths, normalised by `normalizeArchivePath`.
 */
export interface ArchiveStore {
  /** The archive as the user named it, for messages. */
  readonly label: string;
  /** Size in bytes of the regular file at `path` (links followed), or null when it is not there. */
  size(path: string): number | null;
  /** Contents of a small file (manifests, configs), or null when it is not there. */
  readSmall(path: string): Promise<Buffer | null>;
}

/** JSON files bigger than this are refused (manifests and configs are kilobytes). */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

/** "./a//b/" → "a/b"; null for paths that climb out of the archive root or name nothing. */
export function normalizeArchivePath(raw: string): string | null {
  const n = posix.normalize(`/${raw}`).replace(/^\/+/, "").replace(/\/+$/, "");
  if (n === "" || n === "." || n.startsWith("../") || n === "..") return null;
  return n;
}

/** Where an OCI layout keeps a blob: "sha256:abc" → "blobs/sha256/abc"; null for a malformed digest. */
export function blobPath(digest: string): string | null {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  return m ? `blobs/${m[1]}/${m[2]}` : null;
}

/** The digest a path names, when it names one: blobs/sha256/HEX, HEX.json, sha256:HEX, HEX.tar(.gz). */
export function digestFromPath(path: string): string | null {
  let m = /^blobs\/([a-z0-9+._-]+)\/([a-f0-9]{32,128})$/.exec(path);
  if (m) return `${m[1]}:${m[2]}`;
  m = /^(?:.*\/)?(sha256|sha512):([a-f0-9]{64,128})$/.exec(path);
  if (m) return `${m[1]}:${m[2]}`;
  m = /^([a-f0-9]{64})\.json$/.exec(path);
  if (m) return `sha256:${m[1]}`;
  return null;
}

/**
 * Resolves links between archive entries (podman's `<id>/layer.tar` symlinks, Docker's
 * duplicate-layer symlinks, hard links) to the entry that holds the data.
 */
export function resolveLinks<T>(
  entries: ReadonlyMap<string, T>,
  linkOf: (entry: T) => { kind: "symlink" | "hardlink"; target: string } | null,
  path: string,
): { path: string; entry: T } | null {
  let current = path;
  for (let hops = 0; hops < 32; hops++) {
    const entry = entries.get(current);
    if (entry === undefined) return null;
    const link = linkOf(entry);
    if (link === null) return { path: current, entry };
    const target =
      link.kind === "hardlink" || link.target.startsWith("/")
        ? normalizeArchivePath(link.target)
        : normalizeArchivePath(posix.join(posix.dirname(current), link.target));
    if (target === null) return null;
    current = target;
  }
  return null;
}

/** A manifest, index or config larger than MAX_JSON_BYTES means a damaged or foreign archive. */
export function jsonTooLarge(
  label: string,
  path: string,
  size: number,
  hint = "the archive is damaged or not an image archive",
): UserError {
  return new UserError(`${label}: ${path} is ${size} bytes, too large to be a manifest or config`, hint);
}

/** The link of an archive member shaped `{ kind, target }`, for resolveLinks. */
export function memberLink(m: {
  kind: string;
  target?: string;
}): { kind: "symlink" | "hardlink"; target: string } | null {
  return (m.kind === "symlink" || m.kind === "hardlink") && m.target !== undefined
    ? { kind: m.kind, target: m.target }
    : null;
}
