import { describe, expect, it } from "vitest";
import { sameKeyRuns } from "../../../src/model/advice/duplicates.js";

describe("sameKeyRuns (duplicate-content buckets)", () => {
  const runsOf = (keys: number[]) =>
    [
      ...sameKeyRuns(
        keys.map((_, i) => 100 + i),
        Float64Array.from(keys),
        Int32Array.from(keys, (k) => k % 2 ** 21),
      ),
    ].filter((r) => r !== null);

  it("finds every repeated key, in the first and last buckets too, in key order with items in order", () => {
    // 1024 buckets for up to 2048 keys: keys ≡ 0 and ≡ 1023 (mod 1024) sit in the first and last.
    const keys = [1023, 5, 0, 2 ** 40 + 1023, 1023, 0, 7, 2 ** 52 + 3, 2 ** 40 + 1023, 2 ** 52 + 3, 1023];
    expect(runsOf(keys)).toEqual([
      [102, 105],
      [100, 104, 110],
      [103, 108],
      [107, 109],
    ]);
  });

  it("agrees with a Map on many random keys", () => {
    let seed = 9;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    const keys = Array.from({ length: 20_000 }, () => (rand() % 6000) * 2 ** 21 + (rand() % 3000));
    const byKey = new Map<number, number[]>();
    keys.forEach((k, i) => {
      byKey.set(k, [...(byKey.get(k) ?? []), 100 + i]);
    });
    const expected = [...byKey.entries()]
      .filter(([, v]) => v.length >= 2)
      .sort((a, b) => a[0] - b[0])
      .map(([, v]) => v);
    expect(runsOf(keys)).toEqual(expected);
  });
});
