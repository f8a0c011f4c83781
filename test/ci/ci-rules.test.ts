import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCi, evaluateRule, type FigureSet } from "../../src/report/ci-evaluate.js";
import {
  CiConfigError,
  type CiRule,
  DEFAULT_RULES,
  isDisabled,
  parseByteSize,
  parseRulesFile,
  resolveRules,
} from "../../src/report/ci-rules.js";
import { realFixtures } from "../cli/run-cli.js";
import { modelOf } from "../model/helpers.js";
import { itReal } from "../real-fixtures.js";

describe("sizes, parsed as dive parses highestWastedBytes (go-humanize ParseBytes)", () => {
  it("reads SI units as powers of 1000, case-insensitively", () => {
    expect(parseByteSize("20Mb")).toBe(20_000_000);
    expect(parseByteSize("20MB")).toBe(20_000_000);
    expect(parseByteSize("20mb")).toBe(20_000_000);
    expect(parseByteSize("20M")).toBe(20_000_000);
    expect(parseByteSize("500KB")).toBe(500_000);
    expect(parseByteSize("10 kb")).toBe(10_000);
    expect(parseByteSize("1GB")).toBe(1_000_000_000);
    expect(parseByteSize("1.5KB")).toBe(1500);
  });

  it("reads IEC units as powers of 1024", () => {
    expect(parseByteSize("20MiB")).toBe(20 * 1024 * 1024);
    expect(parseByteSize("1KiB")).toBe(1024);
    expect(parseByteSize("1ki")).toBe(1024);
    expect(parseByteSize("2GiB")).toBe(2 * 1024 ** 3);
  });

  it("reads plain numbers and B as bytes, ignores commas, truncates fractions", () => {
    expect(parseByteSize("500")).toBe(500);
    expect(parseByteSize("500B")).toBe(500);
    expect(parseByteSize("1,000")).toBe(1000);
    expect(parseByteSize("0.5")).toBe(0);
    expect(parseByteSize("1.0009KB")).toBe(1000);
  });

  it("refuses anything else", () => {
    for (const bad of ["", "MB", "lots", "-5MB", "5XB", "5 M B", "0x10"])
      expect(parseByteSize(bad), bad).toBeNull();
  });
});

describe("rules files", () => {
  itReal("reads dive's own example, warning about what it does not know", () => {
    const text = readFileSync(join(realFixtures, "dive-ci.yaml"), "utf8");
    const parsed = parseRulesFile(text, "dive-ci.yaml");
    expect(parsed.rules).toEqual({
      lowestEfficiency: { value: "0.95", figures: null },
      highestWastedBytes: { value: "20Mb", figures: null },
      highestUserWastedPercent: { value: "0.5", figures: null },
    });
    expect(parsed.warnings).toEqual([
      "dive-ci.yaml: unknown section 'plugins' ignored",
      "dive-ci.yaml: unknown rule 'rules.plugin1/rule1' ignored",
    ]);
    const rules = resolveRules(parsed);
    expect(rules.map((r) => [r.name, r.threshold, r.figures, r.source])).toEqual([
      ["lowestEfficiency", 0.95, "dive", "file"],
      ["highestWastedBytes", 20_000_000, "dive", "file"],
      ["highestUserWastedPercent", 0.5, "dive", "file"],
    ]);
  });

  it("reads layerview's own file, YAML or JSON, with figures per rule and a default", () => {
    const yaml = parseRulesFile(
      "figures: layerview\nrules:\n  lowestEfficiency: { threshold: 0.8, figures: dive }\n  highestWastedBytes: 5MiB\n",
      "f.yaml",
    );
    const json = parseRulesFile(
      JSON.stringify({
        figures: "layerview",
        rules: { lowestEfficiency: { threshold: 0.8, figures: "dive" }, highestWastedBytes: "5MiB" },
      }),
      "f.json",
    );
    expect(json).toEqual({ ...yaml, warnings: [] });
    expect(resolveRules(yaml).map((r) => [r.name, r.threshold, r.figures, r.source])).toEqual([
      ["lowestEfficiency", 0.8, "dive", "file"],
      ["highestWastedBytes", 5 * 1024 * 1024, "layerview", "file"],
      ["highestUserWastedPercent", 0.1, "layerview", "default"],
    ]);
  });

  it("accepts dive 0.13's kebab-case keys and points out misplaced rules", () => {
    const parsed = parseRulesFile("lowest-efficiency-threshold: 0.7\nlowestEfficiency: 0.2\n", "x");
    expect(parsed.rules.lowestEfficiency?.value).toBe("0.7");
    expect(parsed.warnings).toEqual(["x: 'lowestEfficiency' ignored: rules go under 'rules:'"]);
  });

  it("treats empty, 'disabled', 'off' and false as a disabled rule, as dive does", () => {
    for (const v of ["", "disabled", "off", "false", " Disabled "]) expect(isDisabled(v), v).toBe(true);
    // false (YAML boolean) and an empty value both disable; highestWastedBytes is disabled by default.
    const parsed = parseRulesFile("rules:\n  lowestEfficiency: false\n  highestUserWastedPercent:\n", "x");
    expect(resolveRules(parsed).map((r) => r.threshold)).toEqual([null, null, null]);
  });

  it("stops on values dive would call misconfigured", () => {
    expect(() => parseRulesFile("rules:\n  lowestEfficiency: 1.5\n", "x")).toThrow(CiConfigError);
    expect(() => parseRulesFile("rules:\n  lowestEfficiency: 1.5\n", "x")).toThrow(
      /outside the allowed range 0-1/,
    );
    expect(() => parseRulesFile("rules:\n  highestWastedBytes: lots\n", "x")).toThrow(/'lots' is not a size/);
    expect(() => parseRulesFile("rules:\n  highestUserWastedPercent: ten\n", "x")).toThrow(/not a number/);
    expect(() => parseRulesFile("rules: [1, 2]\n", "x")).toThrow(/must be a mapping/);
    expect(() => parseRulesFile("rules:\n  a: [\n", "x")).toThrow(/not valid YAML/);
    expect(() => parseRulesFile("figures: mine\n", "x")).toThrow(/'dive', 'layerview' or 'own'/);
  });

  it("an empty file leaves dive's defaults", () => {
    const parsed = parseRulesFile("", "empty");
    expect(resolveRules(parsed).map((r) => r.configured)).toEqual([
      DEFAULT_RULES.lowestEfficiency,
      DEFAULT_RULES.highestWastedBytes,
      DEFAULT_RULES.highestUserWastedPercent,
    ]);
  });
});

