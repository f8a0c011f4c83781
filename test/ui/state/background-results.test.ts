import { describe, expect, test } from "vitest";
import { adviseImage } from "../../../src/model/advice/index.js";
import type { ImageModel } from "../../../src/model/image-model.js";
import { Command } from "../../../src/ui/keymap/keymap.js";
import { composeFrame } from "../../../src/ui/panes/screen.js";
import { stripAnsi } from "../../../src/ui/render/theme.js";
import { type ExplorerState, initialState } from "../../../src/ui/state/explorer-state.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { sampleModel } from "../fixture-model.js";

function loaded(model: ImageModel): ExplorerState {
  let s = reduce(initialState(120, 40), { type: "load", event: { kind: "image", ...outlineOf(model) } });
  s = reduce(s, { type: "load", event: { kind: "ready", model } });
  return s;
}
const screen = (s: ExplorerState) => stripAnsi(composeFrame(s, false).join("\n"));

describe("background work reaches the state as actions", () => {
  test("A before the advisor finished: the overlay opens at once after one bounded slice, findings come later", () => {
    const m = sampleModel();
    const s0 = loaded(m);
    const budgets: number[] = [];
    // An advisor that never finishes within the key's slice.
    s0.session!.analysis.prepareAdvice = (ms: number) => {
      budgets.push(ms);
      return false;
    };
    let s = reduce(s0, { type: "command", command: Command.Advice });
    expect(s.advice).not.toBeNull();
    expect(s.findings).toBeNull();
    expect(budgets.length).toBe(1);
    expect(budgets[0]).toBeLessThanOrEqual(10);
    expect(screen(s)).toContain("Analysing the image");
    const findings = adviseImage(m);
    s = reduce(s, { type: "advice-ready", findings });
    expect(s.findings).toBe(findings);
    expect(screen(s)).toContain(`${findings.length} findings`);
  });

  test("a range diff finished for a pair no longer compared is dropped", () => {
    const m = sampleModel();
    let s = reduce(loaded(m), { type: "key", input: "x", key: {} });
    s = reduce(s, { type: "key", input: "[", key: {} });
    expect(s.rangeDiff).not.toBeNull();
    expect([s.rangeDiff!.from, s.rangeDiff!.to]).toEqual([s.compareFrom, s.layer]);
    const other = s.session!.analysis;
    other.prepareRangeDiff(0, 1, Number.POSITIVE_INFINITY);
    const stale = other.rangeDiffIfReady(0, 1)!;
    expect(reduce(s, { type: "range-diff-ready", diff: stale }).rangeDiff).toBe(s.rangeDiff);
    // Leaving the range view forgets the diff.
    s = reduce(s, { type: "key", input: "", key: { escape: true, meta: true } });
    expect(s.rangeDiff).toBeNull();
  });
});
