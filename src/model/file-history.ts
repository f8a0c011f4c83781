/**
 * One path's story across the layers: every version written, what changed from the one before,
 * and every deletion that took it away (whiteout, opaque directory, a directory above replaced by
 * a non-directory). Read off the version table the stack already keeps — nothing is re-scanned but
 * the removals of the layers that hid a version. Pure.
 */
import { formatBytes } from "./format-bytes.js";
import type { ImageModel } from "./image-model.js";
import { ENTRY_TYPE_NAMES, EntryType } from "./layer-contents.js";
import { ROOT } from "./path-table.js";
import { ChangeKind, HiddenReason, NOT_HIDDEN, type Removal } from "./stack.js";

export type HistoryEventKind =
  /** Nothing was at the path below (first written, or written again after a deletion). */
  | "added"
  /** The same type as below, with other content, mode, owner or link target. */
  | "modified"
  /** Another type than below: a file replaced by a directory, a directory by a symlink… */
  | "replaced"
  /** Written again, identical to what was below (only the mtime may differ). */
  | "rewritten"
  /** Deleted by a whiteout (of this path or a directory above it). */
  | "whiteout"
  /** Removed by an opaque directory: this directory, or one above it, was re-created empty. */
  | "opaque"
  /** Removed because a directory above it was replaced by a non-directory. */
  | "parent-replaced";

export type HistoryChange =
  | { field: "type"; from: EntryType; to: EntryType }
  | { field: "content"; fromSize: number; toSize: number }
  | { field: "mode"; from: number; to: number }
  | { field: "owner"; fromUid: number; fromGid: number; toUid: number; toGid: number }
  | { field: "link"; from: string | null; to: string | null }
  | { field: "mtime"; from: number; to: number };

/** What a path was in one version (the version written, or for a removal the one removed). */
export interface VersionAttributes {
  /** Index in the model's version table; -1 for a whiteout that found nothing to delete. */
  version: number;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Regular-file bytes (0 for anything else). */
  size: number;
  mtime: number;
  /** Symlink target (raw) or hardlink target (absolute), else null. */
  link: string | null;
  /** A directory the layer did not list itself, implied by a deeper path in it. */
  implied: boolean;
}

export interface HistoryEvent extends VersionAttributes {
  kind: HistoryEventKind;
  layer: number;
  /** The layer's instruction, one line (what the layers pane shows). */
  command: string;
  /** The raw `created_by` of the layer's history entry, or null when none matches the layer. */
  createdBy: string | null;
  /** modified/replaced/rewritten: what differs from the version below (rewritten: the mtime at most). */
  changes: HistoryChange[];
  /** Removals: the node whose whiteout, opaque marker or replacement did it (this node or one above). */
  by: number | null;
  /** A removal of this path itself: everything it took away, its subtree included. */
  hidden: { paths: number; files: number; bytes: number } | null;
}

export interface FileHistory {
  node: number;
  path: string;
  /** Oldest first; within a layer, a deletion comes before what the same layer wrote again. */
  events: HistoryEvent[];
  /** The version visible at the top of the image, or -1 when the path is gone there. */
  topVersion: number;
}

type RemovalEventKind = "whiteout" | "opaque" | "parent-replaced";

const REMOVAL_EVENT: Record<HiddenReason, RemovalEventKind | null> = {
  [HiddenReason.None]: null,
  [HiddenReason.Overwritten]: null,
  [HiddenReason.Deleted]: "whiteout",
  [HiddenReason.Opaque]: "opaque",
  [HiddenReason.Replaced]: "parent-replaced",
};

const REMOVAL_KIND: Record<RemovalEventKind, Removal["kind"]> = {
  whiteout: "whiteout",
  opaque: "opaque",
  "parent-replaced": "replaced",
};

function attributesOf(model: ImageModel, v: number): VersionAttributes {
  const s = model.stack;
  return {
    version: v,
    type: s.type(v),
    mode: s.mode(v),
    uid: s.uid(v),
    gid: s.gid(v),
    size: s.type(v) === EntryType.File ? s.size(v) : 0,
    mtime: s.mtime(v),
    link: s.link(v) ?? null,
    implied: model.versions.entry[v]! < 0,
  };
}

