/**
 * The file viewer's content as lines: text split on newlines, or a hex dump for binary data. Pure;
 * the bytes arrive through the CLI's `openContent` callback (read-capped.ts reads them).
 */

/** Read at most this much of a file: the viewer is for looking, not for copying. */
export const VIEW_CAP_BYTES = 2 ** 20;
export const VIEW_CAP_LABEL = "1 MiB";
/** Binary if the first 8 KiB hold a NUL byte or are not valid UTF-8. */
const SNIFF_BYTES = 8192;
export const HEX_BYTES_PER_LINE = 16;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function isBinary(data: Uint8Array): boolean {
  let head = data.subarray(0, SNIFF_BYTES);
  if (head.includes(0)) return true;
  // A multi-byte character cut by the sniff window (or the cap) is not a sign of binary data.
  if (head.length < data.length || head.length === SNIFF_BYTES) head = trimPartialChar(head);
  try {
    utf8.decode(head);
    return false;
  } catch {
    return true;
  }
}

/** Drop an incomplete UTF-8 sequence at the end (at most 3 bytes). */
function trimPartialChar(b: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back]!;
    if ((c & 0xc0) === 0x80) continue;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? b.subarray(0, b.length - back) : b;
  }
  return b;
}

/** Text lines with tabs expanded; control characters are shown as ␀-style pictures by the pane. */
export function textLines(data: Uint8Array): string[] {
  const text = new TextDecoder("utf-8").decode(data);
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => l.replace(/\t/g, "    "));
}

export function hexLineCount(data: Uint8Array): number {
  return Math.ceil(data.length / HEX_BYTES_PER_LINE);
}

/** `00000010  41 42 …  |AB..|`, for line `i` (16 bytes a line). */
export function hexLine(data: Uint8Array, i: number): string {
  const off = i * HEX_BYTES_PER_LINE;
  const bytes = data.subarray(off, off + HEX_BYTES_PER_LINE);
  let hex = "";
  let ascii = "";
  for (let j = 0; j < HEX_BYTES_PER_LINE; j++) {
    const b = bytes[j];
    if (j === 8) hex += " ";
    hex += b === undefined ? "   " : `${b.toString(16).padStart(2, "0")} `;
    if (b !== undefined) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
  }
  return `${off.toString(16).padStart(8, "0")}  ${hex} |${ascii}|`;
}
