import { Command } from "../keymap/keymap.js";

/**
 * Where a movement key takes the selection of a list of `total` rows showing `page` at a time
 * (unclamped: callers clamp), or null when the command is not a movement. One copy for every list
 * overlay and pane (advice, history, packages, compare layers and package changes).
 */
export function listMove(c: Command, selected: number, page: number, total: number): number | null {
  switch (c) {
    case Command.Up:
      return selected - 1;
    case Command.Down:
      return selected + 1;
    case Command.PageUp:
      return selected - page;
    case Command.PageDown:
      return selected + page;
    case Command.First:
      return 0;
    case Command.Last:
      return total - 1;
    default:
      return null;
  }
}
