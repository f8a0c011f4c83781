/**
 * `layerview extract`: copy a file or directory of an image, as of a layer, into a directory on disk,
 * safely: every name comes from the image's normalised path table (no "..", no absolute paths), nothing
 * is written through a symlink (files are opened O_EXCL|O_NOFOLLOW, symlinks are created last and are
 * never followed, an existing symlink inside DEST stops the extraction), and existing files are kept
 * unless `force` is set. Data is streamed from the layer blobs, one blob at a time.
 */
import { constants } from "node:fs";
import { chmod, copyFile, lstat, mkdir, open, realpath, symlink, unlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../model/diagnostics.js";
import { EntryType } from "../model/layer-contents.js";
import { ROOT } from "../model/path-table.js";
import { hardlinkData } from "../model/resolve-path.js";
import type { ImageContent } from "./content.js";
import { writeAll } from "./stream-io.js";

export interface ExtractOptions {
  /** Layer whose merged tree to extract from (default: the top layer). */
  layer?: number;
  /** Replace existing files and symlinks in DEST (never directories, never through symlinks). */
  force?: boolean;
  /** Called for things left out (devices, fifos, broken hard links). */
  onWarning?: (message: string) => void;
}

export interface ExtractSummary {
  /** Where PATH went: DEST itself for "/", else DEST/<name of PATH>. */
  target: string;
  directories: number;
  files: number;
  symlinks: number;
  bytes: number;
  skipped: number;
}

interface Planned {
  node: number;
  version: number;
  type: EntryType;
  /** Path relative to DEST, as segments. */
  rel: string[];
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

export async function extractPath(
  content: ImageContent,
  path: string,
  dest: string,
  opts: ExtractOptions = {},
): Promise<ExtractSummary> {
  const model = content.model;
  const stack = model.stack;
  const paths = model.paths;
  const layer = content.checkLayer(opts.layer);
  const warn = opts.onWarning ?? (() => {});
  const r = content.resolve(path, layer, false);
  if (!r.ok) {
    throw new UserError(
      `${r.message} (looking up ${path} in ${model.input.source} as of layer ${layer})`,
      "pick another path or --layer",
    );
  }

  // What to write: the subtree of PATH as the merged tree shows it at `layer`.
  const base = r.node === ROOT ? [] : [paths.name(r.node)];
  const planned: Planned[] = [];
  const todo: { node: number; rel: string[] }[] = [{ node: r.node, rel: base }];
  while (todo.length > 0) {
    const { node, rel } = todo.pop()!;
    const version = node === r.node ? r.version : model.visibleAt(node, layer);
    if (version < 0 && node !== ROOT) continue;
    const type = version < 0 ? EntryType.Dir : stack.type(version);
    for (const s of rel) checkName(s);
    planned.push({ node, version, type, rel });
    if (type !== EntryType.Dir) continue;
    for (let c = paths.firstChild(node); c !== -1; c = paths.nextSibling(c)) {
      todo.push({ node: c, rel: [...rel, paths.name(c)] });
    }
  }
  planned.sort((a, b) => a.rel.length - b.rel.length || cmp(a.rel.join("/"), b.rel.join("/")));

  await mkdir(dest, { recursive: true });
  const root = await realpath(dest);
  if (!(await lstat(root)).isDirectory()) throw new UserError(`${dest} is not a directory`);
  const target = join(root, ...base);
  const summary: ExtractSummary = { target, directories: 0, files: 0, symlinks: 0, bytes: 0, skipped: 0 };
  const fits = fitToFilesystem(planned, root, summary, warn, (p) => paths.path(p.node));
  planned.length = 0;
  planned.push(...fits);

  // Look before writing anything: conflicts, and symlinks that writing would go through.
  const conflicts: string[] = [];
  const replace = new Set<string>();
  for (const p of planned) {
    if (p.rel.length === 0) continue;
    const full = join(root, ...p.rel);
    const st = await lstat(full).catch(() => null);
    if (st === null) continue;
    if (p.type === EntryType.Dir) {
      if (st.isDirectory()) continue;
      if (st.isSymbolicLink()) {
        throw new UserError(
          `${full} is a symlink where the image has a directory; refusing to write through it`,
        );
      }
      conflicts.push(full);
    } else if (st.isDirectory()) {
      throw new UserError(
        `${full} is a directory where the image has a ${typeName(p.type)}; refusing to replace it`,
      );
    } else if (opts.force) {
      replace.add(full);
    } else {
      conflicts.push(full);
    }
  }
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, 5).join(", ");
    throw new UserError(
      `${conflicts.length} path${conflicts.length === 1 ? "" : "s"} already exist${conflicts.length === 1 ? "s" : ""} in ${dest}: ${shown}${conflicts.length > 5 ? ", …" : ""}`,
      "extract into an empty directory, or pass --force to replace existing files",
    );
  }

  const dirs: Planned[] = [];
  const files: Planned[] = [];
  const links: Planned[] = [];
  for (const p of planned) {
    if (p.type === EntryType.Dir) dirs.push(p);
    else if (p.type === EntryType.File || p.type === EntryType.Hardlink) files.push(p);
    else if (p.type === EntryType.Symlink) links.push(p);
    else {
      summary.skipped++;
      warn(`skipped ${paths.path(p.node)}: a ${typeName(p.type)} cannot be extracted`);
    }
  }

  try {
    // Directories first, writable for now; their own modes are set at the end.
    for (const d of dirs) {
      if (d.rel.length === 0) continue;
      await mkdir(join(root, ...d.rel), { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e;
      });
      summary.directories++;
    }

    // Files: each data-bearing version is streamed once; hard links to it get copies.
    const destinations = new Map<number, string[]>();
    const meta = new Map<string, { mode: number; mtime: number }>();
    for (const f of files) {
      const full = join(root, ...f.rel);
      const data = stack.type(f.version) === EntryType.File ? f.version : hardlinkData(model, f.version);
      if (data === null) {
        summary.skipped++;
        warn(`skipped ${paths.path(f.node)}: a hard link whose target is not in the image`);
        continue;
      }
      const list = destinations.get(data);
      if (list) list.push(full);
      else destinations.set(data, [full]);
      meta.set(full, { mode: stack.mode(data), mtime: stack.mtime(f.version) });
    }
    const written = new Set<string>();
    const createFile = async (full: string) => {
      if (replace.has(full) && !written.has(full)) await unlink(full).catch(() => {});
      return open(
        full,
        written.has(full) ? constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0) : WRITE_FLAGS,
        0o600,
      );
    };
    const empty = [...destinations.keys()].filter((v) => stack.size(v) === 0);
    for (const v of empty) {
      for (const full of destinations.get(v)!) {
        await (await createFile(full)).close();
        written.add(full);
        summary.files++;
      }
    }
    const withData = [...destinations.keys()].filter((v) => stack.size(v) > 0);
    const seen = new Set<number>();
    await content.fetchVersions(withData, async (v, data) => {
      const [first, ...others] = destinations.get(v)!;
      const fh = await createFile(first!);
      let bytes = 0;
      try {
        bytes = await writeAll(data, fh);
      } catch (e) {
        // A write error names no file; the message must.
        if (e && typeof e === "object" && !("path" in e)) Object.assign(e, { path: first });
        throw e;
      } finally {
        await fh.close();
      }
      if (!written.has(first!)) {
        summary.files++;
        summary.bytes += bytes;
      }
      written.add(first!);
      for (const other of others) {
        if (written.has(other) || replace.has(other)) await unlink(other).catch(() => {});
        await copyFile(first!, other, constants.COPYFILE_EXCL);
        if (!written.has(other)) summary.files++;
        written.add(other);
      }
      seen.add(v);
    });
    for (const v of withData) if (!seen.has(v)) throw content.notInBlob(v);

    // Symlinks last, so nothing above can have been written through one.
    for (const l of links) {
      const full = join(root, ...l.rel);
      const link = stack.link(l.version) ?? "";
      const why =
        link === ""
          ? "its target is empty"
          : Buffer.byteLength(link) >= PATH_MAX
            ? `its target is ${Buffer.byteLength(link)} bytes long (the limit is ${PATH_MAX - 1})`
            : null;
      if (why !== null) {
        summary.skipped++;
        warn(`skipped ${paths.path(l.node)}: a symlink the filesystem cannot hold: ${why}`);
        continue;
      }
      if (replace.has(full)) await unlink(full).catch(() => {});
      await symlink(link, full);
      summary.symlinks++;
    }

    // Modes and times: files, then directories deepest first (a read-only directory is set last).
    for (const [full, m] of meta) {
      if (!written.has(full)) continue;
      await chmod(full, m.mode & 0o1777);
      await utimes(full, m.mtime, m.mtime).catch(() => {});
    }
    for (const d of [...dirs].reverse()) {
      if (d.rel.length === 0 || d.version < 0) continue;
      const full = join(root, ...d.rel);
      await chmod(full, stack.mode(d.version) & 0o1777);
      await utimes(full, stack.mtime(d.version), stack.mtime(d.version)).catch(() => {});
    }
  } catch (e) {
    throw writeFailure(e, path, summary);
  }
  return summary;
}

