/**
 * The screen while two images are compared: both images' layers (shared by DiffID marked), the
 * comparison's figures, and the merged tree with each path's bytes in A and B and the change;
 * while the images are read, both reads' progress.
 */
import { deltaOf, differencesUnder, type ImageComparison } from "../../model/compare.js";
import { changeAspectsOf } from "../../model/difference.js";
import { NodeStatus } from "../../model/image-model.js";
import { ENTRY_TYPE_NAMES, EntryType } from "../../model/layer-contents.js";
import { CompareStatus, compareStatusOf } from "../compare/compare-tree.js";
import { formatBytes, formatCount } from "../render/format.js";
import { displayWidth, padStart, sanitize, truncate } from "../render/text.js";
import { type Line, paintLine, STYLES, type StatusLook, type Style, statusLook } from "../render/theme.js";
import { packageChangeRows } from "../state/compare-packages.js";
import {
  type CompareState,
  compareLayerRows,
  compareLayersHeight,
  compareLayoutOf,
  compareTreeHeight,
  compareViewOf,
  nameA,
  nameB,
} from "../state/compare-state.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { MIN_COLUMNS, MIN_ROWS, type Rect } from "../state/pane-layout.js";
import { packageChangeLine } from "./compare-packages-overlay.js";
import { progressLines } from "./file-tree-pane.js";
import { fitLines, titleLine } from "./pane.js";
import { statusLine } from "./status-line.js";

const LOOK: Record<CompareStatus, StatusLook> = {
  [CompareStatus.Same]: { marker: " ", label: "the same in both", style: {} },
  [CompareStatus.Added]: { ...statusLook(NodeStatus.Added), label: "only in B (added)" },
  [CompareStatus.Removed]: { ...statusLook(NodeStatus.Removed), label: "only in A (removed)" },
  [CompareStatus.Changed]: { ...statusLook(NodeStatus.Modified), label: "changed" },
};

/** "+1.2 kB", "−3 B"; empty for no change. */
function signed(n: number): string {
  return n === 0 ? "" : `${n > 0 ? "+" : "−"}${formatBytes(Math.abs(n))}`;
}

export function compareFrame(s: ExplorerState, color: boolean): string[] {
  const layout = compareLayoutOf(s);
  const status = statusLine(s, s.columns, color);
  if (layout.kind === "too-small") {
    const msg = `Terminal too small: ${s.columns}×${s.rows}, need ${MIN_COLUMNS}×${MIN_ROWS}. q quits.`;
    return [paintLine([{ text: msg, style: STYLES.warning }], s.columns, color)];
  }
  const tree = fitLines(compareTreeLines(s, layout.tree, color), layout.tree.width, layout.tree.height);
  const layers = fitLines(
    compareLayersLines(s, layout.layers, color),
    layout.layers.width,
    layout.layers.height,
  );
  if (layout.kind === "stacked") return [...layers, ...tree, status];
  const left = [...layers];
  const d = layout.layerDetails!;
  const summary: Rect = { ...d, height: d.height + (layout.imageDetails?.height ?? 0) };
  left.push(...fitLines(summaryLines(s, summary, color), summary.width, summary.height));
  const leftLines = fitLines(left, layout.layers.width, layout.tree.height);
  const sep = paintLine([{ text: "│", style: STYLES.muted }], 1, color);
  return [...leftLines.map((l, i) => `${l}${sep}${tree[i]}`), status];
}

function layerLine(s: ExplorerState, side: "a" | "b", index: number): { size: string; command: string } {
  const c = s.compare!;
  const model = side === "a" ? s.model : c.model;
  const outline = side === "a" ? s.outline : c.outline;
  const l = side === "a" && s.layersRead !== null ? undefined : model?.layers[index];
  return {
    size: l ? formatBytes(l.size) : "…",
    command: l?.command ?? outline?.layers[index]?.command ?? "",
  };
}

const MARK_STYLE: Record<string, Style | undefined> = {
  "=": STYLES.muted,
  "-": statusLook(NodeStatus.Removed).style,
  "+": statusLook(NodeStatus.Added).style,
};

