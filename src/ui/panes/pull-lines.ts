/** `--pull` in the tree pane: a row per layer as `docker pull` shows them, as many as fit. */
import { bar, formatBytes } from "../render/format.js";
import { displayWidth, padEnd, truncate } from "../render/text.js";
import { type Line, STYLES } from "../render/theme.js";
import { layerDone, type PullBoard, type PullLayerRow } from "../state/pull-board.js";

const BAR_WIDTH = 20;

/** Exactly `w` cells of `text`. */
const cell = (text: string, w: number) => padEnd(truncate(text, w), w);

/**
 * The board in at most `height` lines of `width` cells: its header, a row per layer (when they do
 * not all fit, the finished ones become one line, then the rest is cut with a count), the latest line.
 */
export function pullLines(board: PullBoard, width: number, height: number): Line[] {
  const out: Line[] = board.header
    .slice(0, Math.max(0, height - 1))
    .map((h) => [{ text: h, style: STYLES.muted }]);
  const latest: Line[] = board.latest === null ? [] : [[{ text: board.latest, style: STYLES.muted }]];
  const room = Math.max(0, height - out.length - latest.length);
  let rows: PullLayerRow[] = board.layers;
  let doneLine: Line | null = null;
  if (rows.length > room) {
    const done = rows.filter(layerDone).length;
    if (done > 0) {
      rows = rows.filter((r) => !layerDone(r));
      doneLine = [{ text: `${done} layer${done === 1 ? "" : "s"} done`, style: STYLES.muted }];
    }
  }
  const slots = Math.max(0, room - (doneLine ? 1 : 0));
  const cut = rows.length > slots;
  const shown = cut ? rows.slice(0, Math.max(0, slots - 1)) : rows;
  const idWidth = Math.min(20, Math.max(0, ...shown.map((r) => displayWidth(r.id))));
  const statusWidth = Math.min(22, Math.max(0, ...shown.map((r) => displayWidth(r.status))));
  // Room for "  " after the id, " " around the bar and "999 MB / 999 MB" after it.
  const barWidth = Math.max(4, Math.min(BAR_WIDTH, width - idWidth - statusWidth - 21));
  if (doneLine) out.push(doneLine);
  for (const r of shown) {
    const line: Line = [{ text: `${cell(r.id, idWidth)}  ` }, { text: cell(r.status, statusWidth) }];
    if (r.current !== null && r.total !== null) {
      line.push({ text: " " }, { text: bar(r.current / r.total, barWidth), style: STYLES.bar });
      line.push({ text: ` ${formatBytes(r.current)} / ${formatBytes(r.total)}` });
    }
    out.push(line);
  }
  if (cut) {
    const more = rows.length - shown.length;
    out.push([{ text: `… ${more} more layer${more === 1 ? "" : "s"}`, style: STYLES.muted }]);
  }
  out.push(...latest);
  return out.slice(0, Math.max(0, height));
}
