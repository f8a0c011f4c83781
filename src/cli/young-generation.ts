/**
 * Keeps V8's young generation from growing much past `limit` bytes. Node 22 and later let it grow
 * to 64 MiB per semi-space and more on a machine with this much memory, and reading a million tar
 * entries (names that survive, in a steady stream) makes it do so. `--max-semi-space-size` cannot
 * change once the heap exists, but the growth factor is read at each collection: once the space
 * is `limit`, growing is turned off (it may overshoot by one step: the collections are observed
 * after the fact). 1M-entry `--json`, peak RSS, same time within the noise (runs alternated):
 * Node 24 447–484 MB → 339–355 MB, Node 26 422–441 → 363–391, Node 20 352–364 → 330–340. With a
 * 32 MiB limit Node 26 barely changed (it grows in bigger steps); growth off from the start
 * (factor 1) costs ~13 % more time.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

export const YOUNG_GENERATION_LIMIT = 16 * 1024 * 1024;

/** Watches collections until the young generation reaches `limit`, then stops its growth. */
export function capYoungGeneration(limit: number = YOUNG_GENERATION_LIMIT): void {
  const observer = new PerformanceObserver(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    if (young === undefined || young.space_size < limit) return;
    setFlagsFromString("--semi-space-growth-factor=1");
    observer.disconnect();
  });
  observer.observe({ entryTypes: ["gc"] });
}
