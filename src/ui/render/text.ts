/** Plain-text helpers measured in terminal cells (not UTF-16 units), for fitting text into panes. */
import stringWidth from "string-width";

/** Graphemes (a base character and what combines with it, emoji sequences) for cutting text in cells. */
const graphemes = new Intl.Segmenter();

/** Cells a grapheme takes (string-width: East Asian width, emoji, combining marks). */
function graphemeWidth(g: string): number {
  return g.length === 1 && g.charCodeAt(0) < 0x300 ? 1 : stringWidth(g);
}

/** Cells `s` takes in a terminal. Plain ASCII (most paths) is counted here without string-width. */
export function displayWidth(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x300) return i + stringWidth(s.slice(i));
  }
  return s.length;
}

/**
 * File names may hold anything but "/" and NUL: control characters would move the cursor or
 * change colours, so they are shown escaped.
 */
export function sanitize(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(s)) return s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** At most `width` cells of `s`; ends with "…" when something was cut. */
export function truncate(s: string, width: number, ellipsis = "…"): string {
  if (width <= 0) return "";
  if (s.length <= width && isNarrowAscii(s)) return s;
  if (displayWidth(s) <= width) return s;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return takeCells(s, width);
  return takeCells(s, room) + ellipsis;
}

/** Keep the end of `s` instead ("…/lib/libc.so.6"). */
export function truncateStart(s: string, width: number, ellipsis = "…"): string {
  if (width <= 0) return "";
  if (displayWidth(s) <= width) return s;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return takeCells(s, width);
  const chars = Array.from(graphemes.segment(s), (x) => x.segment);
  let w = 0;
  let i = chars.length;
  while (i > 0) {
    const cw = graphemeWidth(chars[i - 1]!);
    if (w + cw > room) break;
    w += cw;
    i--;
  }
  return ellipsis + chars.slice(i).join("");
}

export function padEnd(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + " ".repeat(width - w);
}

export function padStart(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : " ".repeat(width - w) + s;
}

/** Exactly `width` cells: truncated or padded. */
export function fit(s: string, width: number): string {
  return padEnd(truncate(s, width), width);
}

/**
 * Word-wrap to `width` cells; words longer than a line are broken. At most `maxLines` lines,
 * the last ending in "…" when text was left over.
 */
export function wrap(s: string, width: number, maxLines = Number.POSITIVE_INFINITY): string[] {
  if (width <= 0 || maxLines <= 0) return [];
  const lines: string[] = [];
  let line = "";
  let lineW = 0;
  const flush = () => {
    lines.push(line);
    line = "";
    lineW = 0;
  };
  for (const word of s.split(/\s+/).filter((x) => x !== "")) {
    let rest = word;
    let restW = displayWidth(rest);
    if (lineW > 0 && lineW + 1 + restW <= width) {
      line += ` ${rest}`;
      lineW += 1 + restW;
      continue;
    }
    if (lineW > 0) flush();
    while (restW > width) {
      const head = takeCells(rest, width);
      lines.push(head);
      rest = rest.slice(head.length);
      restW = displayWidth(rest);
    }
    line = rest;
    lineW = restW;
  }
  if (lineW > 0 || lines.length === 0) flush();
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = kept[maxLines - 1]!;
    kept[maxLines - 1] = displayWidth(last) < width ? `${last}…` : `${takeCells(last, width - 1)}…`;
    return kept;
  }
  return lines;
}

function takeCells(s: string, cells: number): string {
  let w = 0;
  let out = "";
  for (const { segment: ch } of graphemes.segment(s)) {
    const cw = graphemeWidth(ch);
    if (w + cw > cells) break;
    w += cw;
    out += ch;
  }
  return out;
}

function isNarrowAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x300) return false;
  return true;
}
