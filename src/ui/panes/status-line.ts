import { Command, keysLabel } from "../keymap/keymap.js";
import { displayWidth } from "../render/text.js";
import { type Line, paintLine, STYLES } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";

/** Most useful first: as many as fit are shown, and quit always. */
const HINTS: readonly [Command, string][] = [
  [Command.Help, "help"],
  [Command.NextPane, "pane"],
  [Command.Filter, "filter"],
  [Command.ToggleDir, "fold"],
  [Command.ToggleChangesOnly, "layer/all"],
  [Command.ToggleSort, "sort"],
  [Command.ToggleAttributes, "attrs"],
  [Command.JumpLargest, "largest"],
  [Command.ViewFile, "view"],
  [Command.CompareMark, "compare"],
  [Command.Advice, "advice"],
  [Command.FileHistory, "history"],
];
/** While two images are compared. */
const COMPARE_HINTS: readonly [Command, string][] = [
  [Command.Help, "help"],
  [Command.NextPane, "pane"],
  [Command.Filter, "filter"],
  [Command.ToggleDir, "fold"],
  [Command.ToggleSort, "sort"],
  [Command.HideUnmodified, "unchanged"],
  [Command.ViewFile, "view B"],
  [Command.ViewFileA, "view A"],
  [Command.ToggleCompare, "image A alone"],
];
const LAST: [Command, string] = [Command.Quit, "quit"];

/** Key hints from the keymap (first key of each), or the notice of the last command. */
export function statusLine(s: ExplorerState, width: number, color: boolean): string {
  if (s.notice) return paintLine([{ text: ` ${s.notice}`, style: STYLES.label }], width, color);
  const hint = ([command, label]: [Command, string]) => {
    const key = keysLabel(command, s.keymap).split(", ")[0]!;
    return { key, label, width: displayWidth(key) + 1 + displayWidth(label) + 2 };
  };
  const last = hint(LAST);
  const shown: ReturnType<typeof hint>[] = [];
  let used = last.width;
  const back: [Command, string][] = s.compare ? [[Command.ToggleCompare, "compare"]] : [];
  const hints = s.compare?.shown ? COMPARE_HINTS : [...HINTS.slice(0, 1), ...back, ...HINTS.slice(1)];
  for (const h of hints.map(hint)) {
    if (used + h.width > width) break;
    shown.push(h);
    used += h.width;
  }
  const line: Line = [];
  for (const h of [...shown, last]) {
    line.push({ text: ` ${h.key}`, style: STYLES.key }, { text: ` ${h.label} `, style: STYLES.muted });
  }
  return paintLine(line, width, color);
}
