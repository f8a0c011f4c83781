import { NodeStatus } from "../../model/image-model.js";
import { Command, keysLabel } from "../keymap/keymap.js";
import { formatBytes, formatCount } from "../render/format.js";
import { padEnd, padStart, sanitize } from "../render/text.js";
import { type Line, paintLine, STATUS_LOOK, STYLES } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { layerPackagesOf, type PackageRow, packageRows, packagesListHeight } from "../state/packages-view.js";
import { titleLine } from "./pane.js";

function rowLine(r: PackageRow): Line {
  if (r.kind === "removed") {
    const c = r.change;
    return [
      { text: "- ", style: STATUS_LOOK[NodeStatus.Removed].style },
      { text: `${padStart("", 9)}  ${padStart("", 7)}  ` },
      { text: padEnd(sanitize(c.name), 32), style: STATUS_LOOK[NodeStatus.Removed].style },
      { text: `${padEnd(sanitize(c.from ?? ""), 24)} `, style: STYLES.muted },
      { text: `${c.manager} · removed`, style: STYLES.muted },
    ];
  }
  const u = r.use;
  const mark = u.change === "added" ? "+ " : u.change === "upgraded" ? "~ " : "  ";
  const style =
    u.change === "added"
      ? STATUS_LOOK[NodeStatus.Added].style
      : u.change === "upgraded"
        ? STATUS_LOOK[NodeStatus.Modified].style
        : undefined;
  return [
    { text: mark, style },
    { text: `${padStart(formatBytes(u.bytes), 9)}  ${padStart(formatCount(u.files), 7)}  ` },
    { text: padEnd(sanitize(u.pkg.name), 32), style },
    { text: `${padEnd(sanitize(u.pkg.version), 24)} `, style: STYLES.muted },
    { text: u.pkg.manager, style: STYLES.muted },
  ];
}

/** The packages of the selected layer: what they hold of it, biggest first; Enter shows one's files. */
export function packagesLines(s: ExplorerState, color: boolean): string[] {
  const w = s.columns;
  const v = s.packages;
  const closes = `${keysLabel(Command.Packages).split(", ")[0]} or Esc closes`;
  const layer = v?.layer ?? s.layer;
  const lp = layerPackagesOf(s, layer);
  const instruction = s.model?.layers[layer]?.instruction.text.replace(/\s+/g, " ") ?? "";
  const title = `Packages of layer ${layer}`;
  if (!lp || !v) return [titleLine(title, closes, w, true, color)];
  const rows = packageRows(lp);
  const lines = [
    titleLine(title, `${sanitize(instruction)} · Enter shows a package's files · ${closes}`, w, true, color),
  ];
  const owned = lp.uses.reduce((n, u) => n + u.bytes, 0);
  const summary: Line = [
    {
      text: `${lp.added.length} added · ${lp.upgraded.length} upgraded · ${lp.removed.length} removed · ${formatBytes(owned)} in packages · ${formatBytes(lp.unownedBytes)} (${formatCount(lp.unownedFiles)} files) in no package · ${formatCount(lp.installedCount)} installed`,
      style: STYLES.label,
    },
  ];
  if (!lp.known) summary.push({ text: " · this layer's databases were not read", style: STYLES.warning });
  lines.push(paintLine(summary, w, color));
  if (rows.length === 0) {
    const why =
      lp.managers.length === 0
        ? "No package database (dpkg, apk, Python, npm) is visible as of this layer."
        : "No package owns a file of this layer, and it changed no package.";
    lines.push(paintLine([{ text: why, style: STYLES.muted }], w, color));
    for (const n of lp.notes) lines.push(paintLine([{ text: sanitize(n), style: STYLES.warning }], w, color));
    return lines;
  }
  lines.push(
    paintLine(
      [
        {
          text: `  ${padStart("SIZE", 9)}  ${padStart("FILES", 7)}  ${padEnd("PACKAGE", 32)}${padEnd("VERSION", 25)}MANAGER`,
          style: STYLES.muted,
        },
      ],
      w,
      color,
    ),
  );
  const h = packagesListHeight(s);
  for (let i = v.top; i < Math.min(rows.length, v.top + h); i++) {
    lines.push(paintLine(rowLine(rows[i]!), w, color, i === v.selected ? STYLES.cursor : undefined));
  }
  return lines;
}