/** What differs between two versions of one path, in the order a person reads them. */
function versionChanges(before: VersionAttributes, after: VersionAttributes, sameContent: boolean) {
  const out: HistoryChange[] = [];
  if (before.type !== after.type) out.push({ field: "type", from: before.type, to: after.type });
  else if (after.type === EntryType.File && !sameContent)
    out.push({ field: "content", fromSize: before.size, toSize: after.size });
  if (before.mode !== after.mode) out.push({ field: "mode", from: before.mode, to: after.mode });
  if (before.uid !== after.uid || before.gid !== after.gid) {
    out.push({
      field: "owner",
      fromUid: before.uid,
      fromGid: before.gid,
      toUid: after.uid,
      toGid: after.gid,
    });
  }
  if (before.link !== after.link && before.type === after.type)
    out.push({ field: "link", from: before.link, to: after.link });
  return out;
}

/**
 * The removal of `layer` that hid version `v` of `node`: the first of its kind (in the order the
 * stack applied them) made after `v` was written, naming a directory above the node, or for a
 * whiteout the node itself. A removal hides everything then live below the path it names, so the
 * first one after `v` that covers it is the one.
 */
function removalFor(
  model: ImageModel,
  v: number,
  node: number,
  layer: number,
  kind: Removal["kind"],
  ancestors: ReadonlySet<number>,
): Removal | null {
  for (const r of model.removals(layer)) {
    if (r.kind !== kind || v >= r.versionsBefore) continue;
    // Only a whiteout takes its own path; an opaque or replaced directory loses what is below it.
    if (r.node === node ? kind === "whiteout" : ancestors.has(r.node)) return r;
  }
  return null;
}

/** Every version of `node` across the layers, with what changed and what removed it. */
export function fileHistory(model: ImageModel, node: number): FileHistory {
  const paths = model.paths;
  const vs = model.versions;
  const ancestors = new Set<number>();
  for (let a = node; a !== ROOT && a >= 0; ) {
    a = paths.parent(a);
    ancestors.add(a);
  }
  const layerInfo = (layer: number) => {
    const l = model.layers[layer];
    return { layer, command: l?.command ?? "", createdBy: l?.createdBy ?? null };
  };
  const events: HistoryEvent[] = [];
  const versions = model.versionsOf(node);
  // A whiteout naming the path when nothing was there deletes nothing, but a user asking wants to see it.
  const strayWhiteouts: Removal[] = [];
  for (let layer = 0; layer < model.layerCount; layer++) {
    for (const r of model.removals(layer)) if (r.node === node && r.noTarget) strayWhiteouts.push(r);
  }
  let stray = 0;
  const flushStray = (upTo: number) => {
    while (stray < strayWhiteouts.length && strayWhiteouts[stray]!.layer <= upTo) {
      const r = strayWhiteouts[stray++]!;
      events.push({
        kind: "whiteout",
        ...layerInfo(r.layer),
        version: -1,
        type: EntryType.File,
        mode: 0,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        link: null,
        implied: false,
        changes: [],
        by: node,
        hidden: { paths: 0, files: 0, bytes: 0 },
      });
    }
  };
  for (const v of versions) {
    const layer = vs.layer[v]!;
    flushStray(layer);
    const attrs = attributesOf(model, v);
    const change = vs.change[v] as ChangeKind;
    let kind: HistoryEventKind = "added";
    let changes: HistoryChange[] = [];
    // Against what the layer below showed, as the stack measured the change (not this layer's own
    // earlier version of the path, when its tar wrote one and then a path inside it).
    const below = layer > 0 ? model.visibleAt(node, layer - 1) : -1;
    if (change !== ChangeKind.Added && below >= 0) {
      const previous = attributesOf(model, below);
      const same = model.stack.sameContent(below, v);
      changes = versionChanges(previous, attrs, same);
      if (change === ChangeKind.Same) {
        kind = "rewritten";
        changes =
          attrs.mtime !== previous.mtime ? [{ field: "mtime", from: previous.mtime, to: attrs.mtime }] : [];
      } else kind = previous.type !== attrs.type ? "replaced" : "modified";
    }
    // A directory this layer made opaque: what that hid below is part of its story.
    let cleared: HistoryEvent["hidden"] = null;
    for (const r of model.removals(layer)) {
      if (r.kind === "opaque" && r.node === node && r.paths > 0)
        cleared = { paths: r.paths, files: r.files, bytes: r.bytes };
    }
    events.push({ kind, ...layerInfo(layer), ...attrs, changes, by: null, hidden: cleared });
    const hiddenAt = vs.hiddenAt[v]!;
    const removal = REMOVAL_EVENT[vs.hiddenReason[v] as HiddenReason];
    if (hiddenAt !== NOT_HIDDEN && removal !== null) {
      flushStray(hiddenAt - 1);
      const r = removalFor(model, v, node, hiddenAt, REMOVAL_KIND[removal], ancestors);
      const self = r !== null && r.node === node;
      events.push({
        kind: removal,
        ...layerInfo(hiddenAt),
        ...attrs,
        changes: [],
        by: r?.node ?? null,
        hidden: self ? { paths: r.paths, files: r.files, bytes: r.bytes } : null,
      });
    }
  }
  flushStray(Number.POSITIVE_INFINITY);
  return { node, path: paths.path(node), events, topVersion: model.visibleAt(node, model.layerCount - 1) };
}

