import { describe, expect, it } from "vitest";
import { type FuzzSummary, runFuzz } from "../../fuzz/driver.js";
import { ensureBuilt } from "../cli/run-cli.js";

/**
 * The fuzzer as part of the suite: a fixed set of cases (the same every run), for a bounded time,
 * must end with no crash, hang, escape or memory failure. `npm run fuzz -- --cases 10000` is the
 * long run (README, Development).
 */
const base = { seed: 1, jobs: 2, timeoutMs: 30_000, memoryLimitBytes: 1 << 30, snapshot: false };

function failures(s: FuzzSummary): string[] {
  return s.failures.map(
    (f) =>
      `case ${f.number} ${f.outcome} (${f.command} on ${f.seed}): ${f.detail}\n    ${f.mutations.join("\n    ")}`,
  );
}

describe("the fuzzer", () => {
  it("finds nothing in the cases that once found a bug", async () => {
    ensureBuilt();
    // Seed 1: a null history entry (37), a number as created_by (226), history as a string (81),
    // a symlink target of 5000 bytes (307), a directory entry carrying data (366), 20,000 entries (309),
    // paths 20,000 directories deep (5067, 5077).
    const s = await runFuzz({ ...base, cases: 0, only: [37, 68, 81, 226, 307, 309, 366, 5067, 5077] });
    expect(failures(s)).toEqual([]);
    expect(s.cases).toBe(9);
    // Seed 2: 5,000 entries with 70,000-byte pax names in a 69 KB zstd layer (1389), an entry renamed
    // 20,000 directories deep, extracted (2197).
    const s2 = await runFuzz({ ...base, seed: 2, cases: 0, only: [1389, 2197] });
    expect(failures(s2)).toEqual([]);
    expect(s2.cases).toBe(2);
  }, 240_000);

  it("finds nothing in a fixed set of 150 cases, within two minutes", async () => {
    ensureBuilt();
    const s = await runFuzz({ ...base, cases: 150, first: 5000, timeBudgetMs: 120_000 });
    expect(failures(s)).toEqual([]);
    expect(s.generatorErrors).toEqual([]);
    // Every command ran, and most of the set did within the budget.
    expect(Object.keys(s.byCommand).sort()).toEqual(["--ci", "--json", "--report", "cat", "diff", "extract"]);
    expect(s.cases).toBeGreaterThanOrEqual(60);
    expect(s.counts.ok + s.counts["clean error"]).toBe(s.cases);
  }, 240_000);
});
