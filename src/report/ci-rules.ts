/**
 * CI rules: dive's three (lowestEfficiency, highestWastedBytes, highestUserWastedPercent), with dive's
 * defaults, value syntax and comparisons, read from dive's `.dive-ci` YAML or layerview's own rules
 * file, and overridden by command-line flags. Text in, rules out: reading files is the CLI's job.
 */
import { createRequire } from "node:module";
import { parseByteSize } from "./byte-size.js";

export { parseByteSize };

/** dive's figures, layerview's over every layer, or layerview's over the own layers (base image excluded). */
export type Figures = "dive" | "layerview" | "own";
export const FIGURES: readonly Figures[] = ["dive", "layerview", "own"];
export type RuleName = "lowestEfficiency" | "highestWastedBytes" | "highestUserWastedPercent";
export type RuleSource = "default" | "file" | "flag";

export const RULE_NAMES: readonly RuleName[] = [
  "lowestEfficiency",
  "highestWastedBytes",
  "highestUserWastedPercent",
];

/** dive's defaults (cmd/dive/cli/internal/options/ci_rules.go: "0.9", "disabled", "0.1"). */
export const DEFAULT_RULES: Readonly<Record<RuleName, string>> = {
  lowestEfficiency: "0.9",
  highestWastedBytes: "disabled",
  highestUserWastedPercent: "0.1",
};

/** Other spellings accepted for the rule keys: dive 0.13's kebab-case options and flag-like names. */
const ALIASES: Record<string, RuleName> = {
  lowestEfficiency: "lowestEfficiency",
  "lowest-efficiency": "lowestEfficiency",
  "lowest-efficiency-threshold": "lowestEfficiency",
  highestWastedBytes: "highestWastedBytes",
  "highest-wasted-bytes": "highestWastedBytes",
  highestUserWastedPercent: "highestUserWastedPercent",
  "highest-user-wasted-percent": "highestUserWastedPercent",
};

export interface CiRule {
  name: RuleName;
  /** The value as configured ("0.95", "20Mb", "disabled"). */
  configured: string;
  /** Parsed threshold: a ratio for the efficiency/percent rules, bytes for highestWastedBytes; null when disabled. */
  threshold: number | null;
  figures: Figures;
  source: RuleSource;
}

/** A rules file or flag value that cannot be used: the CI run stops (exit 2), as dive's does ("misconfigured"). */
export class CiConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CiConfigError";
  }
}

export interface ParsedRulesFile {
  /** Rule values and per-rule figures the file sets. */
  rules: Partial<Record<RuleName, { value: string; figures: Figures | null }>>;
  /** The file's default figures (`figures:` at the top), when it sets them. */
  figures: Figures | null;
  /** Unknown sections and keys: reported, not fatal (dive ignores them too). */
  warnings: string[];
}

/**
 * Parse a rules file: dive's `.dive-ci` (YAML, camelCase keys under `rules:`) or layerview's
 * `.layerview-ci.yaml`/`.json`, which adds a top-level `figures: dive|layerview` and per-rule
 * `{ threshold: …, figures: … }`. JSON is YAML, so one parser reads both.
 */
export function parseRulesFile(text: string, label: string): ParsedRulesFile {
  // Loaded only for a rules file: it costs ~30 ms of start-up (bench/startup.js).
  const { parseDocument } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new CiConfigError(`${label}: not valid YAML or JSON: ${oneLine(doc.errors[0]!.message)}`);
  }
  const root: unknown = doc.toJS();
  const out: ParsedRulesFile = { rules: {}, figures: null, warnings: [] };
  if (root === null || root === undefined) {
    out.warnings.push(`${label}: the file is empty; dive's default rules apply`);
    return out;
  }
  if (!isRecord(root)) throw new CiConfigError(`${label}: expected a mapping with a 'rules:' section`);
  for (const [key, value] of Object.entries(root)) {
    if (key === "rules") {
      if (value === null) continue;
      if (!isRecord(value)) throw new CiConfigError(`${label}: 'rules' must be a mapping of rule: value`);
      for (const [ruleKey, ruleValue] of Object.entries(value))
        readRule(out, label, ruleKey, ruleValue, "rules.");
    } else if (key === "figures") {
      out.figures = parseFigures(value, `${label}: figures`);
    } else if (ALIASES[key] !== undefined && !key.match(/^[a-z]+[A-Z]/)) {
      // dive 0.13 reads its kebab-case keys at the top of the file.
      readRule(out, label, key, value, "");
    } else if (ALIASES[key] !== undefined) {
      out.warnings.push(`${label}: '${key}' ignored: rules go under 'rules:'`);
    } else {
      out.warnings.push(`${label}: unknown section '${key}' ignored`);
    }
  }
  return out;
}

