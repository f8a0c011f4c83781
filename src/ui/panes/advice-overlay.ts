import type { Finding } from "../../model/advice/index.js";
import { Command, keysLabel } from "../keymap/keymap.js";
import { formatBytes, formatCount } from "../render/format.js";
import { padEnd, padStart, sanitize, wrap } from "../render/text.js";
import { type Line, paintLine, STYLES, type Style } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { adviceListHeight } from "../state/geometry.js";
import { titleLine } from "./pane.js";

const SEVERITY_STYLE: Record<Finding["severity"], Style> = {
  high: STYLES.error,
  medium: STYLES.warning,
  low: STYLES.muted,
};

function listLine(f: Finding): Line {
  const saved = f.bytesSaved > 0 ? formatBytes(f.bytesSaved) : "—";
  const layer = f.layer === null ? "config" : `L${f.layer}`;
  return [
    { text: padEnd(f.severity, 7), style: SEVERITY_STYLE[f.severity] },
    { text: padEnd(f.kind, 20), style: STYLES.label },
    { text: `${padStart(saved, 9)}  ` },
    { text: padEnd(layer, 7), style: STYLES.muted },
    { text: sanitize(f.message) },
  ];
}

function detailLines(f: Finding, width: number): Line[] {
  const out: Line[] = [];
  const field = (label: string, text: string, style?: Style) => {
    wrap(sanitize(text), Math.max(10, width - 13)).forEach((t, i) => {
      out.push([
        { text: padEnd(i === 0 ? label : "", 13), style: STYLES.label },
        { text: t, style },
      ]);
    });
  };
  const layer = f.layer === null ? "image config" : `layer ${f.layer}`;
  field("Where", f.instruction ? `${layer}: ${f.instruction}` : layer);
  if (f.bytesSaved > 0) field("Saves", formatBytes(f.bytesSaved));
  if (f.relatedLayers.length > 0) field("Also layers", f.relatedLayers.join(", "));
  field("What", f.message);
  field("Suggestion", f.suggestion);
  if (f.paths.length > 0) {
    const more = f.pathCount > f.paths.length ? ` (${formatCount(f.pathCount)} in all)` : "";
    field("Paths", `${f.paths.slice(0, 5).join("  ")}${more}`, STYLES.muted);
  }
  return out;
}

/** The advisor's findings, one a line, and the selected one's details below; Enter jumps to it. */
export function adviceLines(s: ExplorerState, color: boolean): string[] {
  const w = s.columns;
  if (s.findings === null) {
    const closes = `${keysLabel(Command.Advice, s.keymap).split(", ")[0]} or Esc closes`;
    return [
      titleLine("Advice", closes, w, true, color),
      paintLine(
        [{ text: "Analysing the image for wasted bytes and exposures …", style: STYLES.muted }],
        w,
        color,
      ),
    ];
  }
  const findings = s.findings;
  const a = s.advice ?? { selected: 0, top: 0 };
  const saved = findings.reduce((n, f) => n + f.bytesSaved, 0);
  const extra =
    findings.length === 0
      ? `${keysLabel(Command.Advice, s.keymap).split(", ")[0]} or Esc closes`
      : `${formatCount(findings.length)} findings · ${formatBytes(saved)} to save · Enter jumps to the file · Esc closes`;
  const lines = [titleLine("Advice", extra, w, true, color)];
  if (findings.length === 0) {
    lines.push(paintLine([{ text: "Nothing to advise: no wasted bytes or exposures found." }], w, color));
    return lines;
  }
  const h = adviceListHeight(s);
  for (let i = a.top; i < Math.min(findings.length, a.top + h); i++) {
    const cursor = i === a.selected ? STYLES.cursor : undefined;
    lines.push(paintLine(listLine(findings[i]!), w, color, cursor));
  }
  while (lines.length < h + 1) lines.push(" ".repeat(w));
  const f = findings[a.selected];
  lines.push(titleLine(`Finding ${a.selected + 1} of ${findings.length}`, f?.kind ?? "", w, false, color));
  if (f) for (const l of detailLines(f, w)) lines.push(paintLine(l, w, color));
  return lines;
}
