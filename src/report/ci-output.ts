/** The CI gate's output: text (dive-like), JSON, JUnit XML, and Markdown for a CI job summary. */
import { type Finding, summarizeAdvice } from "../model/advice/index.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { formatBytes } from "../model/format-bytes.js";
import type { ImageModel } from "../model/image-model.js";
import { adviceJson } from "./advice-report.js";
import { type CiResult, type FigureSet, ownScope, pct, type RuleResult } from "./ci-evaluate.js";
import { FIGURES, type Figures } from "./ci-rules.js";
import { padEnd, padStart } from "./format.js";
import { type Paint, painter } from "./paint.js";

export type CiFormat = "text" | "json" | "junit" | "markdown";
export const CI_FORMATS: readonly CiFormat[] = ["text", "json", "junit", "markdown"];

export interface CiReportInput {
  model: ImageModel;
  result: CiResult;
  /** The rules file read, if any, and which format it was read as. */
  rulesFile: { path: string; format: "dive" | "layerview" } | null;
  /** Unknown sections/keys in the rules file, and the like. */
  warnings: readonly string[];
  advice: readonly Finding[];
  /** Problems reading the image (the figures may be incomplete). */
  diagnostics: readonly Diagnostic[];
  /** How many inefficient paths and findings to list (default 10). */
  top?: number;
  /** Text format: PASS/FAIL/SKIP and headings in colour. */
  color?: boolean;
}

export function formatCiReport(format: CiFormat, input: CiReportInput): string {
  switch (format) {
    case "text":
      return ciText(input);
    case "json":
      return `${JSON.stringify(ciJson(input), null, 2)}\n`;
    case "junit":
      return ciJunit(input);
    case "markdown":
      return ciMarkdown(input);
  }
}

function imageName(model: ImageModel): string {
  return model.input.reference ?? model.input.source;
}

function rulesFileLine(input: CiReportInput): string {
  return input.rulesFile
    ? `${input.rulesFile.path} (${input.rulesFile.format === "dive" ? "dive's .dive-ci format" : "layerview rules file"})`
    : "none (dive's defaults and command-line flags)";
}

function figuresLine(f: FigureSet): string {
  const user = f.userWastedPercent === null ? "n/a" : pct(f.userWastedPercent);
  return `efficiency ${pct(f.efficiency)}, wasted ${f.wastedBytes} B (${formatBytes(f.wastedBytes)}), user wasted ${user}`;
}

function thresholdText(r: RuleResult): string {
  const t = r.rule.threshold;
  if (t === null) return "disabled";
  switch (r.rule.name) {
    case "lowestEfficiency":
      return `≥ ${pct(t)}`;
    case "highestWastedBytes":
      return `≤ ${t} B`;
    case "highestUserWastedPercent":
      return `≤ ${pct(t)}`;
  }
}

function valueText(r: RuleResult, figures: Record<Figures, FigureSet>): string {
  if (r.status === "skip") return "-";
  const f = figures[r.rule.figures];
  switch (r.rule.name) {
    case "lowestEfficiency":
      return pct(f.efficiency);
    case "highestWastedBytes":
      return `${f.wastedBytes} B`;
    case "highestUserWastedPercent":
      return f.userWastedPercent === null ? "n/a" : pct(f.userWastedPercent);
  }
}

function summaryLine(result: CiResult, paint: Paint = painter(false)): string {
  const t = result.tally;
  return `Result: ${result.pass ? paint("PASS", "good") : paint("FAIL", "bad")} [Total:${t.total}] [Passed:${t.passed}] [Failed:${t.failed}] [Skipped:${t.skipped}]`;
}

const STATUS_TONE = { pass: "good", fail: "bad", warn: "warn", skip: "muted" } as const;

