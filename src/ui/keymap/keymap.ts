/**
 * The keymap is data: every command, its keys and what it does. Key handling, the `?` help and
 * the README key table are all generated from it. Ctrl+M is Enter, Ctrl+I is Tab and Ctrl+H is
 * Backspace in a terminal, so none of those is ever bound on its own.
 */
import type { KeyFlags } from "./key-flags.js";

export const Command = {
  Quit: "quit",
  Help: "help",
  NextPane: "next-pane",
  Filter: "filter",
  Clear: "clear",
  Up: "up",
  Down: "down",
  PageUp: "page-up",
  PageDown: "page-down",
  First: "first",
  Last: "last",
  PrevLayer: "prev-layer",
  NextLayer: "next-layer",
  ToggleChangesOnly: "toggle-changes-only",
  ToggleHistory: "toggle-history",
  Collapse: "collapse",
  Expand: "expand",
  ToggleDir: "toggle-dir",
  CollapseAll: "collapse-all",
  ExpandAll: "expand-all",
  ToggleSort: "toggle-sort",
  ToggleAttributes: "toggle-attributes",
  HideAdded: "hide-added",
  HideRemoved: "hide-removed",
  HideModified: "hide-modified",
  HideUnmodified: "hide-unmodified",
  JumpLargest: "jump-largest",
  Advice: "advice",
  Packages: "packages",
  ViewFile: "view-file",
  CompareMark: "compare-mark",
  FileHistory: "file-history",
  ToggleCompare: "toggle-compare",
  ViewFileA: "view-file-a",
  NextMatch: "next-match",
  PrevMatch: "prev-match",
  FilterMode: "filter-mode",
  Copy: "copy",
  CopyInstruction: "copy-instruction",
  Suspend: "suspend",
} as const;
export type Command = (typeof Command)[keyof typeof Command];

/** Named keys Ink reports; `char` is a printable character (case-sensitive). */
export type KeyName =
  | "up"
  | "down"
  | "left"
  | "right"
  | "pageUp"
  | "pageDown"
  | "home"
  | "end"
  | "return"
  | "escape"
  | "tab"
  | "backspace"
  | "delete"
  | "space"
  | "char";

export interface KeySpec {
  name: KeyName;
  /** For name "char": the character; with `ctrl`, the letter (Ctrl+A is { char: "a", ctrl }). */
  char?: string;
  ctrl?: boolean;
  shift?: boolean;
}

export type Section = "General" | "Moving" | "Layers" | "File tree" | "Two images (--compare)";

export interface Binding {
  command: Command;
  keys: KeySpec[];
  description: string;
  section: Section;
}

const ch = (c: string): KeySpec => ({ name: "char", char: c });
const ctrl = (c: string): KeySpec => ({ name: "char", char: c, ctrl: true });
const named = (name: KeyName, shift = false): KeySpec => (shift ? { name, shift } : { name });