/** Normalised segments of an absolute or relative path inside the image ("." and ".." resolved). */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out;
}

/** The history of the path as written (no links followed), or null when no layer ever named it. */
export function fileHistoryOfPath(model: ImageModel, path: string): FileHistory | null {
  const node = model.paths.lookup(pathSegments(path));
  if (node < 0) return null;
  const h = fileHistory(model, node);
  return h.events.length === 0 ? null : h;
}

function mode(m: number): string {
  return `0${(m & 0o7777).toString(8).padStart(3, "0")}`;
}

const TYPE_WORDS: Record<EntryType, string> = {
  [EntryType.File]: "a file",
  [EntryType.Dir]: "a directory",
  [EntryType.Symlink]: "a symlink",
  [EntryType.Hardlink]: "a hard link",
  [EntryType.CharDevice]: "a character device",
  [EntryType.BlockDevice]: "a block device",
  [EntryType.Fifo]: "a FIFO",
};

/** One change in words: "content 12 B → 40 B", "mode 0644 → 0600", "type file → dir". */
export function describeChange(c: HistoryChange): string {
  switch (c.field) {
    case "type":
      return `type ${ENTRY_TYPE_NAMES[c.from]} → ${ENTRY_TYPE_NAMES[c.to]}`;
    case "content":
      return c.fromSize === c.toSize
        ? `content (same size, ${formatBytes(c.toSize)})`
        : `content ${formatBytes(c.fromSize)} → ${formatBytes(c.toSize)}`;
    case "mode":
      return `mode ${mode(c.from)} → ${mode(c.to)}`;
    case "owner":
      return `owner ${c.fromUid}:${c.fromGid} → ${c.toUid}:${c.toGid}`;
    case "link":
      return `link ${c.from ?? "—"} → ${c.to ?? "—"}`;
    case "mtime":
      return "mtime only";
  }
}

function hiddenWords(h: { paths: number; files: number; bytes: number }): string {
  const paths = `${h.paths} path${h.paths === 1 ? "" : "s"}`;
  return h.files === h.paths
    ? `${paths}, ${formatBytes(h.bytes)}`
    : `${paths}: ${h.files} files, ${formatBytes(h.bytes)}`;
}

/** What happened in one event, in words, without the layer: "modified: content 3 B → 9 B, mode 0644 → 0600". */
export function describeEvent(e: HistoryEvent, pathOf: (node: number) => string): string {
  const what = e.type === EntryType.Dir ? "directory" : ENTRY_TYPE_NAMES[e.type];
  const changes = (cs: readonly HistoryChange[]) => cs.map(describeChange).join(", ");
  const opaque = e.hidden && e.version >= 0 ? `; made opaque, hiding ${hiddenWords(e.hidden)} below` : "";
  switch (e.kind) {
    case "added": {
      const link = e.link !== null ? ` → ${e.link}` : "";
      return `added ${what}${link}${e.implied ? " (implied by a path inside it)" : ""}${opaque}`;
    }
    case "modified":
      return `modified: ${changes(e.changes)}${opaque}`;
    case "replaced": {
      const rest = changes(e.changes.filter((c) => c.field !== "type"));
      const link = e.link !== null ? ` → ${e.link}` : "";
      return `replaced by ${TYPE_WORDS[e.type]}${link}${rest === "" ? "" : ` (${rest})`}${opaque}`;
    }
    case "rewritten":
      return `written again, identical${e.changes.length > 0 ? " but for the mtime" : ""}${opaque}`;
    case "whiteout":
      if (e.version < 0) return "whiteout, but nothing was there to delete";
      if (e.by === null || e.hidden !== null)
        return `deleted by a whiteout${e.hidden ? ` (${hiddenWords(e.hidden)})` : ""}`;
      return `deleted by a whiteout of ${pathOf(e.by)}`;
    case "opaque":
      return `removed: ${e.by !== null ? pathOf(e.by) : "a directory above"} was re-created empty (opaque)`;
    case "parent-replaced":
      return `removed: ${e.by !== null ? pathOf(e.by) : "a directory above"} was replaced by a non-directory`;
  }
}
