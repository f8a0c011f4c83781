import { displayWidth, truncate } from "../render/text.js";
import { type Line, paintLine, STYLES } from "../render/theme.js";

/** "─ Files  as of layer 3 ─────"; the focused pane's title is inverted. */
export function titleLine(
  title: string,
  extra: string,
  width: number,
  focused: boolean,
  color: boolean,
): string {
  const head = focused ? ` ${title} ` : `─ ${title} `;
  const line: Line = [{ text: head, style: focused ? STYLES.focusedTitle : STYLES.title }];
  const rest = width - displayWidth(head);
  if (extra !== "" && rest > 2) {
    const e = truncate(extra, rest - 1);
    line.push({ text: ` ${e}`, style: STYLES.muted });
  }
  const used = line.reduce((w, s) => w + displayWidth(s.text), 0);
  if (used < width) line.push({ text: ` ${"─".repeat(Math.max(0, width - used - 1))}`, style: STYLES.muted });
  return paintLine(line, width, color);
}

/** Exactly `height` lines of `width` cells: cut, or filled with blank lines. */
export function fitLines(lines: readonly string[], width: number, height: number): string[] {
  const out = lines.slice(0, height);
  const blank = " ".repeat(Math.max(0, width));
  while (out.length < height) out.push(blank);
  return out;
}