export const KEYMAP: readonly Binding[] = [
  { command: Command.Quit, keys: [ch("q"), ctrl("c")], description: "Quit", section: "General" },
  { command: Command.Help, keys: [ch("?")], description: "Show or hide this help", section: "General" },
  {
    command: Command.NextPane,
    keys: [named("tab"), named("tab", true)],
    description: "Switch between the layers and the file tree",
    section: "General",
  },
  {
    command: Command.Filter,
    keys: [ch("/"), ctrl("f")],
    description: "Filter paths: substring or glob * ? [, smart case (Enter keeps it)",
    section: "General",
  },
  {
    command: Command.FilterMode,
    keys: [ctrl("t")],
    description: "Filter: regex, or substring and glob",
    section: "General",
  },
  {
    command: Command.NextMatch,
    keys: [ch("n")],
    description: "Next match of the filter",
    section: "General",
  },
  {
    command: Command.PrevMatch,
    keys: [ch("N")],
    description: "Previous match of the filter",
    section: "General",
  },
  {
    command: Command.Copy,
    keys: [ch("y")],
    description: "Copy the path (layers: digest), OSC 52",
    section: "General",
  },
  {
    command: Command.CopyInstruction,
    keys: [ch("Y")],
    description: "Copy the layer's instruction, OSC 52",
    section: "General",
  },
  {
    command: Command.Suspend,
    keys: [ctrl("z")],
    description: "Suspend to the shell (fg comes back)",
    section: "General",
  },
  {
    command: Command.Clear,
    keys: [named("escape")],
    description: "Clear filter or compare mark; close views",
    section: "General",
  },
  { command: Command.Up, keys: [named("up"), ch("k")], description: "Up", section: "Moving" },
  { command: Command.Down, keys: [named("down"), ch("j")], description: "Down", section: "Moving" },
  { command: Command.PageUp, keys: [named("pageUp")], description: "Page up", section: "Moving" },
  { command: Command.PageDown, keys: [named("pageDown")], description: "Page down", section: "Moving" },
  { command: Command.First, keys: [named("home"), ch("g")], description: "First row", section: "Moving" },
  { command: Command.Last, keys: [named("end"), ch("G")], description: "Last row", section: "Moving" },
  {
    command: Command.PrevLayer,
    keys: [ch("[")],
    description: "Previous layer (from either pane)",
    section: "Layers",
  },
  {
    command: Command.NextLayer,
    keys: [ch("]")],
    description: "Next layer (from either pane)",
    section: "Layers",
  },
  {
    command: Command.ToggleChangesOnly,
    keys: [ch("c"), ctrl("l")],
    description: "Changes of this layer only / everything up to this layer",
    section: "Layers",
  },
  {
    command: Command.ToggleHistory,
    keys: [ch("e")],
    description: "Show or hide empty-layer history (ENV, CMD, …)",
    section: "Layers",
  },
  {
    command: Command.CompareMark,
    keys: [ch("x")],
    description: "Compare this layer with the one selected",
    section: "Layers",
  },
  {
    command: Command.Packages,
    keys: [ch("p")],
    description: "Packages of this layer, biggest first (comparing: what changed)",
    section: "Layers",
  },
  {
    command: Command.Advice,
    keys: [ch("A")],
    description: "Advice: what to fix (Enter jumps to it)",
    section: "Layers",
  },
  {
    command: Command.Collapse,
    keys: [named("left"), ch("h")],
    description: "Collapse the directory, or go to its parent",
    section: "File tree",
  },
  {
    command: Command.Expand,
    keys: [named("right"), ch("l")],
    description: "Expand the directory, or go into it",
    section: "File tree",
  },
  {
    command: Command.ToggleDir,
    keys: [named("space"), named("return")],
    description: "Collapse or expand the directory",
    section: "File tree",
  },
  {
    command: Command.CollapseAll,
    keys: [ch("-")],
    description: "Collapse all directories",
    section: "File tree",
  },
  {
    command: Command.ExpandAll,
    keys: [ch("+"), ch("=")],
    description: "Expand all directories",
    section: "File tree",
  },
  {
    command: Command.ToggleSort,
    keys: [ch("s")],
    description: "Sort by name / by size (a directory's size is its subtree's)",
    section: "File tree",
  },
  {
    command: Command.ToggleAttributes,
    keys: [ch("b"), ctrl("b")],
    description: "Show or hide attributes (mode, uid:gid, size)",
    section: "File tree",
  },
  {
    command: Command.HideAdded,
    keys: [ch("a"), ctrl("a")],
    description: "Hide or show added files",
    section: "File tree",
  },
  {
    command: Command.HideRemoved,
    keys: [ch("r"), ctrl("r")],
    description: "Hide or show removed files",
    section: "File tree",
  },
  {
    command: Command.HideModified,
    keys: [ch("m")],
    description: "Hide or show modified files",
    section: "File tree",
  },
  {
    command: Command.HideUnmodified,
    keys: [ch("u"), ctrl("u")],
    description: "Hide or show unmodified files",
    section: "File tree",
  },
  {
    command: Command.JumpLargest,
    keys: [ch("L")],
    description: "Jump to the largest file, then the next largest",
    section: "File tree",
  },
  {
    command: Command.ViewFile,
    keys: [ch("v"), ch("o")],
    description: "View the file as of this layer",
    section: "File tree",
  },
  {
    command: Command.FileHistory,
    keys: [ch("H")],
    description: "History: every version of this path across the layers",
    section: "File tree",
  },
  {
    command: Command.ToggleCompare,
    keys: [ch("d")],
    description:
      "The comparison / the first image alone (comparing, s sorts by size change, v views B's file)",
    section: "Two images (--compare)",
  },
  {
    command: Command.ViewFileA,
    keys: [ch("V")],
    description: "View the file as in image A (v: as in image B)",
    section: "Two images (--compare)",
  },
];