export function ciText(input: CiReportInput): string {
  const { model, result } = input;
  const paint = painter(input.color === true);
  const top = input.top ?? 10;
  const out: string[] = [];
  out.push(`Image        ${imageName(model)}${model.input.reference ? `  (${model.input.source})` : ""}`);
  out.push(`Rules file   ${rulesFileLine(input)}`);
  for (const w of input.warnings) out.push(paint(`warning: ${w}`, "warn"));
  out.push("");
  out.push(paint("Figures", "heading"));
  out.push(`  dive       ${figuresLine(result.figures.dive)}`);
  out.push(`  layerview  ${figuresLine(result.figures.layerview)}`);
  if (model.base?.layerCount)
    out.push(`  own        ${figuresLine(result.figures.own)} (${ownScope(model)})`);
  out.push("");
  const waste = model.waste().topInefficiencies(top);
  out.push(
    paint(
      `Inefficient files (layerview's accounting, ${waste.length} of ${model.waste().inefficiencyCount})`,
      "heading",
    ),
  );
  if (waste.length === 0) out.push("  None");
  else {
    out.push(`  ${padStart("COPIES", 6)}  ${padStart("WASTED", 9)}  PATH`);
    for (const i of waste) {
      out.push(`  ${padStart(String(i.copies), 6)}  ${padStart(formatBytes(i.wastedBytes), 9)}  ${i.path}`);
    }
  }
  out.push("");
  out.push(paint("Results", "heading"));
  for (const r of result.results) {
    const tone = STATUS_TONE[r.status as keyof typeof STATUS_TONE] ?? "muted";
    out.push(
      `  ${paint(padEnd(r.status.toUpperCase(), 4), tone)}  ${padEnd(r.rule.name, 24)}  ${padEnd(r.status === "skip" ? "-" : r.rule.figures, 9)}  ${r.message}`,
    );
  }
  const s = summarizeAdvice(input.advice);
  if (input.advice.length > 0) {
    out.push("");
    out.push(
      `Advice: ${input.advice.length} finding${input.advice.length === 1 ? "" : "s"}, ${formatBytes(s.bytesSaved)} could be saved${s.exposures > 0 ? `, ${s.exposures} possible secret exposure${s.exposures === 1 ? "" : "s"}` : ""} (layerview --report IMAGE for details)`,
    );
  }
  if (input.diagnostics.some((d) => d.severity === "error")) {
    out.push("");
    out.push("warning: some layers or entries could not be read; the figures cover what was read.");
  }
  out.push("");
  out.push(summaryLine(result, paint));
  return `${out.join("\n")}\n`;
}

export function ciJson(input: CiReportInput) {
  const { model, result } = input;
  return {
    schemaVersion: 1,
    image: { reference: model.input.reference, id: model.input.id, source: model.input.source },
    pass: result.pass,
    rulesFile: input.rulesFile,
    warnings: input.warnings,
    figures: result.figures,
    rules: result.results.map((r) => ({
      name: r.rule.name,
      status: r.status,
      figures: r.rule.figures,
      configured: r.rule.configured,
      threshold: r.rule.threshold,
      value: r.value,
      source: r.rule.source,
      message: r.message,
    })),
    tally: result.tally,
    advice: adviceJson(input.advice),
    diagnostics: input.diagnostics.map((d) => ({
      severity: d.severity,
      message: d.message,
      layer: d.layer ?? null,
    })),
  };
}

