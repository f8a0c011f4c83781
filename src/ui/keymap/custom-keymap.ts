/**
 * The keymap with the user's bindings (the config file's `keys:`, dive's `keybinding:`): each names
 * an action and its keys, which replace that action's keys. Keys are written "q", "G", "ctrl+f",
 * "shift+tab", "pgdn", "space", "enter", "esc"; a clash or an unknown action is a problem naming
 * the line it is on.
 */
import { type Binding, Command, KEYMAP, type KeyName, type KeySpec, keyLabel } from "./keymap.js";

const NAMES: Record<string, KeyName> = {
  up: "up",
  down: "down",
  left: "left",
  right: "right",
  pgup: "pageUp",
  pageup: "pageUp",
  pgdn: "pageDown",
  pagedown: "pageDown",
  home: "home",
  end: "end",
  enter: "return",
  return: "return",
  esc: "escape",
  escape: "escape",
  tab: "tab",
  backspace: "backspace",
  delete: "delete",
  del: "delete",
  space: "space",
};

/** Characters spelled out by name (dive writes "ctrl+slash"). */
const CHAR_NAMES: Record<string, string> = { slash: "/", minus: "-", plus: "+", equal: "=", question: "?" };

/** A key as written in a config file → its KeySpec, or a string saying what is wrong. */
export function parseKeyText(text: string): KeySpec | string {
  const raw = text.trim();
  if (raw === "") return "an empty key";
  // "+" alone (or "ctrl++") is the plus key, not a separator.
  const parts =
    raw === "+" ? ["+"] : raw.endsWith("++") ? [...raw.slice(0, -2).split("+"), "+"] : raw.split("+");
  const base = parts.pop()!;
  let ctrl = false;
  let shift = false;
  for (const m of parts) {
    const mod = m.toLowerCase();
    if (mod === "ctrl" || mod === "control") ctrl = true;
    else if (mod === "shift") shift = true;
    else return `'${m}' is not a modifier (use ctrl+ or shift+)`;
  }
  const name = NAMES[base.toLowerCase()];
  if (name !== undefined && base.length > 1) {
    if (ctrl) return `ctrl+${base} cannot be told apart from ${base} in a terminal`;
    if (shift && name !== "tab") return `shift+${base} cannot be told apart from ${base} in a terminal`;
    return shift ? { name, shift: true } : { name };
  }
  const ch = CHAR_NAMES[base.toLowerCase()] ?? base;
  if (Array.from(ch).length !== 1 || ch < " " || ch === "\u007f") {
    return `'${base}' is not a key (a character, or up, down, left, right, pgup, pgdn, home, end, enter, esc, tab, space, backspace, delete)`;
  }
  if (ctrl) {
    const letter = ch.toLowerCase();
    if (!/^[a-z]$/.test(letter)) return `ctrl+${ch}: only ctrl with a letter reaches layerview`;
    if (shift) return `ctrl+shift+${ch} cannot be told apart from ctrl+${letter} in a terminal`;
    if (["m", "i", "h"].includes(letter)) return `ctrl+${letter} is the same key as Enter, Tab or Backspace`;
    return { name: "char", char: letter, ctrl: true };
  }
  return { name: "char", char: shift ? ch.toUpperCase() : ch };
}

export interface KeyBindingEntry {
  /** The action as written. */
  action: string;
  keys: readonly string[];
  /** Where it was written, for messages: "config.yaml:12". */
  where: string;
}

export interface KeymapProblem {
  where: string;
  message: string;
}

const COMMANDS: ReadonlySet<string> = new Set(Object.values(Command));

/**
 * The keymap with `entries` applied: each entry's keys replace its action's. Unknown actions, keys
 * that cannot be read and keys bound to two actions are problems (the keymap returned then is the
 * one before them).
 */