describe("precedence: defaults, then the file, then flags", () => {
  const file = parseRulesFile("rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 1MB\n", "f");
  it("lets flags win and keeps dive's defaults for the rest", () => {
    const rules = resolveRules(file, { flags: { lowestEfficiency: "0.5" }, figures: "layerview" });
    expect(rules.map((r) => [r.name, r.threshold, r.source, r.figures])).toEqual([
      ["lowestEfficiency", 0.5, "flag", "layerview"],
      ["highestWastedBytes", 1_000_000, "file", "layerview"],
      ["highestUserWastedPercent", 0.1, "default", "layerview"],
    ]);
  });

  it("names the flag in errors", () => {
    expect(() => resolveRules(null, { flags: { highestUserWastedPercent: "2" } })).toThrow(
      /--highest-user-wasted-percent: 2 is outside/,
    );
  });
});

describe("comparisons, exactly dive's", () => {
  const figures: FigureSet = {
    efficiency: 0.9,
    wastedBytes: 1000,
    userWastedPercent: 0.25,
    sizeBytes: 5000,
    userSizeBytes: 4000,
  };
  const rule = (name: CiRule["name"], threshold: number | null): CiRule => ({
    name,
    configured: String(threshold),
    threshold,
    figures: "dive",
    source: "flag",
  });

  it("passes at the threshold itself and fails just past it", () => {
    // dive: fail when threshold > efficiency; when wasted > threshold; when user% > threshold.
    expect(evaluateRule(rule("lowestEfficiency", 0.9), figures).status).toBe("pass");
    expect(evaluateRule(rule("lowestEfficiency", 0.9000001), figures).status).toBe("fail");
    expect(evaluateRule(rule("highestWastedBytes", 1000), figures).status).toBe("pass");
    expect(evaluateRule(rule("highestWastedBytes", 999), figures).status).toBe("fail");
    expect(evaluateRule(rule("highestUserWastedPercent", 0.25), figures).status).toBe("pass");
    expect(evaluateRule(rule("highestUserWastedPercent", 0.2499), figures).status).toBe("fail");
    expect(evaluateRule(rule("highestWastedBytes", null), figures)).toMatchObject({
      status: "skip",
      value: null,
    });
  });

  it("treats a user size of 0 as dive's division does: 0/0 passes, x/0 fails", () => {
    const none = { ...figures, userWastedPercent: null, userSizeBytes: 0 };
    expect(evaluateRule(rule("highestUserWastedPercent", 0.1), { ...none, wastedBytes: 0 }).status).toBe(
      "pass",
    );
    expect(evaluateRule(rule("highestUserWastedPercent", 1), { ...none, wastedBytes: 5 }).status).toBe(
      "fail",
    );
  });

  it("evaluates on dive's or layerview's figures, as each rule says", () => {
    // One 100 B file overwritten by a 100 B file in layer 1: layerview wastes 100 of 200 B (efficiency 0.5);
    // dive counts both copies (200 B) as waste, and its efficiency is minimum/discovered = 100/200 = 0.5.
    const m = modelOf([[{ name: "a", content: "x".repeat(100) }], [{ name: "a", content: "y".repeat(100) }]]);
    const result = evaluateCi(m, [
      { ...rule("highestWastedBytes", 150), figures: "dive" },
      { ...rule("highestWastedBytes", 150), figures: "layerview" },
    ]);
    expect(result.figures.dive.wastedBytes).toBe(200);
    expect(result.figures.layerview.wastedBytes).toBe(100);
    expect(result.results.map((r) => r.status)).toEqual(["fail", "pass"]);
    expect(result).toMatchObject({ pass: false, tally: { total: 2, passed: 1, failed: 1, skipped: 0 } });
    // layerview's user wasted percent: 100 wasted / 100 B of user layers (all but the first) = 1.
    expect(result.figures.layerview.userWastedPercent).toBe(1);
  });
});
