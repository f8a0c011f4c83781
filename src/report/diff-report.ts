/** `layerview diff A B`: text and JSON. */
import type { ImageDiff, LayerRef } from "../model/diff.js";
import { formatBytes } from "../model/format-bytes.js";
import type { ImageModel } from "../model/image-model.js";
import { padEnd, padStart, shortDigest, truncate } from "./format.js";
import { diffPackagesText, packageChangesJson } from "./packages-report.js";

const NO_CHANGES = { added: [], removed: [], upgraded: [] };

function side(model: ImageModel) {
  return { source: model.input.source, reference: model.input.reference, id: model.input.id };
}

/** The `diff --json` document (schema in the README). */
export function diffJson(diff: ImageDiff, a: ImageModel, b: ImageModel) {
  return {
    schemaVersion: 1,
    a: side(a),
    b: side(b),
    totals: diff.totals,
    layers: diff.layers,
    depth: diff.depth,
    directories: diff.directories,
    // The comparison's own (compare.ts): the same lists the explorer's --compare view shows.
    packages: packageChangesJson(diff.packages ?? NO_CHANGES),
    entries: diff.entries.map((e) => ({
      path: e.path,
      kind: e.kind,
      typeA: e.typeA,
      typeB: e.typeB,
      sizeA: e.sizeA,
      sizeB: e.sizeB,
      delta: e.delta,
      changes: e.changes,
    })),
  };
}

export interface DiffTextOptions {
  /** How many changed paths to list (default 50). */
  top?: number;
  width?: number;
}

function signed(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : bytes < 0 ? `-${formatBytes(-bytes)}` : "0 B";
}

function name(model: ImageModel): string {
  const ref = model.input.reference;
  return ref && ref !== model.input.source ? `${ref} (${model.input.source})` : model.input.source;
}

export function diffText(diff: ImageDiff, a: ImageModel, b: ImageModel, opts: DiffTextOptions = {}): string {
  const top = opts.top ?? 50;
  const width = Math.max(60, opts.width ?? 100);
  const t = diff.totals;
  const out: string[] = [];
  out.push(`A  ${name(a)}${a.input.id ? `  ${shortDigest(a.input.id)}` : ""}`);
  out.push(`B  ${name(b)}${b.input.id ? `  ${shortDigest(b.input.id)}` : ""}`);
  out.push("");
  const L = diff.layers;
  const sharedBytes = L.shared.reduce((s, l) => s + l.size, 0);
  out.push(
    `Layers  ${L.shared.length} shared (${formatBytes(sharedBytes)}; the bottom ${L.commonBase} in the same order), ${L.onlyA.length} only in A, ${L.onlyB.length} only in B`,
  );
  const layerLine = (mark: string, l: LayerRef) =>
    `  ${mark} ${padStart(String(l.index), 3)}  ${padStart(formatBytes(l.size), 9)}  ${padEnd(shortDigest(l.diffId), 12)}  ${truncate(l.command.replace(/\s+/g, " "), width - 36)}`;
  for (const l of L.onlyA) out.push(layerLine("A", l));
  for (const l of L.onlyB) out.push(layerLine("B", l));
  out.push("");
  out.push(`Content  ${formatBytes(t.sizeA)} → ${formatBytes(t.sizeB)} (${signed(t.delta)})`);
  out.push(
    `Paths    ${t.added} added (${formatBytes(t.addedBytes)}), ${t.removed} removed (${formatBytes(t.removedBytes)}), ${t.changed} changed`,
  );
  const packages = diffPackagesText(diff.packages ?? NO_CHANGES, top);
  if (packages.length > 0) out.push("", ...packages);
  if (diff.entries.length === 0) {
    out.push("");
    out.push("The two trees are identical.");
    return `${out.join("\n")}\n`;
  }
  out.push("");
  out.push(`By directory (depth ${diff.depth})`);
  out.push(
    `  ${padStart("DELTA", 10)}  ${padStart("ADDED", 7)}  ${padStart("REMOVED", 7)}  ${padStart("CHANGED", 7)}  DIRECTORY`,
  );
  for (const d of diff.directories.slice(0, Math.max(top, 20))) {
    out.push(
      `  ${padStart(signed(d.delta), 10)}  ${padStart(String(d.added), 7)}  ${padStart(String(d.removed), 7)}  ${padStart(String(d.changed), 7)}  ${d.path}`,
    );
  }
  out.push("");
  const shown = diff.entries.slice(0, top);
  out.push(`Changes (${shown.length} of ${diff.entries.length}, by path)`);
  for (const e of shown) {
    const mark = e.kind === "added" ? "+" : e.kind === "removed" ? "-" : "~";
    const what =
      e.kind === "changed"
        ? ` (${e.changes.join(", ")}${e.changes.includes("type") ? `: ${e.typeA} → ${e.typeB}` : ""})`
        : (e.typeA ?? e.typeB) !== "file"
          ? ` (${e.typeA ?? e.typeB})`
          : "";
    out.push(`  ${mark} ${padStart(signed(e.delta), 10)}  ${e.path}${what}`);
  }
  if (diff.entries.length > shown.length) {
    out.push(`  … and ${diff.entries.length - shown.length} more (--top N shows more, --json lists all).`);
  }
  return `${out.join("\n")}\n`;
}
