import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { initialState } from "../../../src/ui/state/explorer-state.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { hexLine, isBinary, textLines } from "../../../src/ui/viewer/file-view.js";
import { readCapped } from "../../../src/ui/viewer/read-capped.js";
import { sampleModel } from "../fixture-model.js";
import { eventsFor } from "../render-explorer.js";

describe("binary or text", () => {
  test("NUL bytes or invalid UTF-8 in the first 8 KiB mean binary", () => {
    expect(isBinary(Buffer.from("plain text\n"))).toBe(false);
    expect(isBinary(Buffer.from("héllo wörld ✓"))).toBe(false);
    expect(isBinary(Buffer.from([0x41, 0x00, 0x42]))).toBe(true);
    expect(isBinary(Buffer.from([0x41, 0xff, 0x42]))).toBe(true);
    // A NUL after the first 8 KiB is not looked at.
    expect(isBinary(Buffer.concat([Buffer.alloc(8192, 0x61), Buffer.from([0])]))).toBe(false);
  });

  test("a character cut by the 8 KiB window is still text", () => {
    const text = Buffer.concat([Buffer.alloc(8191, 0x61), Buffer.from("é and more")]);
    expect(isBinary(text)).toBe(false);
  });

  test("text lines and hex lines", () => {
    expect(textLines(Buffer.from("a\r\n\tb\n"))).toEqual(["a", "    b"]);
    const full = hexLine(Buffer.from("ABCDEFGHIJKLMNOP"), 0);
    expect(full).toBe("00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|");
    const last = hexLine(Buffer.from("ABCDEFGHIJKLMNOPQ"), 1);
    expect(last).toMatch(/^00000010 {2}51 +\|Q\|$/);
    expect(last.indexOf("|")).toBe(full.indexOf("|"));
    expect(hexLine(Buffer.from([0, 1, 0x41]), 0)).toMatch(/^00000000 {2}00 01 41 {2}.* \|\.\.A\|$/);
  });
});

describe("readCapped", () => {
  test("stops at the cap and destroys the stream", async () => {
    const chunks = Array.from({ length: 100 }, () => Buffer.alloc(1000, 0x61));
    const stream = Readable.from(chunks);
    const r = await readCapped(() => stream, 2500);
    expect(r.data.length).toBe(2500);
    expect(r.truncated).toBe(true);
    expect(stream.destroyed).toBe(true);
  });

  test("a file of exactly the cap is not truncated", async () => {
    const r = await readCapped(() => Readable.from([Buffer.alloc(10)]), 10);
    expect(r).toEqual({ data: Buffer.alloc(10), truncated: false });
  });

  test("an abort stops the read and rejects", async () => {
    const abort = new AbortController();
    const stream = new Readable({ read() {} });
    const p = readCapped(() => stream, 100, abort.signal);
    await new Promise((r) => setImmediate(r));
    abort.abort();
    await expect(p).rejects.toThrow();
    expect(stream.destroyed).toBe(true);
  });
});

describe("viewer, advice and compare state", () => {
  const ready = () => {
    let s = initialState(120, 40);
    for (const event of eventsFor(sampleModel())) s = reduce(s, { type: "load", event });
    return s;
  };

  test("an answer for an older request is ignored; Ctrl+C quits from the viewer", () => {
    let s = reduce(ready(), { type: "command", command: "next-pane" });
    s = reduce(s, { type: "command", command: "down" });
    s = reduce(s, { type: "command", command: "down" });
    s = reduce(s, { type: "command", command: "view-file" });
    expect(s.viewer?.status).toBe("loading");
    const stale = reduce(s, { type: "viewer-loaded", request: 0, data: Buffer.from("x"), truncated: false });
    expect(stale.viewer?.status).toBe("loading");
    const loaded = reduce(s, {
      type: "viewer-loaded",
      request: s.viewer!.request,
      data: Buffer.from("x\n"),
      truncated: false,
    });
    expect(loaded.viewer?.lines).toEqual(["x"]);
    expect(reduce(loaded, { type: "key", input: "q", key: {} }).quit).toBe(false);
    expect(reduce(loaded, { type: "key", input: "c", key: { ctrl: true } }).quit).toBe(true);
  });

  test("x toggles the compare mark; the diff scrolls in the tree pane", () => {
    let s = ready();
    s = reduce(s, { type: "key", input: "x", key: {} });
    expect(s.compareFrom).toBe(s.layer);
    s = reduce(s, { type: "key", input: "g", key: {} });
    expect(s.layer).toBe(0);
    s = reduce(s, { type: "key", input: "x", key: {} });
    expect(s.compareFrom).toBe(-1);
  });
});
