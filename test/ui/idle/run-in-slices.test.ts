import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { runInSlices } from "../../../src/ui/idle/run-in-slices.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("runInSlices", () => {
  test("one slice per turn after the delay, until a slice says it is finished; then onDone", () => {
    let slices = 0;
    const done = vi.fn();
    runInSlices(() => ++slices === 3, { delayMs: 50, onDone: done });
    vi.advanceTimersByTime(49);
    expect(slices).toBe(0);
    vi.advanceTimersByTime(1);
    expect(slices).toBe(1);
    vi.runOnlyPendingTimers();
    expect(slices).toBe(2);
    expect(done).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(slices).toBe(3);
    expect(done).toHaveBeenCalledTimes(1);
    vi.runAllTimers();
    expect(slices).toBe(3);
  });

  test("stopping ends it: no further slice, no onDone", () => {
    let slices = 0;
    const done = vi.fn();
    const stop = runInSlices(() => ++slices === 10, { onDone: done });
    vi.runOnlyPendingTimers();
    vi.runOnlyPendingTimers();
    stop();
    vi.runAllTimers();
    expect(slices).toBe(2);
    expect(done).not.toHaveBeenCalled();
  });
});
