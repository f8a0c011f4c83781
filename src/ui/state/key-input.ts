/**
 * Key presses to actions: what a key means depends on the state it arrives in (typing a filter,
 * an overlay open), so the keymap's commands are looked up here, against the state. No Ink here:
 * keys arrive as KeyFlags.
 */

import { type KeyFlags, keyFlagsOf } from "../keymap/key-flags.js";
import { Command, commandForKey, keySpecOf } from "../keymap/keymap.js";
import type { Action, ExplorerState } from "./explorer-state.js";

export { NO_KEY } from "../keymap/key-flags.js";

/** One character of coalesced input as the key it is (Tab, Enter, Backspace, Esc, Ctrl+letter). */
export function keyOfChar(ch: string): { input: string; key: Partial<KeyFlags> } {
  if (ch === "\t") return { input: "", key: { tab: true } };
  if (ch === "\r" || ch === "\n") return { input: "", key: { return: true } };
  if (ch === "\u007f") return { input: "", key: { delete: true } };
  if (ch === "\b") return { input: "", key: { backspace: true } };
  if (ch === "\u001b") return { input: "", key: { escape: true, meta: true } };
  const code = ch.charCodeAt(0);
  if (code > 0 && code < 0x20) return { input: String.fromCharCode(code + 96), key: { ctrl: true } };
  return { input: ch, key: { shift: ch !== ch.toLowerCase() } };
}

/** While the filter is edited, these keys keep moving in the tree instead of typing. */
const MOVES_WHILE_TYPING: ReadonlySet<Command> = new Set<Command>([
  Command.Up,
  Command.Down,
  Command.PageUp,
  Command.PageDown,
  Command.First,
  Command.Last,
  Command.Collapse,
  Command.Expand,
]);

/** Ctrl keys that still act while the filter is typed: switch its mode, suspend. */
const TYPING_CTRL: ReadonlySet<Command> = new Set<Command>([Command.FilterMode, Command.Suspend]);

/** What a key means in this state: a command, or text for the filter being typed. */
export function actionForKey(s: ExplorerState, input: string, partial: Partial<KeyFlags>): Action | null {
  const key = keyFlagsOf(partial);
  if (key.ctrl && input === "c") return { type: "quit" };
  if (s.filterEditing && !s.help) {
    if (key.return) return { type: "filter-done" };
    if (key.escape) return { type: "command", command: Command.Clear };
    if (key.backspace || key.delete) return { type: "filter-backspace" };
    if (key.tab) return { type: "filter-done" };
    const spec = keySpecOf(input, key);
    if (spec && spec.name !== "char" && spec.name !== "space") {
      const c = commandForKey(spec, s.keymap);
      return c && MOVES_WHILE_TYPING.has(c) ? { type: "command", command: c } : null;
    }
    if (spec && key.ctrl) {
      const c = commandForKey(spec, s.keymap);
      if (c && TYPING_CTRL.has(c)) return { type: "command", command: c };
    }
    if (key.ctrl || key.meta || input === "") return null;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: typed text must not carry control characters
    const text = input.replace(/[\u0000-\u001f\u007f]/g, "");
    return text === "" ? null : { type: "filter-input", text };
  }
  const spec = keySpecOf(input, key);
  if (!spec) return null;
  const c = commandForKey(spec, s.keymap);
  return c ? { type: "command", command: c } : null;
}