export function customKeymap(
  entries: readonly KeyBindingEntry[],
  base: readonly Binding[] = KEYMAP,
): { keymap: readonly Binding[]; problems: KeymapProblem[] } {
  const problems: KeymapProblem[] = [];
  const replaced = new Map<Command, { keys: KeySpec[]; where: string }>();
  for (const e of entries) {
    if (!COMMANDS.has(e.action)) {
      problems.push({
        where: e.where,
        message: `'${e.action}' is not an action (layerview config lists the actions)`,
      });
      continue;
    }
    const keys: KeySpec[] = [];
    for (const text of e.keys) {
      const k = parseKeyText(text);
      if (typeof k === "string") problems.push({ where: e.where, message: `${e.action}: ${k}` });
      else if (!keys.some((x) => keyLabel(x) === keyLabel(k))) keys.push(k);
    }
    if (keys.length === 0 && problems.length === 0) {
      problems.push({ where: e.where, message: `${e.action}: no keys given` });
    }
    const command = e.action as Command;
    const before = replaced.get(command);
    replaced.set(command, { keys: before ? [...before.keys, ...keys] : keys, where: e.where });
  }
  const keymap = base.map((b) => {
    const r = replaced.get(b.command);
    return r ? { ...b, keys: r.keys } : b;
  });
  // A clash is named where the new binding was written; between two defaults it cannot happen.
  const owner = new Map<string, Command>();
  for (const b of keymap) {
    for (const k of b.keys) {
      const label = keyLabel(k);
      const other = owner.get(label);
      if (other !== undefined && other !== b.command) {
        const where = replaced.get(b.command)?.where ?? replaced.get(other)?.where ?? "";
        const mine = replaced.has(b.command) ? b.command : other;
        const theirs = mine === b.command ? other : b.command;
        problems.push({
          where,
          message: `${label} for ${mine} is already bound to ${theirs}${replaced.has(theirs) ? "" : " (rebind that too)"}`,
        });
      } else owner.set(label, b.command);
    }
  }
  // In the order of the file's lines, whatever the pass that found them.
  const lineOf = (p: KeymapProblem) => Number(/:(\d+)$/.exec(p.where)?.[1] ?? 0);
  problems.sort((a, b) => lineOf(a) - lineOf(b));
  return { keymap: problems.length === 0 ? keymap : base, problems };
}

/** The actions a config file may bind, with what they do (for `layerview config`). */
export function actionList(base: readonly Binding[] = KEYMAP): string[] {
  const width = Math.max(...base.map((b) => b.command.length));
  return base.map((b) => `${b.command.padEnd(width)}  ${b.keys.map(keyLabel).join(" ")}  ${b.description}`);
}

/** A key as a config file writes it ("ctrl+f", "pgdn", "G"): what `layerview config` prints. */
export function keyText(k: KeySpec): string {
  const spelled: Partial<Record<KeyName, string>> = {
    pageUp: "pgup",
    pageDown: "pgdn",
    return: "enter",
    escape: "esc",
  };
  const base = k.name === "char" ? (k.char ?? "") : (spelled[k.name] ?? k.name);
  return `${k.ctrl ? "ctrl+" : ""}${k.shift && k.name !== "char" ? "shift+" : ""}${base}`;
}

/**
 * Keys from another tool's config (dive's `keybinding:`) added to the actions they name: a key that
 * cannot be read or is already another action's is left out, with a note saying so.
 */
export function addForeignKeys(
  entries: readonly KeyBindingEntry[],
  base: readonly Binding[] = KEYMAP,
): { keymap: readonly Binding[]; notes: string[] } {
  const notes: string[] = [];
  const keymap = base.map((b) => ({ ...b, keys: [...b.keys] }));
  const owner = new Map<string, Command>();
  for (const b of keymap) for (const k of b.keys) owner.set(keyLabel(k), b.command);
  for (const e of entries) {
    const b = keymap.find((x) => x.command === e.action);
    if (!b) continue;
    for (const text of e.keys) {
      const k = parseKeyText(text);
      if (typeof k === "string") {
        notes.push(`${e.where}: ${text} for ${e.action} left out: ${k}`);
        continue;
      }
      const label = keyLabel(k);
      const other = owner.get(label);
      if (other !== undefined && other !== b.command) {
        notes.push(`${e.where}: ${text} for ${e.action} left out: layerview binds ${label} to ${other}`);
        continue;
      }
      if (other === undefined) {
        b.keys.push(k);
        owner.set(label, b.command);
      }
    }
  }
  return { keymap, notes };
}
