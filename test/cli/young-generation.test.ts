import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const built = fileURLToPath(new URL("../../dist/cli/young-generation.js", import.meta.url));

/** The largest young generation a child process reaches keeping 2M small objects, read in async steps. */
function youngPeak(cap: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    const { capYoungGeneration } = await import(${JSON.stringify(built)});
    if (${cap}) capYoungGeneration(16 * 1024 * 1024);
    const keep = [];
    let peak = 0;
    for (let i = 0; i < 2_000_000; i++) {
      keep.push({ i, name: "n" + i });
      if (i % 5000 === 0) {
        peak = Math.max(peak, getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size);
        await new Promise((r) => setImmediate(r));
      }
    }
    console.log(peak);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return Number(r.stdout.trim());
}

it("stops the young generation growing once it reaches the limit", () => {
  expect(existsSync(built)).toBe(true);
  const free = youngPeak(false);
  const capped = youngPeak(true);
  // It may overshoot by a growth step (collections are observed after the fact), never far.
  expect(capped).toBeLessThanOrEqual(64 * 1024 * 1024);
  // Where the runtime grows it a lot (Node 24: to 128 MiB here), the cap keeps it well below.
  if (free >= 64 * 1024 * 1024) expect(capped).toBeLessThan(free / 2);
});
