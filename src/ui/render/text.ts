/** Plain-text helpers measured in terminal cells (not UTF-16 units), for fitting text into panes. */
import { eastAsianWidth } from "get-east-asian-width";
import stringWidth from "string-width";
import { printable } from "../../model/printable.js";

/**
 * Characters that join with their neighbours into one cell or two (combining marks, joiners,

 * variation selectors (marks too), flags) or may show as emoji: text holding one is measured grapheme by
 * grapheme with string-width. Other text (box drawing, arrows, CJK…) is measured a code point at
 * a time with get-east-asian-width, and ASCII without either.
 */
const CLUSTERING = /[\p{M}\p{Extended_Pictographic}\p{Regional_Indicator}\u200b-\u200f\u2060-\u2064]/u;

/** Graphemes (a base character and what combines with it, emoji sequences) for cutting text in cells. */
const graphemes = new Intl.Segmenter();

/** Cells of `s` from its first non-Latin character on. */
function wideWidth(s: string): number {
  if (CLUSTERING.test(s)) return stringWidth(s);
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w += cp < 0x300 ? 1 : eastAsianWidth(cp);
  }
  return w;
}

/** Cells `s` takes in a terminal. */
export function displayWidth(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x300) return i + wideWidth(s.slice(i));
  }
  return s.length;
}

/** The units `s` is cut in (graphemes where characters join, else code points), with their cells. */
function cells(s: string): { text: string; width: number }[] {
  if (CLUSTERING.test(s)) {
    return Array.from(graphemes.segment(s), ({ segment }) => ({
      text: segment,
      width: stringWidth(segment),
    }));
  }
  return Array.from(s, (ch) => {
    const cp = ch.codePointAt(0)!;
    return { text: ch, width: cp < 0x300 ? 1 : eastAsianWidth(cp) };
  });
}

/** Control characters shown escaped (see printable). */
export const sanitize = printable;

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
  const parts = cells(s);
  let w = 0;
  let i = parts.length;
  while (i > 0) {
    const cw = parts[i - 1]!.width;
    if (w + cw > room) break;
    w += cw;
    i--;
  }
  return (
    ellipsis +
    parts
      .slice(i)
      .map((p) => p.text)
      .join("")
  );
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

function takeCells(s: string, room: number): string {
  let w = 0;
  let out = "";
  if (isNarrowAscii(s)) return s.slice(0, Math.max(0, room));
  for (const { text, width } of cells(s)) {
    if (w + width > room) break;
    w += width;
    out += text;
  }
  return out;
}

function isNarrowAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x300) return false;
  return true;
}
