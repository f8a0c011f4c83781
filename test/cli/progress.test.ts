import { describe, expect, it } from "vitest";
import { stderrProgress } from "../../src/cli/progress.js";

function fakeStderr(isTTY: boolean) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns: 200,
    write: (s: string) => writes.push(s),
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe("stderrProgress", () => {
  it("writes nothing when stderr is not a terminal", () => {
    const { stream, writes } = fakeStderr(false);
    const p = stderrProgress(stream, () => 3);
    expect(p.onProgress).toBeUndefined();
    p.done();
    expect(writes).toEqual([]);
  });

  it("redraws one line with the layers being read, and erases it when done", () => {
    const { stream, writes } = fakeStderr(true);
    const p = stderrProgress(stream, () => 3);
    p.onProgress!({ layer: 0, bytesRead: 500_000, totalBytes: 2_000_000, entries: 10 });
    expect(writes.at(-1)).toBe("\r\x1b[2Klayerview: 0 of 3 layers read · reading layer 0 · 500 kB of 2.0 MB");
    p.done();
    expect(writes.at(-1)).toBe("\r\x1b[2K");
    expect(writes.every((w) => !w.includes("\n"))).toBe(true);
  });
});
