/**
 * A deliberately simple overlay of image layers, written from the OCI layer spec (and what engines
 * do where the spec is silent), to check the model against: one Map from path to entry, applied
 * layer by layer, every deletion a scan of the whole map. Nothing here is shared with src/model.
 *
 * The rules, each with where it comes from:
 * - A layer's `.wh..wh..opq` markers, then its `.wh.NAME` markers, apply to the layers below only,
 *   before the layer's own entries whatever their tar order (layer.md). dockerd 20.10 on overlay2
 *   (tried here) differs in two cases no builder writes: a layer with `.wh.d` and `d/` brings the
 *   lower children of d back (the whiteout device is replaced by a plain directory), and a layer
 *   with `f` and then `.wh.f` fails to load (mknod: file exists). The spec's reading is kept.
 * - A marker's directory is a directory of the layer, as a parent of any entry is: dockerd runs
 *   MkdirAll on every header's parent (tried: `a/.wh.b` with no `a` below gives an empty `a/`,
 *   `D/.wh..wh..opq` an empty `D/`), containerd's mkparent does the same.
 * - A missing parent directory is made (0755, root); a lower non-directory standing where a parent
 *   must be is replaced by one (dockerd on overlay2, tried: lower file `g`, entry `g/y` gives `g/`
 *   with `y`; containerd's mkparent makes it in the upper directory). Both engines refuse a layer
 *   whose own earlier entry is that non-directory (ENOTDIR); it is replaced the same way here. A
 *   directory already there is left as it is (containerd's mkparent copies the lower directory's
 *   attributes; dockerd on overlay2 shows its new 0755 directory, tried — containerd's is kept).
 * - A non-directory over a directory replaces it and everything below it; a directory over a
 *   directory changes its attributes only; anything else over anything replaces it.
 * - A path repeated in one layer: its last entry wins, at the last entry's place in the tar.
 * - Hard links stay links (the tar's view): type, and target as an absolute normalised path.
 */

export type NaiveType = "file" | "dir" | "symlink" | "hardlink";

/** One tar header as a generator writes it (the content stands for the file's bytes). */
export interface RawEntry {
  name: string;
  type: NaiveType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  content: string;
  link: string | null;
}

export type Reason = "overwritten" | "deleted" | "opaque" | "replaced";
export type Change = "added" | "modified" | "same";

/** An entry as a layer left it at its path: the header's fields, and what became of it. */
export interface NaiveVersion extends Omit<RawEntry, "name"> {
  /** `${layer}#${entry}` for a layer's own entry (its index among the entries kept), `${layer}#implied`. */
  key: string;
  path: string;
  layer: number;
  entry: number;
  /** Against what the layer below showed at the path. */
  change: Change;
  hiddenAt: number | null;
  reason: Reason | null;
}

export interface NaiveRemoval {
  kind: "whiteout" | "opaque" | "replaced";
  path: string;
  bytes: number;
  paths: number;
  files: number;
  noTarget: boolean;
}

export interface NaiveEvent {
  kind: "added" | "modified" | "replaced" | "rewritten" | "whiteout" | "opaque" | "parent-replaced";
  layer: number;
  /** The version written or removed; null for a whiteout that found nothing. */
  key: string | null;
  /** Removals: the path whose marker or replacement did it. */
  by: string | null;
  /** What a removal of this path itself took away; for a write, what its opaque marker hid. */
  hidden: { paths: number; files: number; bytes: number } | null;
  /** Writes: the fields that differ from what was below (rewritten: mtime at most). */
  changes: string[];
}

export interface NaiveLayer {
  /** Paths present after this layer. */
  view: Map<string, NaiveVersion>;
  /** Paths gone after this layer that it took away (present below, or written by it): the version gone. */
  removed: Map<string, NaiveVersion>;
  removals: NaiveRemoval[];
  size: number;
  entryCount: number;
  fileCount: number;
  added: number;
  modified: number;
  removedFiles: number;
}

const OPAQUE = ".wh..wh..opq";

