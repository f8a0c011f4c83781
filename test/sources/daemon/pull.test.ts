/** The daemon's pull progress is untrusted: split into lines with a cap, decoded with caps, escaped. */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { printable } from "../../../src/model/printable.js";
import { MAX_PULL_LAYERS, MAX_PULL_STATUS, pullLine } from "../../../src/model/pull-progress.js";
import { jsonLines, PullDecoder } from "../../../src/sources/daemon/pull.js";

const decode = (raw: unknown) => new PullDecoder().decode(raw);

describe("pull messages", () => {
  it("a layer's status with its bytes, a line about the whole pull, an error", () => {
    expect(
      decode({ status: "Extracting", id: "abc", progressDetail: { current: 2_500_000, total: 10_000_000 } }),
    ).toEqual({
      update: { id: "abc", status: "Extracting", current: 2_500_000, total: 10_000_000 },
      error: null,
    });
    expect(decode({ status: "Digest: sha256:0123" })?.update).toEqual({
      id: null,
      status: "Digest: sha256:0123",
      current: null,
      total: null,
    });
    expect(decode({ error: "boom", errorDetail: { message: "boom" } })).toEqual({
      update: { id: null, status: "error: boom", current: null, total: null },
      error: "boom",
    });
    expect(decode({})).toBeNull();
    expect(decode({ status: "" })).toBeNull();
    expect(decode("Downloading")).toBeNull();
    expect(decode([{ status: "x" }])).toBeNull();
  });

  it("the lines on stderr read as before", () => {
    const line = (raw: unknown) => pullLine(decode(raw)!.update);
    expect(line({ status: "Pull complete", id: "abc" })).toBe("abc: Pull complete");
    expect(
      line({ status: "Extracting", id: "abc", progressDetail: { current: 2_500_000, total: 10_000_000 } }),
    ).toBe("abc: Extracting 2.5 MB / 10 MB");
    expect(line({ error: "boom" })).toBe("error: boom");
  });

  it("control characters escaped, ids and statuses capped, byte counts that are no counts dropped", () => {
    const u = decode({
      status: `Downloading\u001b[2J\u001b]52;c;aGk=\u0007${"x".repeat(1000)}`,
      id: `\u001b[31m${"f".repeat(500)}`,
      progressDetail: { current: 5, total: 10 },
    })!.update;
    // No control character is left: escaping it again changes nothing.
    expect(printable(u.status)).toBe(u.status);
    expect(u.status.startsWith("Downloading\\x1b[2J\\x1b]52;c;aGk=\\x07")).toBe(true);
    expect(u.status.length).toBe(MAX_PULL_STATUS);
    expect(u.status.endsWith("…")).toBe(true);
    expect(u.id!.length).toBeLessThanOrEqual(64);
    expect(printable(u.id!)).toBe(u.id);
    for (const progressDetail of [
      { current: -1, total: 10 },
      { current: 1, total: 0 },
      { current: 1.5, total: 10 },
      { current: "1", total: 10 },
      { current: 1, total: Number.MAX_SAFE_INTEGER * 4 },
      { current: 1 },
      null,
      "x",
    ]) {
      const d = decode({ status: "Downloading", id: "a", progressDetail })!.update;
      expect([d.current, d.total], JSON.stringify(progressDetail)).toEqual([null, null]);
    }
  });

  it("at most MAX_PULL_LAYERS layer ids per pull; the ones seen keep their updates", () => {
    const decoder = new PullDecoder();
    for (let i = 0; i < MAX_PULL_LAYERS; i++)
      expect(decoder.decode({ status: "Waiting", id: `l${i}` })).not.toBeNull();
    expect(decoder.decode({ status: "Waiting", id: "one-too-many" })).toBeNull();
    expect(decoder.decode({ status: "Pull complete", id: "l0" })?.update.status).toBe("Pull complete");
    expect(decoder.decode({ status: "Status: done" })).not.toBeNull();
  });
});

describe("the progress stream's lines", () => {
  const lines = async (chunks: (string | Buffer)[]) => {
    const out: unknown[] = [];
    for await (const v of jsonLines(Readable.from(chunks))) out.push(v);
    return out;
  };

  it("split wherever the chunks break, CRLF or LF, blank lines and lines that are not JSON skipped", async () => {
    const a = JSON.stringify({ status: "Waiting", id: "a" });
    const b = JSON.stringify({ status: "Downloading", id: "é" });
    const bytes = Buffer.from(`${a}\r\n\n${b}\nnot json\n{"status":"tail"}`);
    // Every split point, including inside the two bytes of "é".
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await lines([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut ${cut}`).toEqual([
        { status: "Waiting", id: "a" },
        { status: "Downloading", id: "é" },
        { status: "tail" },
      ]);
    }
  });

  it("a line over 64 KiB is skipped without being held, and the next lines still come", async () => {
    const huge = Array.from({ length: 40 }, () => "x".repeat(16 * 1024));
    const out = await lines(['{"status":"before"}\n{"status":"', ...huge, '"}\n{"status":"after"}\n']);
    expect(out).toEqual([{ status: "before" }, { status: "after" }]);
    // One that never ends is dropped at the end too.
    expect(await lines(['{"status":"', ...huge])).toEqual([]);
  });
});
