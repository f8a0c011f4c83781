import { describe, expect, test } from "vitest";
import { cachedTreeLimit } from "../../src/ui/layer-tree.js";
import { cachedCountsLimit } from "../../src/ui/visible-tree.js";

describe("cache limits follow the image's size", () => {
  test("a 1M-path image keeps the selected layer's tree and its two neighbours, and 3 views", () => {
    expect(cachedTreeLimit(1_016_538)).toBe(3);
    expect(cachedCountsLimit(1_016_538)).toBe(3);
    // ~18 B per path per tree and ~11 B per view: together well under 100 B per path.
    expect(18 * cachedTreeLimit(1_016_538) + 11 * cachedCountsLimit(1_016_538)).toBeLessThan(100);
  });

  test("small images keep more (32 MiB is cheap), never fewer than 3 trees and 2 views", () => {
    expect(cachedTreeLimit(10_000)).toBeGreaterThan(100);
    expect(cachedCountsLimit(10_000)).toBe(8);
    expect(cachedTreeLimit(50_000_000)).toBe(3);
    expect(cachedCountsLimit(50_000_000)).toBe(3);
  });
});