export const SECTIONS: readonly Section[] = [
  "General",
  "Moving",
  "Layers",
  "File tree",
  "Two images (--compare)",
];

const NAMED_LABEL: Record<Exclude<KeyName, "char">, string> = {
  up: "↑",
  down: "↓",
  left: "←",
  right: "→",
  pageUp: "PgUp",
  pageDown: "PgDn",
  home: "Home",
  end: "End",
  return: "Enter",
  escape: "Esc",
  tab: "Tab",
  backspace: "Backspace",
  delete: "Delete",
  space: "Space",
};

export function keyLabel(k: KeySpec): string {
  const base =
    k.name === "char" ? (k.ctrl ? (k.char ?? "").toUpperCase() : (k.char ?? "")) : NAMED_LABEL[k.name];
  return (k.ctrl ? "Ctrl+" : "") + (k.shift ? "Shift+" : "") + base;
}

export function bindingFor(command: Command, map: readonly Binding[] = KEYMAP): Binding {
  const b = map.find((x) => x.command === command);
  if (!b) throw new Error(`no binding for ${command}`);
  return b;
}

/** "q, Ctrl+C". */
export function keysLabel(command: Command, map: readonly Binding[] = KEYMAP): string {
  return bindingFor(command, map).keys.map(keyLabel).join(", ");
}

/** The key the terminal reported, in KeySpec terms; null for keys layerview never binds. */
export function keySpecOf(input: string, key: KeyFlags): KeySpec | null {
  if (key.upArrow) return { name: "up" };
  if (key.downArrow) return { name: "down" };
  if (key.leftArrow) return { name: "left" };
  if (key.rightArrow) return { name: "right" };
  if (key.pageUp) return { name: "pageUp" };
  if (key.pageDown) return { name: "pageDown" };
  if (key.home) return { name: "home" };
  if (key.end) return { name: "end" };
  if (key.return) return { name: "return" };
  if (key.escape) return { name: "escape" };
  if (key.tab) return key.shift ? { name: "tab", shift: true } : { name: "tab" };
  if (key.backspace) return { name: "backspace" };
  if (key.delete) return { name: "delete" };
  if (input === " " && !key.ctrl) return { name: "space" };
  if (input.length === 0) return null;
  if (key.ctrl) return { name: "char", char: input.toLowerCase(), ctrl: true };
  return { name: "char", char: input };
}

function sameKey(a: KeySpec, b: KeySpec): boolean {
  return (
    a.name === b.name && (a.char ?? "") === (b.char ?? "") && !!a.ctrl === !!b.ctrl && !!a.shift === !!b.shift
  );
}

/** The command bound to a key, or null. */
export function commandForKey(k: KeySpec, map: readonly Binding[] = KEYMAP): Command | null {
  for (const b of map) for (const spec of b.keys) if (sameKey(spec, k)) return b.command;
  return null;
}

/** Fails loudly if two commands share a key or a binding names a key a terminal cannot send apart. */
export function validateKeymap(map: readonly Binding[] = KEYMAP): string[] {
  const problems: string[] = [];
  const seen = new Map<string, Command>();
  for (const b of map) {
    for (const k of b.keys) {
      const label = keyLabel(k);
      const other = seen.get(label);
      if (other && other !== b.command) problems.push(`${label} is bound to both ${other} and ${b.command}`);
      seen.set(label, b.command);
      if (k.ctrl && k.name === "char" && ["m", "i", "h"].includes(k.char ?? "")) {
        problems.push(`${label} is the same key as Enter/Tab/Backspace in a terminal`);
      }
    }
  }
  return problems;
}
