/** One file-tree row as styled segments: marker, attributes, guides, name, link target, hidden-later tag. */
import { type ImageModel, NodeStatus } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { HiddenReason } from "../../model/stack.js";
import { formatBytes, formatMode } from "../render/format.js";
import { displayWidth, padStart, sanitize, truncate } from "../render/text.js";
import { HIDDEN_LATER, type Line, type Segment, STYLES, statusLook } from "../render/theme.js";
import type { VisibleRow } from "../tree/visible-tree.js";

export interface RowFacts {
  status: NodeStatus;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** A file's bytes, a directory's subtree bytes as of the layer. */
  size: number;
  link: string | undefined;
  /** The later layer that overwrites or deletes this version, if any. */
  hiddenBy: number | null;
  hiddenReason: HiddenReason;
}

export function rowFacts(model: ImageModel, layer: number, node: number, subtreeSize: number): RowFacts {
  const st = model.stateAt(node, layer);
  const stack = model.stack;
  const v = st.version;
  const present = v >= 0;
  return {
    status: st.status,
    type: present ? stack.type(v) : EntryType.Dir,
    mode: present ? stack.mode(v) : 0,
    uid: present ? stack.uid(v) : 0,
    gid: present ? stack.gid(v) : 0,
    size: subtreeSize,
    link: present ? stack.link(v) : undefined,
    hiddenBy: st.status === NodeStatus.Removed ? null : st.hiddenBy,
    hiddenReason: st.hiddenReason,
  };
}

export const ATTR_WIDTH = 10 + 1 + 11 + 1 + 8 + 1;
export const SIZE_WIDTH = 8 + 1;

export function attributesHeader(withAttributes: boolean, sizeOnly: boolean): string {
  if (withAttributes) return `  ${"Mode".padEnd(10)} ${"UID:GID".padStart(11)} ${"Size".padStart(8)} Name`;
  if (sizeOnly) return `  ${"Size".padStart(8)} Name`;
  return "  Name";
}

export function hiddenTag(f: RowFacts): string {
  return f.hiddenBy === null ? "" : `${HIDDEN_LATER.marker}L${f.hiddenBy}`;
}

export function hiddenReasonText(r: HiddenReason): string {
  switch (r) {
    case HiddenReason.Overwritten:
      return "overwritten";
    case HiddenReason.Deleted:
      return "deleted";
    case HiddenReason.Opaque:
      return "hidden by an opaque directory";
    case HiddenReason.Replaced:
      return "its directory was replaced by a file";
    default:
      return "";
  }
}

/** The row's segments, fitted to `width` cells with the tag kept visible. */
export function treeRowLine(
  row: VisibleRow,
  name: string,
  f: RowFacts,
  width: number,
  opts: { attributes: boolean; sizeColumn: boolean },
): Line {
  const look = statusLook(f.status);
  const isDir = f.type === EntryType.Dir;
  const segs: Segment[] = [{ text: `${look.marker} `, style: look.style }];
  if (opts.attributes) {
    const ids = `${f.uid}:${f.gid}`;
    segs.push({
      text: `${formatMode(f.type, f.mode)} ${padStart(ids, 11)} ${padStart(formatBytes(f.size), 8)} `,
      style: STYLES.muted,
    });
  } else if (opts.sizeColumn) {
    segs.push({ text: `${padStart(formatBytes(f.size), 8)} `, style: STYLES.muted });
  }
  segs.push({ text: row.guide, style: STYLES.muted });
  const tag = hiddenTag(f);
  const used = segs.reduce((w, s) => w + displayWidth(s.text), 0);
  const room = Math.max(1, width - used - (tag ? displayWidth(tag) + 1 : 0));
  const shownName = sanitize(name) + (isDir ? "/" : "");
  const nameStyle = isDir ? { ...look.style, ...STYLES.dir } : look.style;
  let linkText = "";
  if (f.link !== undefined) linkText = `${f.type === EntryType.Hardlink ? " ⇒ " : " → "}${sanitize(f.link)}`;
  const nameText = truncate(shownName, room);
  segs.push({ text: nameText, style: nameStyle });
  const left = room - displayWidth(nameText);
  if (linkText && left > 3) segs.push({ text: truncate(linkText, left), style: STYLES.link });
  if (tag) {
    const w = segs.reduce((x, s) => x + displayWidth(s.text), 0);
    const gap = Math.max(1, width - w - displayWidth(tag));
    segs.push({ text: " ".repeat(gap) }, { text: tag, style: HIDDEN_LATER.style });
  }
  return segs;
}
