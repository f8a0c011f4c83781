import { type AdviceOptions, adviseImage, type Finding } from "../model/advice/index.js";
import { splitAtBase } from "../model/base-split.js";
import { formatBytes } from "../model/format-bytes.js";
import type { ImageModel } from "../model/image-model.js";
import { ImagePackages } from "../model/packages.js";
import { formatAdviceText } from "./advice-report.js";
import { formatPercent, padEnd, padStart, shortDigest, truncate } from "./format.js";
import { hiddenReasonName } from "./json-report.js";
import { packagesText } from "./packages-report.js";
import { painter } from "./paint.js";

export interface TextReportOptions {
  /** Width to fit instruction columns to. */
  width?: number;
  /** How many wasteful paths (and findings) to list. */
  top?: number;
  /** Findings for the Advice section; computed with `adviceOptions` when not given. */
  advice?: readonly Finding[];
  adviceOptions?: AdviceOptions;
  /** Packages per layer; computed when not given. */
  packages?: ImagePackages;
  /** Section titles and figures in colour (the CLI decides: --color, NO_COLOR, FORCE_COLOR, a terminal). */
  color?: boolean;
}

/** The report printed when stdout is not a terminal (or with --report). */
export function buildTextReport(model: ImageModel, opts: TextReportOptions = {}): string {
  const width = Math.max(60, opts.width ?? 100);
  const top = opts.top ?? 10;
  const paint = painter(opts.color === true);
  const { input } = model;
  const waste = model.waste();
  const dive = model.dive();
  const out: string[] = [];
  const platform = [input.config.os, input.config.architecture, input.config.variant]
    .filter(Boolean)
    .join("/");
  out.push(`Image      ${input.reference ?? "(untagged)"}${input.id ? `  ${shortDigest(input.id)}` : ""}`);
  out.push(`Source     ${input.source}${platform ? `  (${platform})` : ""}`);
  const base = model.base;
  if (base !== null) out.push(`Base       ${baseLine(model)}`);
  out.push("");
  out.push(paint("Layers", "heading"));
  const head = `${padStart("#", 4)}  ${padStart("SIZE", 9)}  ${padStart("FILES", 7)}  INSTRUCTION`;
  out.push(head);
  const instrWidth = width - head.length + "INSTRUCTION".length;
  for (const l of model.layers) {
    if (base?.layerCount != null && base.layerCount > 0 && l.index === base.layerCount) {
      out.push(
        `      ── above: the base image${base.name ? ` ${base.name}` : ""} (${base.method}) · below: this image's own layers`,
      );
    }
    const cmd = l.error ? `(unreadable: ${l.error})` : l.command.replace(/\s+/g, " ");
    const shown = truncate(cmd, instrWidth);
    out.push(
      `${padStart(String(l.index), 4)}  ${padStart(formatBytes(l.size), 9)}  ${padStart(String(l.fileCount), 7)}  ${l.error ? paint(shown, "bad") : shown}`,
    );
  }
  out.push("");
  out.push(paint("Summary", "heading"));
  const rows: [string, string][] = [
    ["Total layer bytes", formatBytes(waste.totalLayerBytes)],
    ["Image content", formatBytes(waste.contentBytes)],
    [
      "Wasted bytes",
      paint(
        `${formatBytes(waste.wastedBytes)} (${formatPercent(1 - waste.efficiency)} of layer bytes)`,
        waste.wastedBytes > 0 ? "warn" : "good",
      ),
    ],
    ["Efficiency", formatPercent(waste.efficiency)],
    ["Files", String(waste.fileCount)],
    [
      "dive figures",
      `efficiency ${formatPercent(dive.efficiency, 2)}, wasted ${formatBytes(dive.wastedBytes)}, user wasted ${formatPercent(dive.userWastedPercent)}`,
    ],
  ];
  if (base?.layerCount != null) {
    const split = splitAtBase(model, base.layerCount);
    rows.push(
      [
        "Base image layers",
        `${split.base.layers}, ${formatBytes(split.base.layerBytes)}, of which ${formatBytes(split.base.wastedBytes)} wasted`,
      ],
      [
        "Own layers",
        `${split.own.layers}, ${formatBytes(split.own.layerBytes)}, of which ${formatBytes(split.own.wastedBytes)} wasted`,
      ],
    );
  }
  for (const [k, v] of rows) out.push(`  ${padEnd(k, 18)} ${v}`);
  out.push("");
  const shown = waste.topInefficiencies(top);
  if (shown.length === 0) {
    out.push(paint("No wasted bytes: every file byte in every layer is visible in the final image.", "good"));
  } else {
    out.push(paint(`Most wasteful paths (${shown.length} of ${waste.inefficiencyCount})`, "heading"));
    out.push(
      `  ${padStart("WASTED", 9)}  ${padStart("COPIES", 6)}  ${padEnd("LAYERS", 10)}  ${padEnd("HIDDEN BY", 16)}  PATH`,
    );
    for (const i of shown) {
      const by = `L${i.hiddenBy} ${hiddenReasonName(i.hiddenReason)}`;
      out.push(
        `  ${padStart(formatBytes(i.wastedBytes), 9)}  ${padStart(String(i.copies), 6)}  ${padEnd(i.layers.join(","), 10)}  ${padEnd(by, 16)}  ${i.path}`,
      );
    }
  }
  out.push("");
  const packages = packagesText(model, opts.packages ?? new ImagePackages(model), { top, width });
  if (packages.length > 0) out.push(...packages, "");
  const advice = opts.advice ?? adviseImage(model, opts.adviceOptions);
  const adviceText = formatAdviceText(advice, { top, width }).trimEnd();
  // The advice's first line is its heading.
  const [first = "", ...rest] = adviceText.split("\n");
  out.push([paint(first, "heading"), ...rest].join("\n"));
  return `${out.join("\n")}\n`;
}

/** "debian:12-slim — layers 0–2 (exact: …)": the base image, its layers, and how that was decided. */
export function baseLine(model: ImageModel): string {
  const b = model.base!;
  const n = b.layerCount;
  const layers =
    n === null
      ? "its layers unknown"
      : n === 0
        ? "no layer of it"
        : n === 1
          ? "layer 0"
          : `layers 0–${n - 1}`;
  return `${b.name ?? "(name unknown)"} — ${layers} (${b.method}: ${b.reason})`;
}
