import { describe, expect, test } from "vitest";
import { adviseImage } from "../../src/model/advice.js";
import { diffLayers } from "../../src/model/diff.js";
import {
  adviceOf,
  adviceReady,
  prepareAdvice,
  prepareRangeDiff,
  rangeDiffIfReady,
} from "../../src/ui/lazy-analysis.js";
import { randomModel } from "./random-model.js";

describe("work done in idle slices equals the same work done at once", () => {
  test("a range diff prepared a step at a time, restarted by a new pair on the way", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const m = randomModel(seed, 6, 40);
      expect(rangeDiffIfReady(m, 0, 5)).toBeNull();
      // Zero milliseconds: one step per call, so it takes several calls.
      let calls = 0;
      prepareRangeDiff(m, 1, 4, 0); // started, then given up for another pair
      while (!prepareRangeDiff(m, 0, 5, 0)) calls++;
      expect(calls).toBeGreaterThan(0);
      expect(rangeDiffIfReady(m, 0, 5)).toEqual(diffLayers(m, 0, 5));
      expect(rangeDiffIfReady(m, 1, 4)).toBeNull();
      expect(prepareRangeDiff(m, 5, 0, Number.POSITIVE_INFINITY)).toBe(true);
      expect(rangeDiffIfReady(m, 5, 0)).toEqual(diffLayers(m, 5, 0));
    }
  });

  test("the advisor prepared a step at a time", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const m = randomModel(seed, 6, 40);
      expect(adviceReady(m)).toBe(false);
      let calls = 0;
      while (!prepareAdvice(m, 0)) calls++;
      expect(calls).toBeGreaterThan(0);
      expect(adviceReady(m)).toBe(true);
      expect(adviceOf(m)).toEqual(adviseImage(m));
    }
  });
});
