/**
 * The whole screen as lines, from the state alone: each pane builds its lines for its rect
 * (computePaneLayout), and the columns are joined side by side. Pure — the app, the tests and the
 * benchmark all go through here.
 */

import { paintLine, STYLES } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { comparing, layoutOf } from "../state/geometry.js";
import { MIN_COLUMNS, MIN_ROWS } from "../state/pane-layout.js";
import { adviceLines } from "./advice-overlay.js";
import { comparePackagesLines } from "./compare-packages-overlay.js";
import { compareFrame } from "./compare-pane.js";
import { fileHistoryLines } from "./file-history-overlay.js";
import { fileTreeLines } from "./file-tree-pane.js";
import { fileViewerLines } from "./file-viewer-pane.js";
import { helpLines } from "./help-overlay.js";
import { imageDetailsLines } from "./image-details-pane.js";
import { layerDetailsLines } from "./layer-details-pane.js";
import { layersPaneLines } from "./layers-pane.js";
import { packagesLines } from "./packages-overlay.js";
import { fitLines } from "./pane.js";
import { rangeDiffLines } from "./range-diff-pane.js";
import { statusLine } from "./status-line.js";

export function composeFrame(s: ExplorerState, color: boolean): string[] {
  const layout = layoutOf(s);
  const status = statusLine(s, s.columns, color);
  if (s.help) return [...fitLines(helpLines(s, color), s.columns, s.rows - 1), status];
  if (s.viewer) return [...fitLines(fileViewerLines(s, color), s.columns, s.rows - 1), status];
  if (s.fileHistory) return [...fitLines(fileHistoryLines(s, color), s.columns, s.rows - 1), status];
  if (s.advice) return [...fitLines(adviceLines(s, color), s.columns, s.rows - 1), status];
  if (s.packages) return [...fitLines(packagesLines(s, color), s.columns, s.rows - 1), status];
  if (s.compare?.shown && s.compare.packagesTop !== null)
    return [...fitLines(comparePackagesLines(s, color), s.columns, s.rows - 1), status];
  if (s.compare?.shown) return compareFrame(s, color);
  if (layout.kind === "too-small") {
    const msg = `Terminal too small: ${s.columns}×${s.rows}, need ${MIN_COLUMNS}×${MIN_ROWS}. q quits.`;
    return [paintLine([{ text: msg, style: STYLES.warning }], s.columns, color)];
  }
  const treeLines = comparing(s)
    ? rangeDiffLines(s, layout.tree, color)
    : fileTreeLines(s, layout.tree, color);
  const tree = fitLines(treeLines, layout.tree.width, layout.tree.height);
  const layers = fitLines(
    layersPaneLines(s, layout.layers, color),
    layout.layers.width,
    layout.layers.height,
  );
  if (layout.kind === "stacked") return [...layers, ...tree, status];
  const left = [...layers];
  if (layout.layerDetails) {
    const r = layout.layerDetails;
    left.push(...fitLines(layerDetailsLines(s, r, color), r.width, r.height));
  }
  if (layout.imageDetails) {
    const r = layout.imageDetails;
    left.push(...fitLines(imageDetailsLines(s, r, color), r.width, r.height));
  }
  const leftLines = fitLines(left, layout.layers.width, layout.tree.height);
  const sep = paintLine([{ text: "│", style: STYLES.muted }], 1, color);
  const out = leftLines.map((l, i) => `${l}${sep}${tree[i]}`);
  out.push(status);
  return out;
}
