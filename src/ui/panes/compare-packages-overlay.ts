/** The package changes between the two images compared, one a line, biggest size change first. */
import type { ImageComparison, PackageChange } from "../../model/compare.js";
import { NodeStatus } from "../../model/image-model.js";
import { Command, keysLabel } from "../keymap/keymap.js";
import { formatBytes } from "../render/format.js";
import { padEnd, padStart, sanitize } from "../render/text.js";
import { type Line, paintLine, STATUS_LOOK, STYLES } from "../render/theme.js";
import {
  type PackageChangeKind,
  packageChangeRows,
  packageChangesHeight,
} from "../state/compare-packages.js";
import { nameA, nameB } from "../state/compare-state.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { titleLine } from "./pane.js";

const LOOK = {
  added: STATUS_LOOK[NodeStatus.Added],
  removed: STATUS_LOOK[NodeStatus.Removed],
  changed: STATUS_LOOK[NodeStatus.Modified],
} as const;

/** "+1.2 kB", "−3 B", "±0", "?" when a side declares no size. */
export function sizeChange(c: PackageChange): string {
  const d = c.sizeDelta;
  if (d === null) return "?";
  return d === 0 ? "±0" : `${d > 0 ? "+" : "−"}${formatBytes(Math.abs(d))}`;
}

export function versionsOf(c: PackageChange): string {
  return c.from !== null && c.to !== null ? `${c.from} → ${c.to}` : (c.to ?? c.from ?? "");
}

/** One change as the figures pane shows it: mark, size change, name, version(s) and manager. */
export function packageChangeLine(kind: PackageChangeKind, c: PackageChange): Line {
  const look = LOOK[kind];
  return [
    { text: `${look.marker} `, style: look.style },
    { text: `${padStart(sizeChange(c), 9)} ` },
    { text: sanitize(c.name) },
    { text: ` ${sanitize(versionsOf(c))} · ${c.manager}`, style: STYLES.muted },
  ];
}

function rowLine(kind: PackageChangeKind, c: PackageChange): Line {
  const look = LOOK[kind];
  return [
    { text: `${look.marker} `, style: look.style },
    { text: `${padStart(sizeChange(c), 9)}  ` },
    { text: `${padStart(c.installedSize === null ? "" : formatBytes(c.installedSize), 9)}  ` },
    { text: padEnd(sanitize(c.name), 32), style: look.style },
    { text: `${padEnd(sanitize(versionsOf(c)), 40)} `, style: STYLES.muted },
    { text: `${c.manager} · ${kind === "changed" ? "version changed" : kind}`, style: STYLES.muted },
  ];
}

export function comparePackagesLines(s: ExplorerState, color: boolean): string[] {
  const w = s.columns;
  const c = s.compare!;
  const closes = `${keysLabel(Command.Packages).split(", ")[0]} or Esc closes`;
  const title = "Package changes  B − A";
  const lines = [
    titleLine(title, `${sanitize(nameA(s))} → ${sanitize(nameB(c))} · ${closes}`, w, true, color),
  ];
  const cmp: ImageComparison | null = c.comparison;
  const p = cmp?.packages ?? null;
  if (!cmp || !p) {
    const why = cmp
      ? "Neither image has a package database layerview reads (dpkg, apk, rpm, Python, npm)."
      : "";
    if (why) lines.push(paintLine([{ text: why, style: STYLES.muted }], w, color));
    return lines;
  }
  const rows = packageChangeRows(cmp);
  lines.push(
    paintLine(
      [
        {
          text: `${p.added.length} added · ${p.removed.length} removed · ${p.upgraded.length} version changed · biggest size change first`,
          style: STYLES.label,
        },
      ],
      w,
      color,
    ),
  );
  if (rows.length === 0) {
    lines.push(
      paintLine([{ text: "The two images have the same packages.", style: STYLES.muted }], w, color),
    );
    return lines;
  }
  lines.push(
    paintLine(
      [
        {
          text: `  ${padStart("CHANGE", 9)}  ${padStart("SIZE", 9)}  ${padEnd("PACKAGE", 32)}${padEnd("VERSION", 41)}MANAGER`,
          style: STYLES.muted,
        },
      ],
      w,
      color,
    ),
  );
  const top = c.packagesTop ?? 0;
  const h = packageChangesHeight(s);
  for (const r of rows.slice(top, top + h)) lines.push(paintLine(rowLine(r.kind, r.change), w, color));
  return lines;
}
