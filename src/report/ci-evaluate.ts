/** Checking an image against CI rules, with dive's comparisons, on dive's or layerview's figures. */
import { splitAtBase } from "../model/base-split.js";
import type { ImageModel } from "../model/image-model.js";
import type { CiRule, Figures, RuleName } from "./ci-rules.js";

export interface FigureSet {
  efficiency: number;
  wastedBytes: number;
  /** wastedBytes / user bytes (every layer but the first); null when the user layers hold no bytes. */
  userWastedPercent: number | null;
  /** The bytes the ratios are taken of: all layers, and all but the first. */
  sizeBytes: number;
  userSizeBytes: number;
}

/**
 * dive's figures exactly as dive computes them, and layerview's from its own waste accounting:
 * efficiency = content / total layer bytes; wasted = total − content; user wasted percent =
 * wasted / (total − first layer's bytes).
 */
export function ciFigures(model: ImageModel): Record<Figures, FigureSet> {
  const d = model.dive();
  const w = model.waste();
  const userSize = w.totalLayerBytes - (model.layers[0]?.size ?? 0);
  const own = splitAtBase(model, model.base?.layerCount ?? 0).own;
  return {
    own: {
      efficiency: own.layerBytes === 0 ? 1 : 1 - own.wastedBytes / own.layerBytes,
      wastedBytes: own.wastedBytes,
      userWastedPercent: own.layerBytes === 0 ? null : own.wastedBytes / own.layerBytes,
      sizeBytes: own.layerBytes,
      userSizeBytes: own.layerBytes,
    },
    dive: {
      efficiency: d.efficiency,
      wastedBytes: d.wastedBytes,
      userWastedPercent: d.userWastedPercent,
      sizeBytes: d.sizeBytes,
      userSizeBytes: d.userSizeBytes,
    },
    layerview: {
      efficiency: w.efficiency,
      wastedBytes: w.wastedBytes,
      userWastedPercent: userSize === 0 ? null : w.wastedBytes / userSize,
      sizeBytes: w.totalLayerBytes,
      userSizeBytes: userSize,
    },
  };
}

export type RuleStatus = "pass" | "fail" | "skip";

export interface RuleResult {
  rule: CiRule;
  status: RuleStatus;
  /** The figure compared (null when the rule is disabled, or the ratio has no denominator). */
  value: number | null;
  /** One line saying why it passed or failed, with the figures used. */
  message: string;
}

export interface CiResult {
  pass: boolean;
  results: RuleResult[];
  figures: Record<Figures, FigureSet>;
  tally: { total: number; passed: number; failed: number; skipped: number };
}

/** Evaluate every rule; a disabled rule is skipped. Comparisons are dive's (runtime/ci rules). */
export function evaluateCi(model: ImageModel, rules: readonly CiRule[]): CiResult {
  const figures = ciFigures(model);
  const results = rules.map((rule) => {
    const r = evaluateRule(rule, figures[rule.figures]);
    return rule.figures === "own" && r.status !== "skip"
      ? { ...r, message: `${r.message}; ${ownScope(model)}` }
      : r;
  });
  const tally = {
    total: results.length,
    passed: results.filter((r) => r.status === "pass").length,
    failed: results.filter((r) => r.status === "fail").length,
    skipped: results.filter((r) => r.status === "skip").length,
  };
  return { pass: tally.failed === 0, results, figures, tally };
}

/** Which layers the `own` figures cover. */
export function ownScope(model: ImageModel): string {
  const n = model.base?.layerCount ?? 0;
  if (n === 0) return "no base image boundary known, every layer counted (give --base IMAGE)";
  const name = model.base?.name ? ` ${model.base.name}` : "";
  return `base image${name} layers 0–${n - 1} left out (${model.base!.method})`;
}

export function evaluateRule(rule: CiRule, f: FigureSet): RuleResult {
  const t = rule.threshold;
  const by = `${rule.figures}'s figures`;
  if (t === null) return { rule, status: "skip", value: null, message: "rule disabled" };
  switch (rule.name as RuleName) {
    case "lowestEfficiency": {
      // dive: fail when threshold > efficiency.
      const fail = t > f.efficiency;
      return {
        rule,
        status: fail ? "fail" : "pass",
        value: f.efficiency,
        message: fail
          ? `image efficiency is too low: ${pct(f.efficiency)} < ${pct(t)} (${by})`
          : `image efficiency ${pct(f.efficiency)} ≥ ${pct(t)} (${by})`,
      };
    }
    case "highestWastedBytes": {
      // dive: fail when wasted > threshold.
      const fail = f.wastedBytes > t;
      return {
        rule,
        status: fail ? "fail" : "pass",
        value: f.wastedBytes,
        message: fail
          ? `too many bytes wasted: ${f.wastedBytes} B > ${t} B (${by})`
          : `wasted bytes ${f.wastedBytes} B ≤ ${t} B (${by})`,
      };
    }
    case "highestUserWastedPercent": {
      // dive divides by the user size: 0/0 is NaN (passes), x/0 is +Inf (fails).
      const value = f.userWastedPercent;
      const compared = value ?? (f.wastedBytes > 0 ? Number.POSITIVE_INFINITY : Number.NaN);
      const fail = compared > t;
      const shown =
        value === null ? (f.wastedBytes > 0 ? "∞ (no user bytes)" : "n/a (no user bytes)") : pct(value);
      return {
        rule,
        status: fail ? "fail" : "pass",
        value,
        message: fail
          ? `too many bytes wasted relative to the user layers: ${shown} > ${pct(t)} (${by})`
          : `user wasted ${shown} ≤ ${pct(t)} (${by})`,
      };
    }
  }
}

/** A ratio as a percentage with up to 4 decimals, e.g. 0.4834911 → "48.3491 %". */
export function pct(ratio: number): string {
  return `${Number((ratio * 100).toFixed(4))} %`;
}
