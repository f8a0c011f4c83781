import { changeAspectsOf, type DiffKind, diffKindOf } from "../../model/diff.js";
import { formatBytes, formatCount } from "../render/format.js";
import { padStart, sanitize } from "../render/text.js";
import { type Line, paintLine, STYLES, type Style } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { diffBodyHeight } from "../state/geometry.js";
import type { Rect } from "../state/pane-layout.js";
import { titleLine } from "./pane.js";

const KIND_LOOK: Record<DiffKind, { marker: string; style: Style }> = {
  added: { marker: "+", style: { fg: "green" } },
  removed: { marker: "-", style: { fg: "red" } },
  changed: { marker: "~", style: { fg: "yellow" } },
};

export function signedBytes(n: number): string {
  if (n === 0) return "0 B";
  return `${n > 0 ? "+" : "−"}${formatBytes(Math.abs(n))}`;
}

/** Range view: what changed from the marked layer to the selected one, in the tree pane's place. */
export function rangeDiffLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const w = rect.width;
  const from = s.compareFrom;
  const to = s.layer;
  // The reducer works on the diff for a few milliseconds per key; bigger ones finish in idle slices.
  const model = s.model!;
  const diff = s.rangeDiff;
  if (!diff) {
    return [
      titleLine("Diff", `layer ${from} → layer ${to} · Esc clears`, w, s.focus === "tree", color),
      paintLine([{ text: `Comparing layer ${from} with layer ${to} …`, style: STYLES.muted }], w, color),
    ];
  }
  const t = diff.totals;
  const lines = [
    titleLine(
      "Diff",
      `layer ${from} → layer ${to} · Enter shows the path · Esc clears`,
      w,
      s.focus === "tree",
      color,
    ),
    paintLine(
      [
        { text: `+${formatCount(t.added)} `, style: KIND_LOOK.added.style },
        { text: `-${formatCount(t.removed)} `, style: KIND_LOOK.removed.style },
        { text: `~${formatCount(t.changed)} `, style: KIND_LOOK.changed.style },
        {
          text: `· ${formatBytes(t.sizeA)} → ${formatBytes(t.sizeB)} (${signedBytes(t.delta)})`,
          style: STYLES.muted,
        },
      ],
      w,
      color,
    ),
  ];
  const h = diffBodyHeight(s);
  const end = Math.min(diff.nodes.length, s.diffTop + h);
  for (let i = s.diffTop; i < end; i++) {
    const code = diff.codes[i]!;
    const look = KIND_LOOK[diffKindOf(code)];
    const changes = changeAspectsOf(code);
    const line: Line = [
      { text: `${look.marker} `, style: look.style },
      { text: `${padStart(signedBytes(diff.sizeB[i]! - diff.sizeA[i]!), 10)}  `, style: STYLES.muted },
      { text: sanitize(model.paths.path(diff.nodes[i]!)), style: look.style },
    ];
    if (changes.length > 0) line.push({ text: `  (${changes.join(", ")})`, style: STYLES.muted });
    const cursor =
      i === s.diffRow ? (s.focus === "tree" ? STYLES.cursor : STYLES.cursorUnfocused) : undefined;
    lines.push(paintLine(line, w, color, cursor));
  }
  if (diff.nodes.length === 0) {
    lines.push(paintLine([{ text: "No files differ between these layers", style: STYLES.muted }], w, color));
  }
  return lines;
}
