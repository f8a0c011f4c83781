import { afterEach, describe, expect, test } from "vitest";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { sampleModel } from "../fixture-model.js";
import { expectGolden } from "../golden.js";
import { ctrl, type Explorer, eventsFor, renderExplorer, treeColumn } from "../render-explorer.js";

let open: Explorer | null = null;
afterEach(() => {
  open?.unmount();
  open = null;
});

async function explorer(columns: number, rows: number, opts: { noColor?: boolean; ready?: boolean } = {}) {
  const m = sampleModel();
  const events = opts.ready === false ? [{ kind: "image" as const, ...outlineOf(m) }] : eventsFor(m);
  open = await renderExplorer({ columns, rows, events, noColor: opts.noColor ?? true });
  return open;
}

describe("frames at 120×40", () => {
  test("opening: layers focused, the top layer selected, the whole tree", async () => {
    const ex = await explorer(120, 40);
    expectGolden("sample-120x40-open", ex.frame());
  });

  test("an earlier layer: what later layers overwrite or delete is marked ✗Ln", async () => {
    const ex = await explorer(120, 40);
    await ex.press({ text: "[" }, { text: "[" });
    const f = ex.frame();
    expect(f).toContain("hosts");
    expect(f).toMatch(/hosts\s+✗L2/);
    expect(f).toMatch(/passwd\s+✗L1/);
    expectGolden("sample-120x40-layer0", f);
  });

  test("changes of one layer: a whiteout shown in place as removed", async () => {
    const ex = await explorer(120, 40);
    await ex.press({ text: "[" }, { text: "c" }, "tab", "down");
    const f = ex.frame();
    expect(treeColumn(f)).toMatch(/^- .* pkgcache\.bin/m);
    expect(treeColumn(f)).toMatch(/^~ .* passwd/m);
    expect(f).toContain("changes of layer 1");
    expectGolden("sample-120x40-layer1-changes", f);
  });

  test("filter being typed, sorted by size, attributes hidden", async () => {
    const ex = await explorer(120, 40);
    await ex.press({ text: "s" }, { text: "b" }, { text: "/" });
    await ex.type("lib");
    const f = ex.frame();
    expect(f).toContain("Filter: lib█");
    expect(f).not.toContain("drwxr-xr-x");
    expectGolden("sample-120x40-filter", f);
    await ex.press("enter");
    expect(ex.frame()).toContain('filter "lib"');
    await ex.press("escape");
    expect(ex.frame()).not.toContain('filter "lib"');
  });

  test("collapse, go to parent, expand", async () => {
    const ex = await explorer(120, 40);
    await ex.press("tab", "down", "left");
    expect(ex.frame()).toMatch(/1\/20 \/bin · dir/);
    await ex.press("left");
    expect(ex.frame()).toMatch(/├⊕ bin\//);
    expect(ex.frame()).toMatch(/1\/18 \/bin/);
    await ex.press("right", "right");
    expect(ex.frame()).toMatch(/2\/20 \/bin\/ls · file/);
  });

  test("help is generated from the keymap", async () => {
    const ex = await explorer(120, 40);
    await ex.press({ text: "?" });
    const f = ex.frame();
    expect(f).toContain("Collapse the directory, or go to its");
    expect(f).toContain("Hide or show unmodified files");
    expect(f).toContain("✗L7 this version is overwritten or deleted by layer 7");
    expectGolden("sample-120x40-help", f);
    await ex.press("escape");
    expect(ex.frame()).not.toContain("Collapse the directory");
  });
});

describe("frames at 80×24 and smaller", () => {
  test("80×24 fits every pane", async () => {
    const ex = await explorer(80, 24);
    const f = ex.frame();
    expect(f.split("\n")).toHaveLength(24);
    for (const line of f.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    expectGolden("sample-80x24-open", f);
  });

  test("80×24 tree focused after a few moves", async () => {
    const ex = await explorer(80, 24);
    await ex.press("tab", "pageDown", "down");
    expectGolden("sample-80x24-tree", ex.frame());
  });

  test("help scrolls when it does not fit", async () => {
    const ex = await explorer(80, 24);
    await ex.press({ text: "?" });
    expect(ex.frame()).toMatch(/1–22 of \d+/);
    await ex.press("pageDown", "pageDown");
    expect(ex.frame()).toContain("Markers");
  });

  test("a narrow terminal stacks the layers above the tree", async () => {
    const ex = await explorer(60, 20);
    expectGolden("sample-60x20-stacked", ex.frame());
  });

  test("a tiny terminal says so", async () => {
    const ex = await explorer(30, 8);
    expect(ex.frame()).toContain("Terminal too small");
  });

  test("resizing re-lays out", async () => {
    const ex = await explorer(120, 40);
    await ex.resize(80, 24);
    expect(ex.frame().split("\n")).toHaveLength(24);
    await ex.resize(120, 40);
    expect(ex.frame().split("\n")).toHaveLength(40);
  });
});

describe("loading", () => {
  test("the layer list shows at once; progress per layer while the tree is indexed; keys work", async () => {
    const m = sampleModel();
    const ex = await explorer(120, 40, { ready: false });
    await ex.emit({
      kind: "progress",
      layer: 0,
      bytesRead: 5_000_000,
      totalBytes: 10_000_000,
      entries: 1234,
    });
    await ex.emit({ kind: "progress", layer: 1, bytesRead: 1_000, totalBytes: null, entries: 3 });
    let f = ex.frame();
    expect(f).toContain("Indexing the file tree");
    expect(f).toMatch(/L0 █+░+ 50% 5\.0 MB of 10 MB · 1,234 entries/);
    expect(f).toContain("L2 waiting");
    expectGolden("sample-120x40-loading", f);
    await ex.press({ text: "k" });
    expect(ex.frame()).toMatch(/─ Layer 1 /);
    await ex.emit({ kind: "ready", model: m });
    f = ex.frame();
    expect(f).toContain("as of layer 1");
    expect(f).toContain("passwd");
  });

  test("a read error is shown, and quitting then exits 1", async () => {
    const ex = await explorer(80, 24, { ready: false });
    await ex.emit({ kind: "error", message: "layer 2: unexpected end of archive" });
    expect(ex.frame()).toContain("layer 2: unexpected end of archive");
    await ex.press({ text: "q" });
    expect(await ex.exitCode()).toBe(1);
  });
});

describe("colour", () => {
  test("changes are coloured and marked; NO_COLOR keeps the markers and the cursor, drops the colours", async () => {
    const colored = await explorer(120, 40, { noColor: false });
    await colored.press({ text: "[" }, { text: "[" });
    const raw = colored.rawFrame();
    expect(raw).toContain("\u001b[32m+ "); // added: green "+"
    expect(raw).toContain("\u001b[35m✗L2"); // hidden later: magenta tag
    colored.unmount();
    open = null;
    const plain = await explorer(120, 40, { noColor: true });
    await plain.press({ text: "[" }, { text: "[" });
    const p = plain.rawFrame();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for colour escape sequences
    expect(p).not.toMatch(/\u001b\[(?:[0-9;]*;)?3[0-9]m/);
    expect(p).toContain("\u001b[7m"); // the selected layer is still inverted
    expect(treeColumn(plain.frame())).toMatch(/^\+ .* ✗L2$/m);
  });
});

describe("quitting", () => {
  test("q and Ctrl+C quit with 0", async () => {
    const ex = await explorer(80, 24);
    await ex.press({ text: "q" });
    expect(await ex.exitCode()).toBe(0);
    open = null;
    const ex2 = await explorer(80, 24);
    await ex2.press({ text: ctrl("c") });
    expect(await ex2.exitCode()).toBe(0);
  });
});
