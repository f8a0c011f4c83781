import type { DiffEntry } from "../model/diff.js";
import { diffBodyHeight, type ExplorerState } from "./explorer-state.js";
import { formatBytes, formatCount } from "./format.js";
import type { Rect } from "./layout.js";
import { rangeDiffOf } from "./lazy-analysis.js";
import { titleLine } from "./pane.js";
import { padStart, sanitize } from "./text.js";
import { type Line, paintLine, STYLES, type Style } from "./theme.js";

const KIND_LOOK: Record<DiffEntry["kind"], { marker: string; style: Style }> = {
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
  const diff = rangeDiffOf(s.model!, from, to);
  const t = diff.totals;
  const lines = [
    titleLine("Diff", `layer ${from} → layer ${to} · Esc clears`, w, s.focus === "tree", color),
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
  const rows = diff.entries.slice(s.diffTop, s.diffTop + h);
  for (const e of rows) {
    const look = KIND_LOOK[e.kind];
    const line: Line = [
      { text: `${look.marker} `, style: look.style },
      { text: `${padStart(signedBytes(e.delta), 10)}  `, style: STYLES.muted },
      { text: sanitize(e.path), style: look.style },
    ];
    if (e.changes.length > 0) line.push({ text: `  (${e.changes.join(", ")})`, style: STYLES.muted });
    lines.push(paintLine(line, w, color));
  }
  if (diff.entries.length === 0) {
    lines.push(paintLine([{ text: "No files differ between these layers", style: STYLES.muted }], w, color));
  }
  return lines;
}
