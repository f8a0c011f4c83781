import { describe, expect, test } from "vitest";
import { TreeState } from "../../src/ui/tree/layer-tree.js";
import { cachedCountsLimit } from "../../src/ui/tree/visible-tree.js";
import { randomModel } from "./random-model.js";

describe("cache limits follow the image's size", () => {
  test("a 1M-path image keeps 3 views", () => {
    expect(cachedCountsLimit(1_016_538)).toBe(3);
  });

  test("small images keep more (32 MiB is cheap), never fewer than 2 views", () => {
    expect(cachedCountsLimit(10_000)).toBe(8);
    expect(cachedCountsLimit(50_000_000)).toBe(3);
  });

  test("steps between layers are kept only within their byte budget", () => {
    const m = randomModel(7, 8, 30);
    const unlimited = new TreeState(m);
    unlimited.moveTo(0);
    for (let k = 0; k < m.layerCount - 1; k++) expect(unlimited.prepareStep(k)).toBe(true);
    const all = unlimited.memoryBytes;
    const none = new TreeState(m, { stepBudgetBytes: 0 });
    none.moveTo(0);
    expect(none.prepareStep(0)).toBe(false);
    expect(none.memoryBytes).toBeLessThan(all);
  });

  test("a step computed but too big to keep is reported as not kept, so idle preparation stops", () => {
    const m = randomModel(7, 8, 30);
    const tiny = new TreeState(m, { stepBudgetBytes: 1 });
    tiny.moveTo(0);
    // Room left (0 < 1 byte), so the step is computed; it does not fit, so it is not kept.
    expect(tiny.prepareStep(0)).toBe(false);
    expect(tiny.hasStep(0)).toBe(false);
    expect(tiny.layer).toBe(0);
  });
});
