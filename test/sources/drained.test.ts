import { PassThrough, Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { drained } from "../../src/sources/drained.js";

describe("drained", () => {
  test("resolves when a full writable drains", async () => {
    const slow = new Writable({ highWaterMark: 4, write: (_c, _e, cb) => setTimeout(cb, 5) });
    expect(slow.write(Buffer.alloc(16))).toBe(false);
    await drained(slow);
    expect(slow.writableNeedDrain).toBe(false);
  });

  test("resolves when the writable is destroyed instead, leaving no listeners behind", async () => {
    const stuck = new PassThrough({ highWaterMark: 4 });
    expect(stuck.write(Buffer.alloc(16))).toBe(false);
    const wait = drained(stuck);
    stuck.destroy();
    await wait;
    expect(stuck.listenerCount("drain")).toBe(0);
    expect(stuck.listenerCount("close")).toBe(0);
  });
});
