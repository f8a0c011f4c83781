import { describe, expect, test } from "vitest";
import { composeFrame } from "../../../src/ui/panes/screen.js";
import { stripAnsi } from "../../../src/ui/render/theme.js";
import { type ExplorerState, initialState } from "../../../src/ui/state/explorer-state.js";
import { treeOf } from "../../../src/ui/state/geometry.js";
import { keyOfChar } from "../../../src/ui/state/key-input.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { sampleModel } from "../fixture-model.js";

const frame = (s: ExplorerState) => stripAnsi(composeFrame(s, false).join("\n"));
const press = (s: ExplorerState, keys: string) =>
  [...keys].reduce((out, ch) => reduce(out, { type: "key", ...keyOfChar(ch) }), s);
const down = (s: ExplorerState, n: number) => {
  let out = s;
  for (let i = 0; i < n; i++) out = reduce(out, { type: "key", input: "", key: { downArrow: true } });
  return out;
};

describe("the tree fills in as layers finish", () => {
  const full = sampleModel();
  const firstTwo = sampleModel(2);
  const loading = () => {
    let s = reduce(initialState(120, 40), { type: "load", event: { kind: "image", ...outlineOf(full) } });
    s = reduce(s, {
      type: "load",
      event: { kind: "progress", layer: 2, bytesRead: 25, totalBytes: 100, entries: 3, at: 0 },
    });
    return reduce(s, { type: "load", event: { kind: "partial", model: firstTwo, layersRead: 2 } });
  };

  test("the layers read so far show as a tree; the others still show their download", () => {
    const s = loading();
    expect(s.layersRead).toBe(2);
    const f = frame(s);
    expect(f).toContain("layers 0–1 of 3 read, the rest still loading");
    // Layer 2 (the selected top) is not read: its /etc/hosts deletion is not shown yet, its row shows 25 %.
    expect(f).toMatch(/hosts/);
    expect(f).toMatch(/▸2\s+25%/);
    expect(f).not.toContain("build.log");
    // Nothing is claimed of the layers not read, nor of the whole image's sizes yet.
    expect(f).toMatch(/Files\s+3 entries read so far/);
    expect(f).toContain("Reading layers… (2 read)");
    expect(f).not.toMatch(/Wasted/);
    // Waste and comparisons need every layer.
    expect(press(s, "A").notice).toBe("The advice is ready once the image is read");
    expect(press(s, "A").advice).toBeNull();
    expect(press(s, "x").notice).toBe("Layers can be compared once the image is read");
    expect(press(s, "\tH").notice).toBe("The history is ready once the image is read");
    expect(press(s, "\tH").fileHistory).toBeNull();
  });

  test("the whole image replaces it, the cursor and folded directories kept by path", () => {
    let s = loading();
    s = press(s, "\t"); // the tree pane
    s = down(s, 3);
    expect(treeOf(s)).not.toBeNull();
    const at = s.model!.paths.path(s.cursor);
    expect(at).not.toBe("");
    const usr = s.model!.paths.lookup(["usr"]);
    s = { ...s, expansion: { defaultExpanded: true, toggled: new Set([usr]) } };
    s = reduce(s, { type: "load", event: { kind: "ready", model: full } });
    expect([...s.expansion.toggled].map((n) => full.paths.path(n))).toEqual(["/usr"]);
    expect(s.layersRead).toBeNull();
    expect(s.model).toBe(full);
    expect(full.paths.path(s.cursor)).toBe(at);
    const f = frame(s);
    expect(f).not.toContain("still loading");
    expect(f).toContain("build.log");
    // A late partial (a source that reports one after the end) changes nothing.
    expect(reduce(s, { type: "load", event: { kind: "partial", model: firstTwo, layersRead: 2 } })).toBe(s);
  });
});
