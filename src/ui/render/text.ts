/** Plain-text helpers measured in terminal cells (not UTF-16 units), for fitting text into panes. */

/** Cells a code point takes: 0 for combining marks, 2 for wide East Asian and emoji, else 1. */
export function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x20d0 && cp <= 0x20ff)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x300) {
      w++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    w += charWidth(cp);
  }
  return w;
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
  const chars = Array.from(s);
  let w = 0;
  let i = chars.length;
  while (i > 0) {
    const cw = charWidth(chars[i - 1]!.codePointAt(0)!);
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
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
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