/** Longest name of one path component, and of a whole path, that Linux filesystems take. */
export const NAME_MAX = 255;
export const PATH_MAX = 4096;

/**
 * The planned entries the filesystem can hold: a component over NAME_MAX bytes or a path over
 * PATH_MAX is skipped with a warning (a directory with everything under it, counted once).
 */
function fitToFilesystem(
  planned: Planned[],
  root: string,
  summary: ExtractSummary,
  warn: (m: string) => void,
  name: (p: Planned) => string,
): Planned[] {
  const rootBytes = Buffer.byteLength(root);
  const skippedDirs = new Map<string, { shown: string; under: number }>();
  const out: Planned[] = [];
  for (const p of planned) {
    let parent: { shown: string; under: number } | undefined;
    for (let i = p.rel.length - 1; i > 0 && parent === undefined; i--)
      parent = skippedDirs.get(p.rel.slice(0, i).join("/"));
    if (parent) {
      parent.under++;
      continue;
    }
    const long = p.rel.find((s) => Buffer.byteLength(s) > NAME_MAX);
    const pathBytes = rootBytes + p.rel.reduce((n, s) => n + 1 + Buffer.byteLength(s), 0);
    const why = long
      ? `a name of ${Buffer.byteLength(long)} bytes (the limit is ${NAME_MAX})`
      : pathBytes >= PATH_MAX
        ? `a path of ${pathBytes} bytes in ${root} (the limit is ${PATH_MAX - 1})`
        : null;
    if (why === null) {
      out.push(p);
      continue;
    }
    summary.skipped++;
    if (p.type === EntryType.Dir) skippedDirs.set(p.rel.join("/"), { shown: `${name(p)}: ${why}`, under: 0 });
    else warn(`skipped ${name(p)}: ${why}`);
  }
  for (const d of skippedDirs.values()) {
    warn(
      `skipped ${d.shown}${d.under > 0 ? `, and the ${d.under} entr${d.under === 1 ? "y" : "ies"} under it` : ""}`,
    );
    summary.skipped += d.under;
  }
  return out;
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exhausted",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted",
  EROFS: "the filesystem is read-only",
  ENAMETOOLONG: "the name is too long for the filesystem",
  EIO: "an input/output error",
  EMFILE: "too many open files",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "it exists already",
  ELOOP: "it is a symlink",
  EINVAL: "the filesystem does not take this name",
  EILSEQ: "the filesystem does not take this name",
};