/** Both images' layers: `=` shared with the other image (same DiffID), `-` only in A, `+` only in B. */
function compareLayersLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const c = s.compare!;
  const focused = c.focus === "layers";
  const match = c.comparison?.layers;
  const extra = match
    ? `${match.shared.length} shared · ${match.onlyA.length} only in A · ${match.onlyB.length} only in B`
    : "";
  const lines = [titleLine("Layers", extra, rect.width, focused, color)];
  const rows = compareLayerRows(s);
  const h = compareLayersHeight(s);
  const digits = String(Math.max(0, rows.length)).length;
  rows.slice(c.layerTop, c.layerTop + h).forEach((row, i) => {
    const selected = focused && c.layerTop + i === c.layerRow;
    const base = selected ? STYLES.cursor : undefined;
    if (row.kind === "image") {
      const name = row.side === "a" ? nameA(s) : nameB(c);
      const line: Line = [{ text: `${row.side === "a" ? "A" : "B"} ${sanitize(name)}`, style: STYLES.label }];
      lines.push(paintLine(line, rect.width, color, base));
      return;
    }
    const { size, command } = layerLine(s, row.side, row.index);
    const line: Line = [
      { text: `${row.mark} `, style: MARK_STYLE[row.mark] },
      { text: `${padStart(String(row.index), digits)} ${padStart(size, 8)} ` },
      {
        text: sanitize(command) || "(no command recorded)",
        style: row.mark === "=" ? STYLES.muted : undefined,
      },
    ];
    lines.push(paintLine(line, rect.width, color, base));
  });
  return lines;
}

function labelled(label: string, value: Line): Line {
  return [{ text: label.padEnd(9), style: STYLES.label }, ...value];
}

/**
 * What the package databases say changed: the counts, then as many of the changes as `room` lines
 * hold, the biggest size change (either way) first; nothing when neither image has a database read.
 */
function packageLines(cmp: ImageComparison, room: number): Line[] {
  const p = cmp.packages;
  if (!p) return [];
  const count = p.added.length + p.removed.length + p.upgraded.length;
  if (count === 0) return [labelled("Packages", [{ text: "no changes", style: STYLES.muted }])];
  const out: Line[] = [
    labelled("Packages", [
      { text: `+${p.added.length} `, style: LOOK[CompareStatus.Added].style },
      { text: `−${p.removed.length} `, style: LOOK[CompareStatus.Removed].style },
      { text: `~${p.upgraded.length} version changed`, style: LOOK[CompareStatus.Changed].style },
    ]),
  ];
  const all = packageChangeRows(cmp);
  const shown = all.length > room - 1 ? Math.max(0, room - 2) : all.length;
  for (const r of all.slice(0, shown)) out.push(packageChangeLine(r.kind, r.change));
  if (shown < all.length) out.push([{ text: `  … and ${all.length - shown} more`, style: STYLES.muted }]);
  return out;
}

/** The comparison's figures: both images, content on each side, paths, layers in common. */
function summaryLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const c = s.compare!;
  const w = rect.width;
  const lines = [titleLine("Comparison", "B − A", w, false, color)];
  const body: Line[] = [
    labelled("A", [{ text: sanitize(nameA(s)) }]),
    labelled("B", [{ text: sanitize(nameB(c)) }]),
  ];
  const cmp = c.comparison;
  if (!cmp) {
    const what = s.error || c.error ? "Could not read both images" : c.session ? "Comparing…" : "Reading…";
    body.push([{ text: what, style: STYLES.muted }]);
  } else {
    const t = cmp.totals;
    body.push(
      labelled("Content", [
        { text: `${formatBytes(t.sizeA)} → ${formatBytes(t.sizeB)} (${signed(t.delta) || "±0"})` },
      ]),
    );
    body.push(
      labelled("Paths", [
        { text: `+${formatCount(t.added)} `, style: LOOK[CompareStatus.Added].style },
        { text: `(${formatBytes(t.addedBytes)}) ` },
        { text: `−${formatCount(t.removed)} `, style: LOOK[CompareStatus.Removed].style },
        { text: `(${formatBytes(t.removedBytes)}) ` },
        { text: `~${formatCount(t.changed)}`, style: LOOK[CompareStatus.Changed].style },
      ]),
    );
    const L = cmp.layers;
    const sharedBytes = L.shared.reduce((sum, l) => sum + l.size, 0);
    body.push(labelled("Layers", [{ text: `${L.shared.length} shared (${formatBytes(sharedBytes)})` }]));
    body.push(labelled("", [{ text: `the bottom ${L.commonBase} in the same order`, style: STYLES.muted }]));
    body.push(...packageLines(cmp, rect.height - 1 - body.length));
  }
  for (const l of body.slice(0, rect.height - 1)) lines.push(paintLine(l, w, color));
  return lines;
}

