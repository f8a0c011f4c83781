import { describe, expect, it } from "vitest";
import { evaluateCi } from "../../src/report/ci-evaluate.js";
import { formatCiReport } from "../../src/report/ci-output.js";
import { parseRulesFile, resolveRules } from "../../src/report/ci-rules.js";
import { modelOf } from "../model/helpers.js";

const CMD = { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true };
const run = (s: string) => ({ created_by: `/bin/sh -c ${s}` });

// Base (layers 0–1) wastes 900 B of its own; the own layers (2–3) waste 100 of their 400 B.
const model = modelOf(
  [
    [
      { name: "base/big", size: 900 },
      { name: "bin/sh", size: 100 },
    ],
    [{ name: "base/.wh.big" }],
    [
      { name: "app/tmp", size: 100 },
      { name: "app/bin", size: 300 },
    ],
    [{ name: "app/.wh.tmp" }],
  ],
  [run("a"), run("b"), CMD, run("c"), run("d")],
);

describe("CI rules that leave the base image's layers out", () => {
  it("own figures cover the own layers only; dive's and layerview's stay as they were", () => {
    const file = parseRulesFile("rules:\n  highestWastedBytes: { threshold: 500, figures: own }\n", "f");
    const result = evaluateCi(model, resolveRules(file));
    expect(result.figures.own).toEqual({
      efficiency: 0.75,
      wastedBytes: 100,
      userWastedPercent: 0.25,
      sizeBytes: 400,
      userSizeBytes: 400,
    });
    expect(result.figures.layerview.wastedBytes).toBe(1000);
    expect(result.figures.dive).toEqual(evaluateCi(model, resolveRules(null)).figures.dive);
    const wasted = result.results.find((r) => r.rule.name === "highestWastedBytes")!;
    expect(wasted).toMatchObject({ status: "pass", value: 100 });
    expect(wasted.message).toContain("base image layers 0–1 left out (heuristic)");
    // The same threshold on every layer fails.
    const all = evaluateCi(model, resolveRules(parseRulesFile("rules:\n  highestWastedBytes: 500\n", "f")));
    expect(all.results.find((r) => r.rule.name === "highestWastedBytes")!.status).toBe("fail");
  });

  it("--ci-figures own applies to every rule and the text output names the scope", () => {
    const rules = resolveRules(null, { figures: "own" });
    const result = evaluateCi(model, rules);
    const text = formatCiReport("text", {
      model,
      result,
      rulesFile: null,
      warnings: [],
      advice: [],
      diagnostics: [],
    });
    expect(text).toMatch(/own {8}efficiency 75 %, wasted 100 B/);
    expect(text).toContain("highestUserWastedPercent");
  });

  it("without a boundary, own figures count every layer and say so", () => {
    const plain = modelOf([[{ name: "a", size: 10 }]]);
    const r = evaluateCi(plain, resolveRules(null, { figures: "own" }));
    expect(r.figures.own.sizeBytes).toBe(10);
    expect(r.results[0]!.message).toContain("no base image boundary known");
  });
});
