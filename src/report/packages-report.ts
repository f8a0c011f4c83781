/** Packages per layer in the text and JSON reports, and the package changes of `diff`. */
import { formatBytes } from "../model/format-bytes.js";
import type { ImageModel } from "../model/image-model.js";
import type { ImagePackages, PackageChange, PackageChanges } from "../model/packages.js";
import { printable } from "../model/printable.js";
import { padStart, truncate } from "./format.js";

const changeJson = (c: PackageChange) => ({
  manager: c.manager,
  name: c.name,
  from: c.from,
  to: c.to,
  installedSize: c.installedSize,
  sizeDelta: c.sizeDelta,
});

export function packageChangesJson(ch: PackageChanges) {
  return {
    added: ch.added.map(changeJson),
    removed: ch.removed.map(changeJson),
    upgraded: ch.upgraded.map(changeJson),
  };
}

/** The `packages` member of the `--json` document (schema in the README). */
export function packagesJson(model: ImageModel, pk: ImagePackages) {
  const top = model.layerCount - 1;
  const atTop = top >= 0 ? pk.layers[top] : undefined;
  return {
    managers: atTop?.managers ?? [],
    installed: (top >= 0 ? pk.installedAt(top) : []).map((p) => ({
      manager: p.manager,
      name: p.name,
      version: p.version,
      arch: p.arch,
      installedSize: p.installedSize,
      listedFiles: p.listedFiles,
    })),
    layers: pk.layers.map((l) => ({
      index: l.layer,
      known: l.known,
      installedCount: l.installedCount,
      ...packageChangesJson(l),
      owners: l.uses.map((u) => ({
        manager: u.pkg.manager,
        name: u.pkg.name,
        version: u.pkg.version,
        bytes: u.bytes,
        files: u.files,
        change: u.change,
      })),
      unownedBytes: l.unownedBytes,
      unownedFiles: l.unownedFiles,
      notes: l.notes,
    })),
  };
}

const version = (c: PackageChange) =>
  c.from !== null && c.to !== null ? `${c.from} → ${c.to}` : (c.to ?? c.from ?? "");

/** The text report's Packages section: per layer that changed packages or owns bytes of some. */
export function packagesText(
  model: ImageModel,
  pk: ImagePackages,
  opts: { top: number; width: number },
): string[] {
  const out: string[] = [];
  const notes = pk.layers.flatMap((l) => l.notes.map((n) => printable(`  layer ${l.layer}: ${n}`)));
  if (!pk.any) {
    if (notes.length === 0) return out;
    out.push("Packages");
    out.push("  No package database was read.");
    out.push(...notes);
    return out;
  }
  const top = model.layerCount - 1;
  out.push(`Packages (${pk.installedAt(top).length} installed: ${pk.layers[top]?.managers.join(", ")})`);
  for (const l of pk.layers) {
    const owned = l.uses.reduce((s, u) => s + u.bytes, 0);
    if (l.added.length + l.removed.length + l.upgraded.length === 0 && owned === 0) continue;
    const changes = [
      l.added.length > 0 ? `${l.added.length} added` : "",
      l.upgraded.length > 0 ? `${l.upgraded.length} upgraded` : "",
      l.removed.length > 0 ? `${l.removed.length} removed` : "",
    ].filter(Boolean);
    out.push(
      `  Layer ${l.layer}: ${changes.length > 0 ? `${changes.join(", ")}; ` : ""}${formatBytes(owned)} in packages, ${formatBytes(l.unownedBytes)} in no package${l.known ? "" : " (its databases were not read)"}`,
    );
    for (const u of l.uses.slice(0, opts.top)) {
      if (u.bytes === 0 && u.change === null) continue;
      const mark = u.change === "added" ? "+" : u.change === "upgraded" ? "~" : " ";
      out.push(
        `    ${mark} ${padStart(formatBytes(u.bytes), 9)}  ${truncate(printable(`${u.pkg.name} ${u.pkg.version} (${u.pkg.manager})`), opts.width - 18)}`,
      );
    }
    if (l.uses.length > opts.top) out.push(`      … and ${l.uses.length - opts.top} more`);
    for (const c of l.upgraded.slice(0, opts.top))
      out.push(printable(`    upgraded ${c.name} ${version(c)}`));
    for (const c of l.removed.slice(0, opts.top))
      out.push(printable(`    - removed ${c.name} ${version(c)}`));
  }
  out.push(...notes);
  return out;
}

/** The package changes of `diff` (the comparison's, biggest size change first). */
export function diffPackagesText(ch: PackageChanges, top: number): string[] {
  const n = ch.added.length + ch.removed.length + ch.upgraded.length;
  if (n === 0) return [];
  const out = [
    `Packages ${ch.added.length} added, ${ch.removed.length} removed, ${ch.upgraded.length} upgraded`,
  ];
  const signed = (n: number) => (n > 0 ? `+${formatBytes(n)}` : n < 0 ? `-${formatBytes(-n)}` : "±0 B");
  const line = (mark: string, c: PackageChange) => {
    const size = c.installedSize !== null ? `, ${formatBytes(c.installedSize)}` : "";
    const delta = mark === "~" && c.sizeDelta !== null ? `, ${signed(c.sizeDelta)}` : "";
    return printable(`  ${mark} ${c.name} ${version(c)} (${c.manager}${size}${delta})`);
  };
  for (const c of ch.added.slice(0, top)) out.push(line("+", c));
  for (const c of ch.removed.slice(0, top)) out.push(line("-", c));
  for (const c of ch.upgraded.slice(0, top)) out.push(line("~", c));
  const shown =
    Math.min(top, ch.added.length) + Math.min(top, ch.removed.length) + Math.min(top, ch.upgraded.length);
  if (n > shown) out.push(`  … and ${n - shown} more (--json lists all).`);
  return out;
}