function readRule(out: ParsedRulesFile, label: string, key: string, value: unknown, prefix: string): void {
  const name = ALIASES[key];
  if (name === undefined) {
    out.warnings.push(`${label}: unknown rule '${prefix}${key}' ignored`);
    return;
  }
  const where = `${label}: ${prefix}${key}`;
  if (isRecord(value)) {
    let threshold: unknown;
    let figures: Figures | null = null;
    for (const [k, v] of Object.entries(value)) {
      if (k === "threshold" || k === "value") threshold = v;
      else if (k === "figures") figures = parseFigures(v, `${where}.figures`);
      else out.warnings.push(`${where}: unknown key '${k}' ignored`);
    }
    const configured = scalarText(threshold, where);
    validateRule(name, configured, where);
    out.rules[name] = { value: configured, figures };
    return;
  }
  const configured = scalarText(value, where);
  validateRule(name, configured, where);
  out.rules[name] = { value: configured, figures: null };
}

function scalarText(value: unknown, where: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new CiConfigError(
    `${where}: expected a number or a size, not a ${Array.isArray(value) ? "list" : "mapping"}`,
  );
}

export function parseFigures(value: unknown, where: string): Figures {
  if (value === "dive" || value === "layerview" || value === "own") return value;
  throw new CiConfigError(`${where}: must be 'dive', 'layerview' or 'own', not '${String(value)}'`);
}

/** dive treats these values as "rule disabled". */
export function isDisabled(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === "" || v === "disabled" || v === "off" || v === "false";
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The threshold a rule value stands for (null: disabled); throws CiConfigError naming `where`. */
export function parseRuleValue(name: RuleName, value: string, where: string): number | null {
  if (isDisabled(value)) return null;
  const v = value.trim();
  if (name === "highestWastedBytes") {
    const bytes = parseByteSize(v);
    if (bytes === null) {
      throw new CiConfigError(
        `${where}: '${value}' is not a size (use bytes or a unit: 20MB, 20Mb, 500KB, 1GiB; 'disabled' turns the rule off)`,
      );
    }
    return bytes;
  }
  const ratio = FLOAT.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(ratio)) {
    throw new CiConfigError(`${where}: '${value}' is not a number (a ratio between 0 and 1, e.g. 0.9)`);
  }
  if (ratio < 0 || ratio > 1) {
    throw new CiConfigError(
      `${where}: ${value} is outside the allowed range 0-1 (a ratio, e.g. 0.9 for 90 %)`,
    );
  }
  return ratio;
}

function validateRule(name: RuleName, value: string, where: string): void {
  parseRuleValue(name, value, where);
}

export interface RuleOverrides {
  /** Values from command-line flags, as typed. */
  flags?: Partial<Record<RuleName, string>>;
  /** `--ci-figures`: figures for every rule without its own. */
  figures?: Figures;
}

/**
 * The rules in force: dive's defaults, then the rules file, then flags. Figures: a rule's own
 * `figures` in the file, else `--ci-figures`, else the file's top-level `figures`, else dive's.
 */
export function resolveRules(file: ParsedRulesFile | null, overrides: RuleOverrides = {}): CiRule[] {
  return RULE_NAMES.map((name) => {
    const flag = overrides.flags?.[name];
    const fromFile = file?.rules[name];
    const fallbackFigures: Figures = overrides.figures ?? file?.figures ?? "dive";
    if (flag !== undefined) {
      return {
        name,
        configured: flag,
        threshold: parseRuleValue(name, flag, `--${kebab(name)}`),
        figures: fallbackFigures,
        source: "flag" as const,
      };
    }
    if (fromFile !== undefined) {
      return {
        name,
        configured: fromFile.value,
        threshold: parseRuleValue(name, fromFile.value, name),
        figures: fromFile.figures ?? fallbackFigures,
        source: "file" as const,
      };
    }
    const value = DEFAULT_RULES[name];
    return {
      name,
      configured: value,
      threshold: parseRuleValue(name, value, name),
      figures: fallbackFigures,
      source: "default" as const,
    };
  });
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function oneLine(s: string): string {
  return s.split("\n")[0]!.trim();
}