/** "/a/b" from a raw tar name, or null for one that climbs out of the root. */
export function normalise(raw: string): string[] | null {
  const out: string[] = [];
  for (const part of raw.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out;
}

const join = (segments: readonly string[]) => `/${segments.join("/")}`;
const parentOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";
const under = (path: string, dir: string) => (dir === "/" ? path !== "/" : path.startsWith(`${dir}/`));

function changeOf(below: NaiveVersion | undefined, v: NaiveVersion): Change {
  if (below === undefined) return "added";
  if (below.type !== v.type || below.mode !== v.mode || below.uid !== v.uid || below.gid !== v.gid) {
    return "modified";
  }
  if (v.type === "file") return below.size === v.size && below.content === v.content ? "same" : "modified";
  if (v.type === "symlink" || v.type === "hardlink") return below.link === v.link ? "same" : "modified";
  return "same";
}

function changedFields(below: NaiveVersion, v: NaiveVersion): string[] {
  const out: string[] = [];
  if (below.type !== v.type) out.push("type");
  else if (v.type === "file" && !(below.size === v.size && below.content === v.content)) out.push("content");
  if (below.mode !== v.mode) out.push("mode");
  if (below.uid !== v.uid || below.gid !== v.gid) out.push("owner");
  if (below.type === v.type && below.link !== v.link) out.push("link");
  return out;
}

export class NaiveOverlay {
  readonly layers: NaiveLayer[] = [];
  /** Every version ever visible at a layer's end or taken away within one, in the order written. */
  readonly versions: NaiveVersion[] = [];
  readonly events = new Map<string, NaiveEvent[]>();
  private view = new Map<string, NaiveVersion>();

  private event(path: string, e: NaiveEvent): void {
    const list = this.events.get(path) ?? [];
    list.push(e);
    this.events.set(path, list);
  }

  apply(headers: readonly RawEntry[]): void {
    const L = this.layers.length;
    const below = new Map(this.view);
    const view = this.view;
    const removals: NaiveRemoval[] = [];
    const lastHidden = new Map<string, NaiveVersion>();
    const opaque: string[] = [];
    const whiteouts: string[] = [];
    const markerDirs: string[] = [];
    const entries: { path: string; h: RawEntry }[] = [];
    for (const h of headers) {
      const segs = normalise(h.name);
      if (segs === null) continue;
      const base = segs[segs.length - 1];
      if (base?.startsWith(".wh.")) {
        const dir = join(segs.slice(0, -1));
        if (base === OPAQUE) opaque.push(dir);
        else if (base.startsWith(".wh..wh.")) continue;
        else if ([".wh.", ".wh..", ".wh..."].includes(base)) continue;
        else whiteouts.push(join([...segs.slice(0, -1), base.slice(4)]));
        markerDirs.push(dir);
        continue;
      }
      if (segs.length === 0) throw new Error("the naive overlay takes no entry for the root");
      entries.push({ path: join(segs), h });
    }
    // Last one wins, where it stands.
    const lastAt = new Map<string, number>();
    for (const [i, e] of entries.entries()) lastAt.set(e.path, i);
    const kept = entries.filter((e, i) => lastAt.get(e.path) === i);

    const hide = (v: NaiveVersion, reason: Reason, by: string | null, acc?: NaiveRemoval) => {
      view.delete(v.path);
      v.hiddenAt = L;
      v.reason = reason;
      lastHidden.set(v.path, v);
      if (acc) {
        acc.paths++;
        if (v.type !== "dir") acc.files++;
        if (v.type === "file") acc.bytes += v.size;
      }
      if (reason !== "overwritten") {
        const kind = reason === "deleted" ? "whiteout" : reason === "opaque" ? "opaque" : "parent-replaced";
        this.event(v.path, { kind, layer: L, key: v.key, by, hidden: null, changes: [] });
      }
    };
    /** Hide everything under `path`, and `path` itself when `withSelf`, counting into `acc`. */
    const removeTree = (path: string, withSelf: boolean, reason: Reason, acc: NaiveRemoval) => {
      for (const v of [...view.values()]) {
        if (under(v.path, path) || (withSelf && v.path === path)) hide(v, reason, path, acc);
      }
    };
    const write = (v: NaiveVersion) => {
      v.change = changeOf(below.get(v.path), v);
      view.set(v.path, v);
      this.versions.push(v);
      const b = below.get(v.path);
      const kind =
        v.change === "added"
          ? "added"
          : v.change === "same"
            ? "rewritten"
            : b!.type !== v.type
              ? "replaced"
              : "modified";
      const changes =
        v.change === "added"
          ? []
          : v.change === "same"
            ? b!.mtime !== v.mtime
              ? ["mtime"]
              : []
            : changedFields(b!, v);
      this.event(v.path, { kind, layer: L, key: v.key, by: null, hidden: null, changes });
    };
    const ensureDir = (dir: string) => {
      if (dir === "/") return;
      ensureDir(parentOf(dir));
      const cur = view.get(dir);
      if (cur?.type === "dir") return;
      if (cur) hide(cur, "overwritten", null);
      write({
        key: `${L}#implied`,
        path: dir,
        layer: L,
        entry: -1,
        type: "dir",
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        content: "",
        link: null,
        change: "added",
        hiddenAt: null,
        reason: null,
      });
    };
    const record = (kind: NaiveRemoval["kind"], path: string, noTarget: boolean): NaiveRemoval => ({
      kind,
      path,
      bytes: 0,
      paths: 0,
      files: 0,
      noTarget,
    });
    /** The removal event of `path` itself by its own marker carries what the marker took away. */
    const selfCounts = (path: string, r: NaiveRemoval) => {
      const last = this.events.get(path)?.at(-1);
      if (last && last.layer === L && last.by === path && last.kind !== "opaque" && last.key !== null) {
        last.hidden = { paths: r.paths, files: r.files, bytes: r.bytes };
      }
    };

    for (const dir of opaque) {
      const r = record("opaque", dir, false);
      removeTree(dir, false, "opaque", r);
      removals.push(r);
    }
    for (const target of whiteouts) {
      const r = record("whiteout", target, !view.has(target));
      removeTree(target, true, "deleted", r);
      removals.push(r);
      if (r.noTarget) {
        this.event(target, {
          kind: "whiteout",
          layer: L,
          key: null,
          by: target,
          hidden: { paths: 0, files: 0, bytes: 0 },
          changes: [],
        });
      } else selfCounts(target, r);
    }
    for (const dir of markerDirs) ensureDir(dir);
    kept.forEach(({ path, h }, e) => {
      ensureDir(parentOf(path));
      const type = h.type;
      const v: NaiveVersion = {
        key: `${L}#${e}`,
        path,
        layer: L,
        entry: e,
        type,
        mode: h.mode & 0o7777,
        uid: h.uid,
        gid: h.gid,
        size: type === "file" ? h.size : 0,
        mtime: h.mtime,
        content: type === "file" ? h.content : "",
        link:
          type === "hardlink"
            ? join(normalise(h.link ?? "") ?? [])
            : type === "symlink"
              ? (h.link ?? "")
              : null,
        change: "added",
        hiddenAt: null,
        reason: null,
      };
      const cur = view.get(path);
      const r = record("replaced", path, false);
      if (cur && cur.type === "dir" && type !== "dir") removeTree(path, false, "replaced", r);
      if (cur && cur.layer === L && cur.entry < 0) {
        // The layer's own entry for a directory it implied before: one directory, written once.
        this.versions.splice(this.versions.lastIndexOf(cur), 1);
        const events = this.events.get(path)!;
        events.splice(events.length - 1, 1);
        view.delete(path);
      } else if (cur) hide(cur, "overwritten", null);
      write(v);
      if (r.paths > 0) removals.push(r);
    });
    // A write of a directory this layer made opaque: what the marker hid is part of its story.
    for (const r of removals) {
      if (r.kind !== "opaque" || r.paths === 0) continue;
      for (const e of this.events.get(r.path) ?? []) {
        if (e.layer === L && e.by === null) e.hidden = { paths: r.paths, files: r.files, bytes: r.bytes };
      }
    }

    const removed = new Map<string, NaiveVersion>();
    for (const [path, v] of lastHidden) {
      if (view.has(path)) continue;
      if (v.reason === "overwritten") throw new Error(`naive overlay: ${path} gone, but only overwritten`);
      removed.set(path, v);
    }
    let size = 0;
    let fileCount = 0;
    for (const { h } of kept) {
      if (h.type === "file") size += h.size;
      if (h.type !== "dir") fileCount++;
    }
    const mine = this.versions.filter((v) => v.layer === L && v.entry >= 0 && v.type !== "dir");
    this.layers.push({
      view: new Map(view),
      removed,
      removals,
      size,
      entryCount: headers.length,
      fileCount,
      added: mine.filter((v) => v.change === "added").length,
      modified: mine.filter((v) => v.change === "modified").length,
      removedFiles: removals.reduce((n, r) => n + r.files, 0),
    });
  }
}
