import { describe, expect, test } from "vitest";
import { MergedTree } from "../../../src/model/merged-tree.js";
import { LayerTree } from "../../../src/ui/tree/layer-tree.js";
import { randomModel, rng } from "../../model/random-model.js";
import { expectTreeMatches } from "./reference.js";

describe("LayerTree", () => {
  test("status, sizes and rows agree with stateAt, for every node and layer", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const m = randomModel(seed);
      for (let L = 0; L < m.layerCount; L++) expectTreeMatches(m, new LayerTree(m, L), `seed ${seed}`);
    }
  });

  test("one tree moved between layers in place, in any order, equals trees built in full", () => {
    const r = rng(5);
    for (let seed = 1; seed <= 12; seed++) {
      // Steps kept (crossed again by stores), never kept (recomputed), and prepared ahead in idle time.
      for (const budget of [undefined, 0, "prepared"] as const) {
        const m = randomModel(seed, 8, 30);
        // Never rebuilt from scratch, so every move is made of steps.
        const opts = {
          stepBudgetBytes: budget === 0 ? 0 : undefined,
          rebuildAbove: Number.POSITIVE_INFINITY,
        };
        const state = new MergedTree(m, opts);
        for (let step = 0; step < 16; step++) {
          const L = Math.floor(r() * m.layerCount);
          const t = new LayerTree(m, L, state);
          if (budget === "prepared") for (let k = 0; k < m.layerCount - 1; k++) state.prepareStep(k);
          expectTreeMatches(m, t, `seed ${seed} budget ${budget} step ${step}`);
        }
        if (budget === 0) expect(state.hasStep(0)).toBe(false);
        if (budget === "prepared" && m.layerCount > 1) expect(state.hasStep(0)).toBe(true);
      }
    }
  });

  test("a handle used after another layer's moves the shared arrays back", () => {
    const m = randomModel(3, 8, 30);
    const state = new MergedTree(m);
    const top = new LayerTree(m, m.layerCount - 1, state);
    const bottom = new LayerTree(m, 0, state);
    expectTreeMatches(m, top, "top");
    expectTreeMatches(m, bottom, "bottom");
    expectTreeMatches(m, top, "top again");
    expect(state.layer).toBe(top.layer);
  });
});
