/**
 * The contract between layerview and Ink's internals that terminal/ink-adapter.ts relies on. If an
 * Ink upgrade changes any of it, this fails, and the adapter (or the decision to bypass Ink's
 * renderer, see bench/ui-ink-render.ts) must be looked at again.
 */
import { EventEmitter } from "node:events";
import { type Key, useInput, useStdout } from "ink";
import { type ReactElement, useLayoutEffect, useState } from "react";
import { afterEach, describe, expect, test } from "vitest";
import { type KeyFlags, NO_KEY } from "../../../src/ui/keymap/key-flags.js";
import {
  type FrameSink,
  renderToFrameSink,
  useFrameWrite,
  useKeys,
} from "../../../src/ui/terminal/ink-adapter.js";

class RecordingSink extends EventEmitter implements FrameSink {
  readonly isTTY = false;
  readonly columns = 97;
  readonly rows = 31;
  readonly writes: string[] = [];
  write = (data: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
    this.writes.push(typeof data === "string" ? data : Buffer.from(data).toString("utf8"));
    const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
    if (typeof done === "function") done();
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  isRaw = false;
  private data: string | null = null;
  send(data: string) {
    this.data = data;
    this.emit("readable");
  }
  read() {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding() {}
  setRawMode(on: boolean) {
    this.isRaw = on;
  }
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const tick = () => new Promise<void>((r) => setImmediate(r));
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
}

let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

function mount(element: ReactElement) {
  const sink = new RecordingSink();
  const stdin = new FakeStdin();
  const ink = renderToFrameSink(element, { stdin: stdin as unknown as NodeJS.ReadStream, sink });
  unmount = () => ink.unmount();
  return { sink, stdin };
}

/** Writes three frames, one per render, and records the stdout its hooks see. */
function FramesApp({ seen }: { seen: { stdout: unknown }[] }) {
  const write = useFrameWrite();
  const { stdout } = useStdout();
  const [n, setN] = useState(1);
  seen.push({ stdout });
  useLayoutEffect(() => {
    write(`FRAME ${n}\n\u001b[1mline two\u001b[0m`);
    if (n < 3) setN(n + 1);
  }, [n, write]);
  return null;
}

/** Records keys as useKeys reports them and as Ink's useInput does. */
function KeysApp({ got, raw }: { got: { input: string; key: KeyFlags }[]; raw: Key[] }) {
  useKeys((input, key) => got.push({ input, key }));
  useInput((_input, key) => {
    raw.push(key);
  });
  return null;
}

describe("Ink in debug mode, as the adapter uses it", () => {
  test("a frame written with useFrameWrite reaches the sink exactly; Ink adds nothing but empty output", async () => {
    const seen: { stdout: unknown }[] = [];
    const { sink } = mount(<FramesApp seen={seen} />);
    await until(() => sink.writes.some((w) => w.startsWith("FRAME 3")), "the third frame");
    const frames = sink.writes.filter((w) => w !== "" && w !== "\n");
    expect(frames).toEqual([1, 2, 3].map((n) => `FRAME ${n}\n\u001b[1mline two\u001b[0m`));
    // Ink's own output of an app that renders nothing: no cursor, erase or sync sequences.
    for (const w of sink.writes.filter((x) => !x.startsWith("FRAME"))) expect(w).toMatch(/^\n?$/);
    // The stdout Ink hands to hooks is the sink itself (its columns and rows are what Ink reads).
    expect(seen.every((s) => s.stdout === sink)).toBe(true);
  });

  test("useKeys reports keys as KeyFlags; Ink's key object carries every flag KeyFlags has", async () => {
    const got: { input: string; key: KeyFlags }[] = [];
    const raw: Key[] = [];
    const { stdin } = mount(<KeysApp got={got} raw={raw} />);
    await until(() => stdin.listenerCount("readable") > 0, "input subscription");
    expect(stdin.isRaw).toBe(true);
    for (const k of ["\u001b[A", "\t", "\u001b[6~", "x", "\r"]) {
      stdin.send(k);
      await tick();
      await tick();
    }
    await until(() => got.length === 5, "five keys");
    expect(got.slice(0, 4).map((g) => g.input)).toEqual(["", "", "", "x"]);
    expect(got[0]!.key).toEqual({ ...NO_KEY, upArrow: true });
    expect(got[1]!.key.tab).toBe(true);
    expect(got[2]!.key.pageDown).toBe(true);
    expect(got[3]!.key).toEqual(NO_KEY);
    expect(got[4]!.key.return).toBe(true);
    for (const key of raw) {
      for (const flag of Object.keys(NO_KEY))
        expect(typeof (key as unknown as Record<string, unknown>)[flag], flag).toBe("boolean");
    }
  });
});
