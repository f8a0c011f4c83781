import { type Finding, findingCategory, summarizeAdvice } from "../model/advice/index.js";
import { formatBytes } from "../model/format-bytes.js";
import { padStart, truncate } from "./format.js";

/** The `advice` array of the --json document (documented in the README). */
export function adviceJson(findings: readonly Finding[]) {
  return findings.map((f) => ({
    kind: f.kind,
    category: findingCategory(f.kind),
    severity: f.severity,
    bytesSaved: f.bytesSaved,
    bytes: f.bytes,
    layer: f.layer,
    instruction: f.instruction,
    relatedLayers: f.relatedLayers,
    paths: f.paths,
    pathCount: f.pathCount,
    message: f.message,
    suggestion: f.suggestion,
  }));
}

export interface AdviceTextOptions {
  /** How many findings to print (default 10). */
  top?: number;
  width?: number;
}

/** The "Advice" section of the text report. */
export function formatAdviceText(findings: readonly Finding[], opts: AdviceTextOptions = {}): string {
  const top = opts.top ?? 10;
  const width = Math.max(60, opts.width ?? 100);
  const out: string[] = [];
  const s = summarizeAdvice(findings);
  if (findings.length === 0) {
    out.push("Advice: nothing to suggest.");
    return `${out.join("\n")}\n`;
  }
  const exposures =
    s.exposures > 0 ? `, ${s.exposures} possible secret exposure${s.exposures === 1 ? "" : "s"}` : "";
  out.push(
    `Advice (${findings.length} finding${findings.length === 1 ? "" : "s"}, ${formatBytes(s.bytesSaved)} could be saved${exposures})`,
  );
  const shown = findings.slice(0, top);
  shown.forEach((f, i) => {
    const saved = f.bytesSaved > 0 ? formatBytes(f.bytesSaved) : "-";
    const layer = f.layer === null ? "config" : `L${f.layer}`;
    out.push(
      `${padStart(String(i + 1), 3)}. ${f.severity.toUpperCase().padEnd(6)} ${padStart(saved, 9)}  ${layer.padEnd(6)} ${f.kind}`,
    );
    for (const line of wrap(f.message, width - 7)) out.push(`       ${line}`);
    for (const [j, line] of wrap(`→ ${f.suggestion}`, width - 7).entries())
      out.push(`       ${j === 0 ? "" : "  "}${line}`);
  });
  if (findings.length > shown.length) {
    out.push(`  … and ${findings.length - shown.length} more (--top N shows more, --json lists all).`);
  }
  return `${out.join("\n")}\n`;
}

/** Greedy word wrap; a word longer than the width is cut. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => truncate(l, width));
}
