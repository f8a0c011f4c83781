/**
 * The package changes of a comparison as a list of their own (`p` while comparing): every package
 * added, removed or whose version changed between A and B, the biggest size change first — the
 * comparison's own lists (compare.ts), merged.
 */
import type { ImageComparison, PackageChange } from "../../model/compare.js";
import { bySizeChange } from "../../model/packages.js";
import { Command } from "../keymap/keymap.js";
import type { CompareState } from "./compare-types.js";
import type { ExplorerState } from "./explorer-state.js";

export type PackageChangeKind = "added" | "removed" | "changed";

export interface PackageChangeRow {
  kind: PackageChangeKind;
  change: PackageChange;
}

/** The comparison's package changes, merged, biggest size change (either way) first. */
export function packageChangeRows(cmp: ImageComparison): PackageChangeRow[] {
  const p = cmp.packages;
  if (!p) return [];
  const kinds = new Map<PackageChange, PackageChangeKind>();
  for (const c of p.added) kinds.set(c, "added");
  for (const c of p.removed) kinds.set(c, "removed");
  for (const c of p.upgraded) kinds.set(c, "changed");
  return bySizeChange([...kinds.keys()]).map((change) => ({ kind: kinds.get(change)!, change }));
}

/** Rows of the list: the screen but the title, the summary line, the header and the status line. */
export function packageChangesHeight(s: ExplorerState): number {
  return Math.max(1, s.rows - 4);
}

export function openPackageChanges(s: ExplorerState, c: CompareState): ExplorerState {
  if (!c.comparison) return { ...s, notice: "The package changes are ready once the comparison is" };
  return { ...s, compare: { ...c, packagesTop: 0 } };
}

/** Keys while the list is open: it scrolls; p or Esc closes it. */
export function packageChangesCommand(s: ExplorerState, c: CompareState, command: Command): ExplorerState {
  const rows = c.comparison ? packageChangeRows(c.comparison).length : 0;
  const h = packageChangesHeight(s);
  const top = c.packagesTop ?? 0;
  const scroll = (to: number) => ({
    ...s,
    compare: { ...c, packagesTop: Math.max(0, Math.min(to, rows - h)) },
  });
  switch (command) {
    case Command.Packages:
    case Command.Clear:
      return { ...s, compare: { ...c, packagesTop: null } };
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    case Command.Up:
      return scroll(top - 1);
    case Command.Down:
      return scroll(top + 1);
    case Command.PageUp:
      return scroll(top - h);
    case Command.PageDown:
      return scroll(top + h);
    case Command.First:
      return scroll(0);
    case Command.Last:
      return scroll(rows);
    default:
      return s;
  }
}
