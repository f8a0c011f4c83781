import type { ExplorerState } from "./explorer-state.js";
import { Command, keysLabel } from "./keymap.js";
import { displayWidth } from "./text.js";
import { type Line, paintLine, STYLES } from "./theme.js";

const HINTS: readonly [Command, string][] = [
  [Command.Help, "help"],
  [Command.NextPane, "pane"],
  [Command.Filter, "filter"],
  [Command.ToggleDir, "fold"],
  [Command.ToggleChangesOnly, "layer/all"],
  [Command.ToggleSort, "sort"],
  [Command.ToggleAttributes, "attrs"],
  [Command.JumpLargest, "largest"],
  [Command.Quit, "quit"],
];

/** Key hints from the keymap (first key of each), or the notice of the last command. */
export function statusLine(s: ExplorerState, width: number, color: boolean): string {
  if (s.notice) return paintLine([{ text: ` ${s.notice}`, style: STYLES.label }], width, color);
  const line: Line = [];
  let used = 0;
  for (const [command, label] of HINTS) {
    const key = keysLabel(command).split(", ")[0]!;
    const w = displayWidth(key) + 1 + displayWidth(label) + 2;
    if (used + w > width) break;
    line.push({ text: ` ${key}`, style: STYLES.key }, { text: ` ${label} `, style: STYLES.muted });
    used += w;
  }
  return paintLine(line, width, color);
}