function titleExtra(s: ExplorerState, c: CompareState): string {
  const parts = [`${nameA(s)} → ${nameB(c)}`, c.sort === "delta" ? "by size change" : "by name"];
  const hidden = (
    [
      [c.hide.added, "added"],
      [c.hide.modified, "changed"],
      [c.hide.removed, "removed"],
      [c.hide.unmodified, "unchanged"],
    ] as const
  )
    .filter(([on]) => on)
    .map(([, name]) => name);
  if (hidden.length > 0) parts.push(`hiding ${hidden.join(", ")}`);
  if (s.filter !== "" && !s.filterEditing) parts.push(`filter "${sanitize(s.filter)}"`);
  return parts.join(" · ");
}

/** While the two images are read: each one's progress, or why it could not be read. */
function loadingLines(s: ExplorerState, width: number, height: number): Line[] {
  const c = s.compare!;
  const out: Line[] = [];
  const half = Math.max(3, Math.floor(height / 2));
  const side = (
    label: string,
    name: string,
    part: Pick<ExplorerState, "error" | "outline" | "progress">,
    read: boolean,
  ) => {
    out.push([{ text: `${label} ${sanitize(name)}`, style: STYLES.label }]);
    if (part.error) {
      out.push([{ text: `Could not read image ${label} (${sanitize(name)}):`, style: STYLES.error }]);
      out.push([{ text: sanitize(part.error) }]);
      out.push([{ text: "Press q to quit.", style: STYLES.muted }]);
    } else if (read) {
      out.push([{ text: "read", style: STYLES.muted }]);
    } else {
      out.push(...progressLines({ ...s, ...part }, width, half - 1));
    }
    out.push([]);
  };
  side("A", nameA(s), s, s.model !== null && s.layersRead === null);
  side("B", nameB(c), c, c.model !== null);
  if (c.session && !c.comparison) out.push([{ text: "Comparing the two trees…", style: STYLES.muted }]);
  return out;
}

/** The size columns: A's bytes, B's bytes, the change (directories: everything under them). */
function sizeCells(cmp: ImageComparison, u: number, isDir: boolean): [string, string, string] {
  const inA = cmp.nodeA[u]! >= 0;
  const inB = cmp.nodeB[u]! >= 0;
  const a = isDir ? cmp.totalA[u]! : cmp.sizeA[u]!;
  const b = isDir ? cmp.totalB[u]! : cmp.sizeB[u]!;
  return [inA ? formatBytes(a) : "—", inB ? formatBytes(b) : "—", signed(isDir ? deltaOf(cmp, u) : b - a)];
}

function typeOf(cmp: ImageComparison, u: number): EntryType {
  const nb = cmp.nodeB[u]!;
  if (nb >= 0) return cmp.b.stack.type(cmp.b.stack.top(nb)) as EntryType;
  const na = cmp.nodeA[u]!;
  return na >= 0 ? (cmp.a.stack.type(cmp.a.stack.top(na)) as EntryType) : EntryType.Dir;
}

/** The info line: what the cursor is on, how it differs, what changed under it. */
function infoLine(s: ExplorerState, cmp: ImageComparison, u: number): Line {
  if (u <= 0) return [];
  const st = compareStatusOf(cmp, u);
  const look = LOOK[st];
  const line: Line = [{ text: sanitize(cmp.paths.path(u)) }, { text: ` · ${look.label}`, style: look.style }];
  const side = (m: ImageComparison["a"], n: number) =>
    n >= 0 ? ENTRY_TYPE_NAMES[m.stack.type(m.stack.top(n)) as EntryType] : "—";
  const ta = side(cmp.a, cmp.nodeA[u]!);
  const tb = side(cmp.b, cmp.nodeB[u]!);
  line.push({ text: ` · ${ta === tb ? ta : `${ta} → ${tb}`}`, style: STYLES.muted });
  const aspects = changeAspectsOf(cmp.code[u]!);
  if (aspects.length > 0) line.push({ text: ` · ${aspects.join(", ")}`, style: STYLES.muted });
  const under = differencesUnder(cmp, u) - (cmp.code[u] !== 0 ? 1 : 0);
  if (under > 0) {
    line.push({
      text: ` · under it +${formatCount(cmp.added[u]!)} −${formatCount(cmp.removed[u]!)} ~${formatCount(cmp.changed[u]! - (aspects.length > 0 ? 1 : 0))}`,
      style: STYLES.muted,
    });
  }
  if (s.filterEditing) return [];
  return line;
}

function compareTreeLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const c = s.compare!;
  const w = rect.width;
  const focused = c.focus === "tree";
  const lines = [titleLine("Compare", titleExtra(s, c), w, focused, color)];
  const v = compareViewOf(s);
  const cmp = c.comparison;
  if (!v || !cmp) {
    for (const l of loadingLines(s, w, rect.height - 2)) lines.push(paintLine(l, w, color));
    return lines;
  }
  const sizes = w >= 60;
  const header = sizes
    ? `  ${padStart("A", 8)} ${padStart("B", 8)} ${padStart("Change", 9)} Name`
    : `  ${padStart("Change", 9)} Name`;
  lines.push(paintLine([{ text: header, style: STYLES.muted }], w, color));
  const h = compareTreeHeight(s);
  for (const row of v.rows(c.treeTop, h)) {
    const u = row.node;
    const look = LOOK[compareStatusOf(cmp, u)];
    const type = typeOf(cmp, u);
    const isDir = type === EntryType.Dir;
    const [a, b, delta] = sizeCells(cmp, u, isDir);
    const deltaStyle = delta.startsWith("+")
      ? LOOK[CompareStatus.Added].style
      : delta
        ? LOOK[CompareStatus.Removed].style
        : undefined;
    const segs: Line = [{ text: `${look.marker} `, style: look.style }];
    if (sizes) segs.push({ text: `${padStart(a, 8)} ${padStart(b, 8)} `, style: STYLES.muted });
    segs.push({ text: `${padStart(delta, 9)} `, style: deltaStyle });
    segs.push({ text: row.guide, style: STYLES.muted });
    const used = segs.reduce((x, seg) => x + displayWidth(seg.text), 0);
    const aspects =
      cmp.code[u] !== 0 && look === LOOK[CompareStatus.Changed] ? changeAspectsOf(cmp.code[u]!) : [];
    const note = aspects.length > 0 ? ` (${aspects.join(", ")})` : "";
    const name = sanitize(cmp.paths.name(u)) + (isDir ? "/" : "");
    const nameText = truncate(name, Math.max(1, w - used));
    segs.push({ text: nameText, style: isDir ? { ...look.style, ...STYLES.dir } : look.style });
    const room = w - used - displayWidth(nameText);
    if (note && room > 3) segs.push({ text: truncate(note, room), style: STYLES.muted });
    const cursor = u === c.cursor ? (focused ? STYLES.cursor : STYLES.cursorUnfocused) : undefined;
    lines.push(paintLine(segs, w, color, cursor));
  }
  if (v.total === 0) {
    const why =
      s.filter !== ""
        ? `No path matches "${sanitize(s.filter)}"`
        : cmp.totals.added + cmp.totals.removed + cmp.totals.changed === 0
          ? "The two images have the same files (u shows them)"
          : "Every kind of change is hidden (a, r, m, u show them)";
    lines.push(paintLine([{ text: why, style: STYLES.muted }], w, color));
  }
  while (lines.length < rect.height - 1) lines.push(" ".repeat(w));
  let info: Line;
  if (s.filterEditing) {
    info = [
      { text: "Filter: ", style: STYLES.label },
      { text: `${sanitize(s.filter)}█` },
      { text: "  Enter keeps it · Esc clears", style: STYLES.muted },
    ];
  } else {
    info = infoLine(s, cmp, c.cursor);
    if (v.total > 0) {
      info.unshift({
        text: `${formatCount(Math.min(v.total, c.cursorRow + 1))}/${formatCount(v.total)} `,
        style: STYLES.muted,
      });
    }
  }
  lines.push(paintLine(info, w, color));
  return lines;
}
