import { formatCount } from "../render/format.js";
import { sanitize } from "../render/text.js";
import { paintLine, STYLES } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { viewerBodyHeight, viewerLineCount } from "../state/geometry.js";
import { hexLine, VIEW_CAP_LABEL } from "../viewer/file-view.js";
import { titleLine } from "./pane.js";

/** The file viewer, full screen: text lines or a hex dump, scrolled; loading and errors in place. */
export function fileViewerLines(s: ExplorerState, color: boolean): string[] {
  const v = s.viewer;
  const w = s.columns;
  if (!v) return [];
  const total = viewerLineCount(v);
  const h = viewerBodyHeight(s);
  const parts = [v.label ?? `as of layer ${v.layer}`];
  if (v.status === "ready") {
    parts.push(v.lines ? "text" : "binary, hex");
    if (total > h)
      parts.push(
        `${formatCount(v.top + 1)}–${formatCount(Math.min(total, v.top + h))} of ${formatCount(total)}`,
      );
  }
  parts.push("Esc closes");
  const lines = [titleLine(sanitize(v.path), parts.join(" · "), w, true, color)];
  if (v.status === "loading") {
    lines.push(paintLine([{ text: "loading…", style: STYLES.muted }], w, color));
    return lines;
  }
  if (v.status === "error") {
    lines.push(paintLine([{ text: "Could not read the file:", style: STYLES.error }], w, color));
    lines.push(paintLine([{ text: sanitize(v.error ?? "") }], w, color));
    return lines;
  }
  const end = Math.min(total, v.top + h);
  const content = total - (v.truncated ? 1 : 0);
  for (let i = v.top; i < end; i++) {
    if (i >= content) {
      const note = `… truncated at ${VIEW_CAP_LABEL}`;
      lines.push(paintLine([{ text: note, style: STYLES.warning }], w, color));
      continue;
    }
    const text = v.lines ? sanitize(v.lines[i]!) : hexLine(v.data!, i);
    lines.push(paintLine([{ text }], w, color));
  }
  if (total === 0) lines.push(paintLine([{ text: "(empty file)", style: STYLES.muted }], w, color));
  return lines;
}
