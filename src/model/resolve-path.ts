/**
 * Looking a path up in the merged tree as of a layer, the way a process inside the container would
 * see it (chroot semantics): symlinks in the middle of the path are followed within the image, an
 * absolute link target starts again at the image root, `..` stops at the root. Pure.
 */
import type { ImageModel } from "./image-model.js";
import { EntryType } from "./layer-contents.js";
import { ROOT } from "./path-table.js";

const MAX_LINK_HOPS = 40;

export type ResolvedPath =
  | {
      ok: true;
      node: number;
      /** The version visible at `node` (-1 for the root when no layer lists "/" itself). */
      version: number;
      type: EntryType;
      /** The path after following links. */
      path: string;
    }
  | { ok: false; reason: "absent" | "not-a-directory" | "loop"; path: string; message: string };

export interface ResolveOptions {
  /** Follow a symlink in the last component too (default true; extract keeps it as a link). */
  followFinal?: boolean;
}

/** Find `path` as of `layer` (the merged tree after that layer was applied). */
export function resolveImagePath(
  model: ImageModel,
  path: string,
  layer: number,
  opts: ResolveOptions = {},
): ResolvedPath {
  const followFinal = opts.followFinal ?? true;
  const paths = model.paths;
  const stack = model.stack;
  const chain: number[] = [ROOT];
  const queue = path.split("/").reverse();
  let hops = 0;
  const here = () => paths.path(chain[chain.length - 1]!);
  while (queue.length > 0) {
    const part = queue.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (chain.length > 1) chain.pop();
      continue;
    }
    const parent = chain[chain.length - 1]!;
    const child = paths.lookupChild(parent, part);
    const v = child < 0 ? -1 : model.visibleAt(child, layer);
    const where = parent === ROOT ? `/${part}` : `${paths.path(parent)}/${part}`;
    if (v < 0)
      return { ok: false, reason: "absent", path: where, message: `${where}: no such file or directory` };
    const type = stack.type(v);
    const last = !queue.some((p) => p !== "" && p !== ".");
    if (type === EntryType.Symlink && (!last || followFinal)) {
      if (++hops > MAX_LINK_HOPS) {
        return {
          ok: false,
          reason: "loop",
          path: where,
          message: `${where}: too many levels of symbolic links`,
        };
      }
      const target = stack.link(v) ?? "";
      if (target.startsWith("/")) chain.length = 1;
      for (const p of target.split("/").reverse()) queue.push(p);
      continue;
    }
    if (!last && type !== EntryType.Dir) {
      return { ok: false, reason: "not-a-directory", path: where, message: `${where}: not a directory` };
    }
    chain.push(child);
  }
  const node = chain[chain.length - 1]!;
  if (node === ROOT)
    return { ok: true, node, version: model.visibleAt(ROOT, layer), type: EntryType.Dir, path: "/" };
  const version = model.visibleAt(node, layer);
  return { ok: true, node, version, type: stack.type(version), path: here() };
}

/**
 * The regular-file version holding a hardlink's data: the link's target as of the link's own layer
 * (a hard link shares the inode it was made from, whatever later layers write at the target path).
 * Returns the version itself for a regular file, or null when the chain is broken.
 */
export function hardlinkData(model: ImageModel, version: number): number | null {
  const stack = model.stack;
  let v = version;
  for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
    const type = stack.type(v);
    if (type === EntryType.File) return v;
    if (type !== EntryType.Hardlink) return null;
    const target = stack.link(v) ?? "";
    const node = model.paths.lookup(target.split("/").filter(Boolean));
    if (node < 0) return null;
    const next = model.visibleAt(node, model.versions.layer[v]!);
    if (next < 0 || next === v) return null;
    v = next;
  }
  return null;
}
