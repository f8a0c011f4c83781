import { describe, expect, test } from "vitest";
import { adviseImage } from "../../../src/model/advice/index.js";
import { type CompactRangeDiff, changeAspectsOf, diffKindOf, diffLayers } from "../../../src/model/diff.js";
import type { ImageModel } from "../../../src/model/image-model.js";
import { AnalysisJobs } from "../../../src/ui/session/analysis-jobs.js";
import { randomModel } from "../../model/random-model.js";

/** The compact diff as diffLayers' entries (sorted by path), after checking it is in tree order. */
function entriesOf(m: ImageModel, d: CompactRangeDiff) {
  const rank = m.treeOrder();
  for (let i = 1; i < d.nodes.length; i++) expect(rank[d.nodes[i]!]!).toBeGreaterThan(rank[d.nodes[i - 1]!]!);
  return Array.from(d.nodes, (node, i) => ({
    path: m.paths.path(node),
    kind: diffKindOf(d.codes[i]!),
    changes: changeAspectsOf(d.codes[i]!),
    sizeA: d.sizeA[i]!,
    sizeB: d.sizeB[i]!,
  })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function expectSameDiff(m: ImageModel, jobs: AnalysisJobs, from: number, to: number) {
  const compact = jobs.rangeDiffIfReady(from, to)!;
  const full = diffLayers(m, from, to);
  expect(entriesOf(m, compact)).toEqual(
    full.entries.map(({ path, kind, changes, sizeA, sizeB }) => ({ path, kind, changes, sizeA, sizeB })),
  );
  expect(compact.totals).toEqual(full.totals);
}

describe("work done in idle slices equals the same work done at once", () => {
  test("a range diff prepared a step at a time, restarted by a new pair on the way", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const m = randomModel(seed, 6, 40);
      const jobs = new AnalysisJobs(m);
      expect(jobs.rangeDiffIfReady(0, 5)).toBeNull();
      // Zero milliseconds: one step per call, so it takes several calls.
      let calls = 0;
      jobs.prepareRangeDiff(1, 4, 0); // started, then given up for another pair
      while (!jobs.prepareRangeDiff(0, 5, 0)) calls++;
      expect(calls).toBeGreaterThan(0);
      expectSameDiff(m, jobs, 0, 5);
      expect(jobs.rangeDiffIfReady(1, 4)).toBeNull();
      expect(jobs.prepareRangeDiff(5, 0, Number.POSITIVE_INFINITY)).toBe(true);
      expectSameDiff(m, jobs, 5, 0);
      for (const [a, b] of [
        [-1, 5],
        [2, 3],
        [3, 2],
      ] as const) {
        jobs.prepareRangeDiff(a, b, Number.POSITIVE_INFINITY);
        expectSameDiff(m, jobs, a, b);
      }
    }
  });

  test("the advisor prepared a step at a time", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const m = randomModel(seed, 6, 40);
      const jobs = new AnalysisJobs(m);
      expect(jobs.adviceIfReady()).toBeNull();
      let calls = 0;
      while (!jobs.prepareAdvice(0)) calls++;
      expect(calls).toBeGreaterThan(0);
      expect(jobs.adviceIfReady()).not.toBeNull();
      expect(jobs.adviceIfReady()).toEqual(adviseImage(m));
    }
  });
});
