/**
 * The packages overlay: the selected layer's packages, biggest share first, then the ones it
 * removed; Enter limits the tree to the chosen package's files in that layer.
 */
import type { LayerPackages, PackageChange, PackageUse } from "../../model/packages.js";
import { Command } from "../keymap/keymap.js";
import { clamp, settleTree, windowTop } from "./cursor.js";
import type { ExplorerState, PackagesView } from "./explorer-state.js";
import { listMove } from "./list-move.js";

export type PackageRow = { kind: "use"; use: PackageUse } | { kind: "removed"; change: PackageChange };

/** The layer's packages as of the overlay, or null before the image is read. */
export function layerPackagesOf(s: ExplorerState, layer: number): LayerPackages | null {
  if (!s.session || s.layersRead !== null) return null;
  return s.session.packages().layers[layer] ?? null;
}

export function packageRows(lp: LayerPackages): PackageRow[] {
  return [
    ...lp.uses.map((use): PackageRow => ({ kind: "use", use })),
    ...lp.removed.map((change): PackageRow => ({ kind: "removed", change })),
  ];
}

/** Rows of the list: the screen but the title, the summary line, the header and the status line. */
export function packagesListHeight(s: ExplorerState): number {
  return Math.max(1, s.rows - 4);
}

export function openPackages(s: ExplorerState): ExplorerState {
  if (!s.session || s.layersRead !== null || s.layer < 0)
    return { ...s, notice: "The packages are ready once the image is read" };
  return { ...s, packages: { layer: s.layer, selected: 0, top: 0 } };
}

export function packagesCommand(s: ExplorerState, v: PackagesView, c: Command): ExplorerState {
  const lp = layerPackagesOf(s, v.layer);
  const rows = lp ? packageRows(lp) : [];
  const h = packagesListHeight(s);
  const select = (i: number): ExplorerState => {
    const selected = clamp(i, 0, Math.max(0, rows.length - 1));
    return { ...s, packages: { ...v, selected, top: windowTop(v.top, selected, h, rows.length) } };
  };
  const moved = listMove(c, v.selected, h, rows.length);
  if (moved !== null) return select(moved);
  switch (c) {
    case Command.Packages:
    case Command.Clear:
      return { ...s, packages: null };
    case Command.Quit:
      return { ...s, quit: true };
    case Command.Help:
      return { ...s, help: true, helpTop: 0 };
    case Command.ToggleDir:
    case Command.Expand:
      return showPackageFiles(s, v, rows[v.selected]);
    default:
      return s;
  }
}

/** Enter on a package: the tree of its layer, limited to the files it owns there. */
function showPackageFiles(s: ExplorerState, v: PackagesView, row: PackageRow | undefined): ExplorerState {
  if (!s.session || row === undefined) return s;
  if (row.kind === "removed")
    return { ...s, notice: `${row.change.name} was removed by this layer: it has no files here` };
  const pkg = row.use.pkg;
  const nodes = s.session.packages().filesOf(v.layer, pkg.key);
  if (nodes.length === 0) return { ...s, notice: `${pkg.name} owns no file of layer ${v.layer}` };
  const mask = new Uint8Array(s.session.model.paths.size);
  for (const n of nodes) mask[n] = 1;
  return settleTree({
    ...s,
    packages: null,
    focus: "tree",
    layer: v.layer,
    packageFilter: { key: pkg.key, name: pkg.name, layer: v.layer, mask },
    notice: `${nodes.length} ${nodes.length === 1 ? "file" : "files"} of ${pkg.name} in layer ${v.layer} · Esc shows all`,
  });
}
