/** `layerview history IMAGE PATH`: one path's versions across the layers, as text and JSON. */
import {
  describeEvent,
  type FileHistory,
  type HistoryChange,
  type HistoryEvent,
} from "../model/file-history.js";
import { formatBytes } from "../model/format-bytes.js";
import type { ImageModel } from "../model/image-model.js";
import { ENTRY_TYPE_NAMES, EntryType } from "../model/layer-contents.js";
import { printable } from "../model/printable.js";
import { padEnd, padStart, truncate } from "./format.js";

/** The mark each kind of event gets in the text, as in the explorer's tree: + added, ~ changed, = same, - gone. */
export const EVENT_MARK: Record<HistoryEvent["kind"], string> = {
  added: "+",
  modified: "~",
  replaced: "~",
  rewritten: "=",
  whiteout: "-",
  opaque: "-",
  "parent-replaced": "-",
};

const clean = printable;

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

/** `-rw-r--r--` for a type and mode. */
export function modeString(type: EntryType, mode: number): string {
  const t =
    type === EntryType.Dir
      ? "d"
      : type === EntryType.Symlink
        ? "l"
        : type === EntryType.CharDevice
          ? "c"
          : type === EntryType.BlockDevice
            ? "b"
            : type === EntryType.Fifo
              ? "p"
              : "-";
  const rwx = (bits: number, special: boolean, ch: string) =>
    `${bits & 4 ? "r" : "-"}${bits & 2 ? "w" : "-"}${special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? "x" : "-"}`;
  return (
    t +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, "s") +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, "s") +
    rwx(mode & 7, (mode & 0o1000) !== 0, "t")
  );
}

function changeJson(c: HistoryChange) {
  switch (c.field) {
    case "type":
      return { field: c.field, from: ENTRY_TYPE_NAMES[c.from], to: ENTRY_TYPE_NAMES[c.to] };
    case "content":
      return { field: c.field, from: c.fromSize, to: c.toSize };
    case "mode":
      return { field: c.field, from: octal(c.from), to: octal(c.to) };
    case "owner":
      return { field: c.field, from: `${c.fromUid}:${c.fromGid}`, to: `${c.toUid}:${c.toGid}` };
    case "link":
      return { field: c.field, from: c.from, to: c.to };
    case "mtime":
      return { field: c.field, from: c.from, to: c.to };
  }
}

function image(model: ImageModel) {
  return { source: model.input.source, reference: model.input.reference, id: model.input.id };
}

/** The `history --json` document (fields described in the README). */
export function historyJson(model: ImageModel, h: FileHistory, requested: string) {
  const top = h.topVersion;
  return {
    schemaVersion: 1,
    image: image(model),
    path: h.path,
    requested,
    layerCount: model.layerCount,
    present: top >= 0,
    final:
      top < 0
        ? null
        : {
            layer: model.versions.layer[top]!,
            type: ENTRY_TYPE_NAMES[model.stack.type(top)],
            size: model.stack.type(top) === EntryType.File ? model.stack.size(top) : 0,
          },
    events: h.events.map((e) => ({
      layer: e.layer,
      diffId: model.layers[e.layer]?.diffId ?? null,
      command: e.command,
      createdBy: e.createdBy,
      kind: e.kind,
      description: describeEvent(e, (n) => model.paths.path(n)),
      type: e.version < 0 ? null : ENTRY_TYPE_NAMES[e.type],
      mode: e.version < 0 ? null : octal(e.mode),
      uid: e.version < 0 ? null : e.uid,
      gid: e.version < 0 ? null : e.gid,
      size: e.size,
      mtime: e.version < 0 ? null : e.mtime,
      link: e.link,
      implied: e.implied,
      changes: e.changes.map(changeJson),
      by: e.by === null ? null : model.paths.path(e.by),
      removed: e.hidden,
    })),
  };
}

function name(model: ImageModel): string {
  const ref = model.input.reference;
  return ref && ref !== model.input.source ? `${ref} (${model.input.source})` : model.input.source;
}

export interface HistoryTextOptions {
  width?: number;
  /** A line saying how the path was found (e.g. through a symlinked directory). */
  note?: string | null;
}

/** The text history: a heading, then each layer that touched the path with its instruction and events. */
export function historyText(model: ImageModel, h: FileHistory, opts: HistoryTextOptions = {}): string {
  const width = Math.max(60, opts.width ?? 100);
  const out: string[] = [];
  const layers = new Set(h.events.map((e) => e.layer)).size;
  const top = h.topVersion;
  const now =
    top < 0
      ? "not in the final image"
      : `in the final image (from layer ${model.versions.layer[top]}): ${ENTRY_TYPE_NAMES[model.stack.type(top)]}${
          model.stack.type(top) === EntryType.File ? `, ${formatBytes(model.stack.size(top))}` : ""
        }`;
  out.push(`${clean(h.path)} in ${clean(name(model))}`);
  if (opts.note) out.push(clean(opts.note));
  out.push(
    `${h.events.length} event${h.events.length === 1 ? "" : "s"} in ${layers} of ${model.layerCount} layers; ${now}`,
  );
  out.push("");
  const SIZE = 9;
  const ATTRS = 10 + 2 + 11;
  let lastLayer = -1;
  for (const e of h.events) {
    if (e.layer !== lastLayer) {
      const head = `layer ${e.layer}`;
      out.push(`${padEnd(head, 9)}${truncate(clean(e.command || "(no instruction)"), width - 9)}`);
      lastLayer = e.layer;
    }
    const mark = EVENT_MARK[e.kind];
    const size = e.version < 0 ? "" : e.type === EntryType.File ? formatBytes(e.size) : "—";
    const attrs = e.version < 0 ? "" : `${modeString(e.type, e.mode)}  ${padEnd(`${e.uid}:${e.gid}`, 11)}`;
    // The description is the point of the line: never cut (the instruction above it is, to the width).
    const what = clean(describeEvent(e, (n) => model.paths.path(n)));
    out.push(`  ${mark} ${padStart(size, SIZE)}  ${padEnd(attrs, ATTRS)}${what}`.trimEnd());
  }
  return `${out.join("\n")}\n`;
}
