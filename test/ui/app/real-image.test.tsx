import { afterEach, beforeAll, expect, test } from "vitest";
import { ImageModel } from "../../../src/model/image-model.js";
import { readImage } from "../../../src/sources/archive.js";
import { rowFacts, treeRowLine } from "../../../src/ui/panes/tree-rows.js";
import { lineText, stripAnsi } from "../../../src/ui/render/theme.js";
import { initialState } from "../../../src/ui/state/explorer-state.js";
import { treeOf } from "../../../src/ui/state/geometry.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { describeReal, realFixture } from "../../real-fixtures.js";
import { expectGolden } from "../golden.js";
import { type Explorer, eventsFor, renderExplorer } from "../render-explorer.js";

const FIXTURE = realFixture("test-docker-image.tar");

let model: ImageModel;
let open: Explorer | null = null;

/** Every row of the tree at a layer, as text (no window): marker, attributes, guides, name, tag. */
function treeDump(layer: number, changesOnly: boolean): string {
  let s = reduce(initialState(120, 40), { type: "load", event: { kind: "image", ...outlineOf(model) } });
  s = reduce(s, { type: "load", event: { kind: "ready", model } });
  s = { ...s, layer, changesOnly };
  const t = treeOf(s)!;
  return t
    .rows(0, t.total)
    .map((row) => {
      const f = rowFacts(model, layer, row.node, t.layerTree.size[row.node]!);
      return lineText(
        treeRowLine(row, model.paths.name(row.node), f, 100, { attributes: true, sizeColumn: false }),
      ).trimEnd();
    })
    .join("\n");
}

// Skipped, with the reason in the suite's name, where ../shared/fixtures/real is absent.
describeReal("dive's test image", () => {
  beforeAll(async () => {
    model = ImageModel.build(await readImage(FIXTURE, {}));
  });
  afterEach(() => {
    open?.unmount();
    open = null;
  });

  test("the final tree", () => {
    expectGolden("real-tree-top", treeDump(model.layerCount - 1, false));
  });

  test("each layer's own changes", () => {
    const parts: string[] = [];
    for (let L = 0; L < model.layerCount; L++) {
      const l = model.layers[L]!;
      parts.push(`== layer ${L}: ${l.command}`);
      parts.push(L === 0 ? "(base layer: every path added)" : treeDump(L, true));
    }
    expectGolden("real-tree-changes-by-layer", parts.join("\n"));
  });

  test("120×40: opening frame", async () => {
    open = await renderExplorer({ columns: 120, rows: 40, events: eventsFor(model) });
    expectGolden("real-120x40-open", open.frame());
  });

  test("120×40: the layer that deletes /root/example, its changes only", async () => {
    open = await renderExplorer({ columns: 120, rows: 40, events: eventsFor(model) });
    await open.press({ text: "[[[[" }, { text: "c" }, "tab");
    const f = open.frame();
    expect(f).toContain("RUN rm -rf /root/example/");
    expect(f).toMatch(/- .* └─ example\//);
    expectGolden("real-120x40-layer9-changes", f);
  });

  test("120×40: an earlier layer with what later layers hide, filtered", async () => {
    open = await renderExplorer({ columns: 120, rows: 40, events: eventsFor(model) });
    await open.press({ text: "[[[[[[[" }, { text: "/" });
    await open.type("root");
    const f = open.frame();
    expect(f).toMatch(/somefile1\.txt\s+✗L9/);
    expectGolden("real-120x40-layer6-filter", f);
  });

  test("80×24: opening frame", async () => {
    open = await renderExplorer({ columns: 80, rows: 24, events: eventsFor(model) });
    const f = open.frame();
    for (const line of stripAnsi(f).split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    expectGolden("real-80x24-open", f);
  });
});