/** A failed write as one clear line: where, why, and what was written before it. */
function writeFailure(e: unknown, path: string, s: ExtractSummary): unknown {
  const err = e as NodeJS.ErrnoException;
  const why = err?.code ? WRITE_ERRORS[err.code] : undefined;
  if (why === undefined || e instanceof UserError) return e;
  const done = `${s.files} file${s.files === 1 ? "" : "s"}, ${s.directories} director${s.directories === 1 ? "y" : "ies"} and ${s.symlinks} symlink${s.symlinks === 1 ? "" : "s"}`;
  return new UserError(
    `cannot write ${err.path ?? s.target}: ${why} (${err.code}); ${done} of ${path} were written to ${s.target} before that, the rest was not: the extraction is incomplete`,
    err.code === "ENOSPC" || err.code === "EDQUOT"
      ? "free some space, or extract a smaller PATH"
      : "extract somewhere else",
  );
}

/** Names come from the path table, which never holds "", "." or ".."; checked anyway. */
function checkName(s: string): void {
  if (s === "" || s === "." || s === ".." || s.includes("/") || s.includes("\0")) {
    throw new UserError(`refusing to extract an entry named '${s}'`);
  }
}

function typeName(t: EntryType): string {
  return (
    ["file", "directory", "symlink", "hard link", "character device", "block device", "fifo"][t] ?? "entry"
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
