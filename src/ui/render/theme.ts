/**
 * Styles as data, and the one place they become escape sequences. Colour is only ever an
 * addition: every state also has a marker character, so the screen reads the same under NO_COLOR.
 * SGR codes are written here rather than through Ink's colour props so that colour follows
 * `noColor` alone, not chalk's guess from the environment (CI, FORCE_COLOR).
 */
import { NodeStatus } from "../../model/image-model.js";
import { displayWidth, truncate } from "./text.js";

export type Color = "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray";

export interface Style {
  fg?: Color;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface Segment {
  text: string;
  style?: Style;
}

export type Line = Segment[];

export interface StatusLook {
  marker: string;
  label: string;
  style: Style;
}

export const STATUS_LOOK: Record<NodeStatus, StatusLook> = {
  [NodeStatus.Absent]: { marker: " ", label: "absent", style: {} },
  [NodeStatus.Unchanged]: { marker: " ", label: "unchanged", style: {} },
  [NodeStatus.Added]: { marker: "+", label: "added", style: { fg: "green" } },
  [NodeStatus.Modified]: { marker: "~", label: "modified", style: { fg: "yellow" } },
  [NodeStatus.Same]: { marker: "=", label: "rewritten, identical", style: { fg: "cyan" } },
  [NodeStatus.Removed]: { marker: "-", label: "removed", style: { fg: "red", strike: true } },
};

/** A version an upper layer overwrites or deletes: "✗L7". */
export const HIDDEN_LATER: StatusLook = { marker: "✗", label: "hidden later", style: { fg: "magenta" } };

export const STYLES = {
  title: { bold: true } as Style,
  focusedTitle: { bold: true, inverse: true } as Style,
  label: { bold: true } as Style,
  muted: { dim: true } as Style,
  history: { dim: true, fg: "gray" } as Style,
  cursor: { inverse: true } as Style,
  cursorUnfocused: { underline: true } as Style,
  dir: { bold: true } as Style,
  link: { fg: "cyan" } as Style,
  error: { fg: "red", bold: true } as Style,
  warning: { fg: "yellow" } as Style,
  bar: { fg: "green" } as Style,
  key: { bold: true } as Style,
};

export function statusLook(status: NodeStatus): StatusLook {
  return STATUS_LOOK[status];
}

const FG: Record<Color, number> = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
};

function sgr(style: Style | undefined, color: boolean): string {
  if (!style) return "";
  const codes: number[] = [];
  if (style.bold) codes.push(1);
  if (style.dim) codes.push(2);
  if (style.italic) codes.push(3);
  if (style.underline) codes.push(4);
  if (style.inverse) codes.push(7);
  if (style.strike) codes.push(9);
  if (color && style.fg) codes.push(FG[style.fg]);
  return codes.length === 0 ? "" : `\u001b[${codes.join(";")}m`;
}

function merge(base: Style | undefined, own: Style | undefined): Style | undefined {
  if (!base) return own;
  if (!own) return base;
  return { ...base, ...own };
}

/**
 * One screen line of exactly `width` cells: segments are cut at the width (the last one with
 * "…") and padded; `base` (e.g. the cursor's inverse) spans the whole line, padding included.
 * Adjacent segments of the same style share one escape sequence.
 */
export function paintLine(line: Line, width: number, color: boolean, base?: Style): string {
  let out = "";
  let used = 0;
  let runText = "";
  let runCode = "";
  const flush = () => {
    if (runText !== "") out += runCode === "" ? runText : `${runCode}${runText}\u001b[0m`;
    runText = "";
  };
  for (let i = 0; i < line.length && used < width; i++) {
    const seg = line[i]!;
    if (seg.text === "") continue;
    let text = seg.text;
    const w = displayWidth(text);
    if (used + w > width) text = truncate(text, width - used);
    used += displayWidth(text);
    const code = sgr(merge(base, seg.style), color);
    if (code !== runCode) {
      flush();
      runCode = code;
    }
    runText += text;
  }
  flush();
  if (used < width) {
    const pad = " ".repeat(width - used);
    const code = sgr(base, color);
    out += code === "" ? pad : `${code}${pad}\u001b[0m`;
  }
  return out;
}

/** Text of a line without styles (for tests and width checks). */
export function lineText(line: Line): string {
  return line.map((s) => s.text).join("");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping escape sequences
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

export type ThemeName = "dark" | "light";

/**
 * The light theme: the same styles with colours that read on a light background (yellow, cyan,
 * green and grey are too pale there), as 256-colour codes. The dark theme is the SGR codes as
 * `sgr` writes them.
 */
const LIGHT: Readonly<Record<string, string>> = {
  "31": "38;5;124",
  "32": "38;5;28",
  "33": "38;5;130",
  "34": "38;5;25",
  "35": "38;5;90",
  "36": "38;5;30",
  "90": "38;5;242",
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: SGR sequences
const SGR_SEQ = /\u001b\[([0-9;]*)m/g;

/** A painted frame in a theme's colours (only the colour codes change; markers and attributes stay). */
export function themed(frame: string, theme: ThemeName): string {
  if (theme === "dark") return frame;
  return frame.replace(SGR_SEQ, (_, codes: string) => {
    const mapped = codes.split(";").map((c) => LIGHT[c] ?? c);
    return `\u001b[${mapped.join(";")}m`;
  });
}