export function ciJunit(input: CiReportInput): string {
  const { model, result } = input;
  const t = result.tally;
  const suite = `layerview CI: ${imageName(model)}`;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<testsuites name="layerview" tests="${t.total}" failures="${t.failed}" errors="0" skipped="${t.skipped}">`,
  );
  out.push(
    `  <testsuite name="${xml(suite)}" tests="${t.total}" failures="${t.failed}" errors="0" skipped="${t.skipped}">`,
  );
  out.push("    <properties>");
  const props: [string, string][] = [
    ["image.source", model.input.source],
    ["image.reference", model.input.reference ?? ""],
    ["image.id", model.input.id ?? ""],
    ["rulesFile", input.rulesFile?.path ?? ""],
  ];
  for (const which of FIGURES) {
    const f = result.figures[which];
    props.push([`${which}.efficiency`, String(f.efficiency)]);
    props.push([`${which}.wastedBytes`, String(f.wastedBytes)]);
    props.push([
      `${which}.userWastedPercent`,
      f.userWastedPercent === null ? "" : String(f.userWastedPercent),
    ]);
  }
  for (const [name, value] of props) out.push(`      <property name="${xml(name)}" value="${xml(value)}"/>`);
  out.push("    </properties>");
  for (const r of result.results) {
    const name = `${r.rule.name} (${r.rule.figures} figures, ${thresholdText(r)})`;
    const open = `    <testcase classname="layerview.ci" name="${xml(name)}"`;
    if (r.status === "pass") out.push(`${open}/>`);
    else if (r.status === "skip") {
      out.push(`${open}>`);
      out.push(`      <skipped message="${xml(r.message)}"/>`);
      out.push("    </testcase>");
    } else {
      out.push(`${open}>`);
      out.push(
        `      <failure message="${xml(r.message)}" type="threshold">${xml(failureDetail(r, input))}</failure>`,
      );
      out.push("    </testcase>");
    }
  }
  if (input.warnings.length > 0) out.push(`    <system-err>${xml(input.warnings.join("\n"))}</system-err>`);
  out.push("  </testsuite>");
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

function failureDetail(r: RuleResult, input: CiReportInput): string {
  const lines = [`${r.rule.name} = ${r.rule.configured} (${r.rule.source})`, r.message];
  const waste = input.model.waste().topInefficiencies(5);
  if (waste.length > 0) {
    lines.push("Most wasteful paths:");
    for (const i of waste) lines.push(`  ${formatBytes(i.wastedBytes)}  ${i.path}`);
  }
  return lines.join("\n");
}

export function ciMarkdown(input: CiReportInput): string {
  const { model, result } = input;
  const top = input.top ?? 10;
  const out: string[] = [];
  out.push(`## layerview CI: ${result.pass ? "✅ passed" : "❌ failed"} — \`${md(imageName(model))}\``);
  out.push("");
  out.push("| Rule | Figures | Value | Threshold | Result |");
  out.push("| --- | --- | --- | --- | --- |");
  for (const r of result.results) {
    const icon = r.status === "pass" ? "✅ pass" : r.status === "fail" ? "❌ fail" : "⏭️ skipped";
    out.push(
      `| \`${r.rule.name}\` | ${r.status === "skip" ? "-" : r.rule.figures} | ${valueText(r, result.figures)} | ${thresholdText(r)} | ${icon} |`,
    );
  }
  out.push("");
  out.push(`Rules file: ${md(rulesFileLine(input))}`);
  out.push("");
  for (const w of input.warnings) out.push(`> ⚠️ ${md(w)}`);
  if (input.warnings.length > 0) out.push("");
  out.push("| Figures | Efficiency | Wasted bytes | User wasted |");
  out.push("| --- | --- | --- | --- |");
  for (const which of FIGURES) {
    const f = result.figures[which];
    out.push(
      `| ${which} | ${pct(f.efficiency)} | ${formatBytes(f.wastedBytes)} (${f.wastedBytes} B) | ${f.userWastedPercent === null ? "n/a" : pct(f.userWastedPercent)} |`,
    );
  }
  const waste = model.waste().topInefficiencies(top);
  if (waste.length > 0) {
    out.push("");
    out.push(
      `<details><summary>Most wasteful paths (${waste.length} of ${model.waste().inefficiencyCount})</summary>`,
    );
    out.push("");
    out.push("| Wasted | Copies | Path |");
    out.push("| ---: | ---: | --- |");
    for (const i of waste) out.push(`| ${formatBytes(i.wastedBytes)} | ${i.copies} | \`${md(i.path)}\` |`);
    out.push("");
    out.push("</details>");
  }
  if (input.advice.length > 0) {
    const s = summarizeAdvice(input.advice);
    const shown = input.advice.slice(0, top);
    out.push("");
    out.push(
      `<details><summary>Advice: ${input.advice.length} finding${input.advice.length === 1 ? "" : "s"}, ${formatBytes(s.bytesSaved)} could be saved${s.exposures > 0 ? `, ${s.exposures} possible secret exposure${s.exposures === 1 ? "" : "s"}` : ""}</summary>`,
    );
    out.push("");
    for (const f of shown) {
      const saved = f.bytesSaved > 0 ? ` — saves ${formatBytes(f.bytesSaved)}` : "";
      out.push(`- **${f.severity}** \`${f.kind}\`${saved}: ${md(f.message)}  `);
      out.push(`  ${md(f.suggestion)}`);
    }
    if (input.advice.length > shown.length) out.push(`- … and ${input.advice.length - shown.length} more`);
    out.push("");
    out.push("</details>");
  }
  if (input.diagnostics.some((d) => d.severity === "error")) {
    out.push("");
    out.push("> ⚠️ Some layers or entries could not be read; the figures cover what was read.");
  }
  return `${out.join("\n")}\n`;
}

function xml(s: string): string {
  return (
    s
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // Characters XML 1.0 cannot carry at all.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}

/** Markdown table cells and inline text: keep pipes and HTML from breaking the layout. */
function md(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\n/g, " ");
}
