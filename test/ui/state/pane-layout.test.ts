import { describe, expect, test } from "vitest";
import { computePaneLayout, type Rect } from "../../../src/ui/state/pane-layout.js";

const cells = (r: Rect | null) => (r ? r.width * r.height : 0);

describe("computePaneLayout", () => {
  test.each([
    [80, 24],
    [120, 40],
    [100, 30],
    [200, 60],
    [70, 16],
  ])("split at %i×%i: panes tile the screen without overlap", (columns, rows) => {
    const l = computePaneLayout(columns, rows, 20);
    expect(l.kind).toBe("split");
    const left = [l.layers, l.layerDetails!, l.imageDetails!];
    // The left column stacks with no gap, and the tree fills the rest after the separator.
    expect(left.map((r) => r.y)).toEqual([0, l.layers.height, l.layers.height + l.layerDetails!.height]);
    expect(left.reduce((h, r) => h + r.height, 0)).toBe(rows - 1);
    for (const r of left) expect(r.width).toBe(l.layers.width);
    expect(l.tree.x).toBe(l.layers.width + 1);
    expect(l.tree.x + l.tree.width).toBe(columns);
    expect(l.tree.height).toBe(rows - 1);
    expect(l.status).toEqual({ x: 0, y: rows - 1, width: columns, height: 1 });
    expect(cells(l.tree) + left.reduce((n, r) => n + cells(r), 0) + (rows - 1) + columns).toBe(
      columns * rows,
    );
  });

  test("80×24 leaves room for every pane", () => {
    const l = computePaneLayout(80, 24, 20);
    expect(l.layers.width).toBe(32);
    expect(l.layers.height).toBeGreaterThanOrEqual(4);
    expect(l.layerDetails!.height).toBe(7);
    expect(l.imageDetails!.height).toBeGreaterThanOrEqual(5);
    expect(l.tree.width).toBe(47);
  });

  test("bigger terminals get wider and taller panes", () => {
    const small = computePaneLayout(80, 24, 30);
    const big = computePaneLayout(160, 50, 30);
    expect(big.layers.width).toBeGreaterThan(small.layers.width);
    expect(big.tree.width).toBeGreaterThan(small.tree.width);
    expect(big.layers.height).toBeGreaterThan(small.layers.height);
    expect(big.layerDetails!.height).toBeGreaterThan(small.layerDetails!.height);
  });

  test("the layers pane takes no more rows than it needs", () => {
    expect(computePaneLayout(120, 40, 3).layers.height).toBe(4);
    expect(computePaneLayout(120, 40, 100).layers.height).toBe(Math.floor(39 * 0.45));
  });

  test("narrow terminals stack the layers above the tree and drop the details", () => {
    const l = computePaneLayout(60, 20, 10);
    expect(l.kind).toBe("stacked");
    expect(l.layerDetails).toBeNull();
    expect(l.layers.height + l.tree.height).toBe(19);
    expect(l.tree.width).toBe(60);
  });

  test("tiny terminals only get a message", () => {
    expect(computePaneLayout(30, 20).kind).toBe("too-small");
    expect(computePaneLayout(80, 8).kind).toBe("too-small");
  });
});
