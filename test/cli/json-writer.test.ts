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

  it("writes a large array in many pieces", async () => {
    const v = { items: Array.from({ length: 20000 }, (_, i) => ({ path: `/p/${i}`, bytes: i })) };
    expect(await written(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
  });
});
