import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeJson } from "../../src/report/json-writer.js";

async function written(value: unknown): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await writeJson(value, out);
  return Buffer.concat(chunks).toString();
}

describe("streamed JSON", () => {
  it.each([
    [{ a: 1, b: [1, 2, { c: null, d: "x\ny" }], e: {}, f: [], g: undefined, h: true }],
    [[]],
    [{ nested: { deeper: { list: [[1], [], [{}]] } } }],
    ["plain"],
    [{ date: new Date(0), n: Number.NaN }],
  ])("matches JSON.stringify(v, null, 2) for %j", async (v) => {
    expect(await written(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
  });

  it("matches JSON.stringify for values too large for one piece, in any nesting", async () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const leaf = (): unknown =>
      [
        () => rand(1000),
        () => `s${rand(99)}\n"q"`,
        () => null,
        () => undefined,
        () => true,
        () => new Date(rand(1e9)),
        () => "x".repeat(rand(50) === 0 ? 300_000 : 3),
        () => ({}),
        () => [],
      ][rand(9)]!();
    // At most one large container on each path from the top, so a round stays a few MB.
    const value = (depth: number, large = true): unknown => {
      if (depth === 0 || rand(3) === 0) return leaf();
      const big = large && rand(4) === 0;
      const n = big ? 3000 + rand(6000) : rand(6);
      if (rand(2) === 0) return Array.from({ length: n }, () => value(depth - 1, large && !big));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++)
        o[rand(3) === 0 ? String(rand(50)) : `k${i}`] = value(depth - 1, large && !big);
      if (rand(5) === 0) o.fn = () => 1;
      return o;
    };
    for (let round = 0; round < 5; round++) {
      const v = { round, data: value(4), list: Array.from({ length: 5000 }, () => value(2, false)) };
      expect(await written(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
    }
  });

  it("writes a large array in many pieces", async () => {
    const v = { items: Array.from({ length: 20000 }, (_, i) => ({ path: `/p/${i}`, bytes: i })) };
    const out = new PassThrough();
    let chunks = 0;
    let longest = 0;
    const text: Buffer[] = [];
    out.on("data", (c: Buffer) => {
      chunks++;
      longest = Math.max(longest, c.length);
      text.push(c);
    });
    await writeJson(v, out);
    expect(Buffer.concat(text).toString()).toBe(`${JSON.stringify(v, null, 2)}\n`);
    expect(chunks).toBeGreaterThan(5);
    expect(longest).toBeLessThan(1 << 18);
  });
});
