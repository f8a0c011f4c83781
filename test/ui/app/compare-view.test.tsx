import { Readable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import type { ImageModel } from "../../../src/model/image-model.js";
import type { LoadEvent } from "../../../src/ui/state/load-events.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import type { OpenContent } from "../../../src/ui/viewer/read-capped.js";
import { type E, modelOf, node } from "../../model/helpers.js";
import { type Explorer, renderExplorer, treeColumn, waitFor } from "../render-explorer.js";

let open: Explorer | null = null;
afterEach(() => {
  open?.unmount();
  open = null;
});

const base: E[] = [
  { name: "bin/", type: "dir" },
  { name: "bin/sh", content: "S".repeat(5000) },
  { name: "etc/", type: "dir" },
  { name: "etc/os-release", content: "ID=test\n" },
];
const v1 = modelOf(
  [
    base,
    [
      { name: "srv/", type: "dir" },
      { name: "srv/app.js", content: "console.log(1)\n" },
      { name: "srv/old.txt", content: "old" },
      { name: "srv/lib/", type: "dir" },
      { name: "srv/lib/big.bin", content: "B".repeat(9000) },
    ],
  ],
  [
    { created_by: "/bin/sh -c #(nop) ADD file:base in /" },
    { created_by: "/bin/sh -c #(nop) COPY dir:v1 in /srv" },
  ],
);
const v2 = modelOf(
  [
    base,
    [
      { name: "srv/", type: "dir" },
      { name: "srv/app.js", content: "console.log(22)\n" },
      { name: "srv/new/", type: "dir" },
      { name: "srv/new/readme", content: "R".repeat(1234) },
      { name: "srv/lib/", type: "dir" },
      { name: "srv/lib/big.bin", content: "B".repeat(2000) },
    ],
  ],
  [
    { created_by: "/bin/sh -c #(nop) ADD file:base in /" },
    { created_by: "/bin/sh -c #(nop) COPY dir:v2 in /srv" },
  ],
);

/** modelOf gives no reference and no DiffIDs: the base layer gets the same one in both, the top ones their own. */
function withIds(m: ImageModel, top: string): ImageModel {
  (m.input as { reference: string | null }).reference = `app:${top.slice(1)}`;
  m.layers[0]!.diffId = "sha256:base";
  m.layers[1]!.diffId = `sha256:${top}`;
  return m;
}
withIds(v1, "v1");
withIds(v2, "v2");

function compareEvents(a: ImageModel, b: ImageModel): LoadEvent[] {
  return [
    { kind: "compare", source: "v2.tar", event: null },
    { kind: "image", ...outlineOf(a) },
    { kind: "compare", source: "v2.tar", event: { kind: "image", ...outlineOf(b) } },
    { kind: "ready", model: a },
    { kind: "compare", source: "v2.tar", event: { kind: "ready", model: b } },
  ];
}

async function compareExplorer(openContent?: OpenContent, events = compareEvents(v1, v2)) {
  open = await renderExplorer({ columns: 120, rows: 30, events, openContent });
  await waitFor(() => open!.frame().includes("Compare"), "the comparison");
  return open;
}

/** The tree pane's rows: marker, A, B, change and name columns, as printed. */
function rowOf(frame: string, name: string): string {
  const line = treeColumn(frame)
    .split("\n")
    .find((l) => new RegExp(`[─⊕] ${name.replace(/\./g, "\\.")}/?( |$)`).test(l));
  if (!line) throw new Error(`no row ${name} in\n${frame}`);
  return line
    .replace(/[│├└─⊕]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

describe("the comparison of two images in the explorer", () => {
  test("opens on what changed: merged tree, sizes in A and B, change, directories totalled", async () => {
    const ex = await compareExplorer();
    const f = ex.frame();
    expect(f).toContain("Compare  app:1 → app:2 · by name · hiding unchanged");
    // app.js 15 → 16 B; big.bin 9000 → 2000 B; new/readme +1234; old.txt −3.
    expect(rowOf(f, "app.js")).toBe("~ 15 B 16 B +1 B app.js (content)");
    expect(rowOf(f, "big.bin")).toBe("~ 9.0 kB 2.0 kB −7.0 kB big.bin (content)");
    expect(rowOf(f, "readme")).toBe("+ — 1.2 kB +1.2 kB readme");
    expect(rowOf(f, "old.txt")).toBe("- 3 B — −3 B old.txt");
    // srv: A 15 + 3 + 9000 = 9018 B; B 16 + 1234 + 2000 = 3250 B; change −5768 B.
    expect(rowOf(f, "srv")).toBe("9.0 kB 3.3 kB −5.8 kB srv/");
    expect(rowOf(f, "new")).toBe("+ — 1.2 kB +1.2 kB new/");
    // Unchanged paths are hidden: the base layer's files are not listed.
    expect(treeColumn(f)).not.toContain("os-release");
    // The layers: the base shared by DiffID in both, the top one only in its image.
    expect(f).toMatch(/Layers\s+1 shared · 1 only in A · 1 only in B/);
    expect(f).toMatch(/= 0 +5\.0 kB ADD file:base in \//);
    expect(f).toMatch(/- 1 +9\.0 kB COPY dir:v1 in \/srv/);
    expect(f).toMatch(/\+ 1 +3\.3 kB COPY dir:v2 in \/srv/);
    expect(f).toMatch(/Content\s+14 kB → 8\.3 kB \(−5\.8 kB\)/);
  });

  test("u shows the unchanged paths, s sorts by size change, folding works", async () => {
    const ex = await compareExplorer();
    await ex.press({ text: "u" });
    expect(rowOf(ex.frame(), "os-release")).toBe("8 B 8 B os-release");
    await ex.press({ text: "u" });
    // By name: app.js, lib, new, old.txt; by change: lib (−7000), new (+1234), old.txt (−3), app.js (+1).
    const order = () =>
      treeColumn(ex.frame())
        .split("\n")
        .map((l) => /[─⊕] (\S+)/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined);
    expect(order()).toEqual(["srv/", "app.js", "lib/", "big.bin", "new/", "readme", "old.txt"]);
    await ex.press({ text: "s" });
    expect(ex.frame()).toContain("by size change");
    expect(order()).toEqual(["srv/", "lib/", "big.bin", "new/", "readme", "old.txt", "app.js"]);
    // Cursor on srv (first row): fold it.
    await ex.press("enter");
    expect(order()).toEqual(["srv/"]);
    expect(treeColumn(ex.frame())).toContain("└⊕ srv/");
    await ex.press("enter", "down", "down", "down");
    expect(treeColumn(ex.frame())).toMatch(/4\/7 \/srv\/new · only in B \(added\)/);
  });

  test("v views B's version, V A's; files only in A open A's", async () => {
    const asked: [number, number, string | undefined][] = [];
    const ex = await compareExplorer((n, layer, image) => {
      asked.push([n, layer, image]);
      return Readable.from([Buffer.from(`${image}:${(image === "compare" ? v2 : v1).paths.path(n)}\n`)]);
    });
    await ex.press("down"); // srv/ → app.js
    expect(treeColumn(ex.frame())).toContain("/srv/app.js · changed");
    await ex.press({ text: "v" });
    await waitFor(() => ex.frame().includes("compare:/srv/app.js"), "B's app.js");
    expect(ex.frame()).toContain("image B (app:2)");
    expect(asked.at(-1)).toEqual([node(v2, "/srv/app.js"), 1, "compare"]);
    await ex.press("escape", { text: "V" });
    await waitFor(() => ex.frame().includes("main:/srv/app.js"), "A's app.js");
    expect(ex.frame()).toContain("image A (app:1)");
    expect(asked.at(-1)).toEqual([node(v1, "/srv/app.js"), 1, "main"]);
    await ex.press("escape", { text: "G" });
    expect(treeColumn(ex.frame())).toContain("/srv/old.txt · only in A (removed)");
    await ex.press({ text: "v" });
    await waitFor(() => ex.frame().includes("main:/srv/old.txt"), "A's old.txt");
  });

  test("d explores the first image alone and comes back; the filter narrows the comparison", async () => {
    const ex = await compareExplorer();
    await ex.press({ text: "d" });
    expect(ex.frame()).toContain("Files  as of layer 1");
    expect(ex.frame()).toContain("Exploring app:1 alone");
    await ex.press({ text: "d" });
    expect(ex.frame()).toContain("Compare  app:1 → app:2");
    await ex.press({ text: "/" });
    await ex.type("readme");
    await ex.press("enter");
    const t = treeColumn(ex.frame());
    expect(t).toContain('filter "readme"');
    expect(t).toContain("readme");
    expect(t).not.toContain("app.js");
  });

  test("while reading, both images' progress; an image that cannot be read is named", async () => {
    open = await renderExplorer({
      columns: 120,
      rows: 30,
      events: [
        { kind: "compare", source: "missing:2", event: null },
        { kind: "image", ...outlineOf(v1), reference: "app:1" },
        { kind: "progress", layer: 0, bytesRead: 100, totalBytes: 1000, entries: 3 },
      ],
    });
    const ex = open;
    await waitFor(() => ex.frame().includes("10%"), "the progress (coalesced every 50 ms)");
    expect(treeColumn(ex.frame())).toMatch(/A app:1[\s\S]*L0 .*10% 100 B of 1\.0 kB[\s\S]*B missing:2/);
    await ex.emit({
      kind: "compare",
      source: "missing:2",
      event: { kind: "error", message: "no such image" },
    });
    expect(treeColumn(ex.frame())).toContain("Could not read image B (missing:2):");
    expect(treeColumn(ex.frame())).toContain("no such image");
    await ex.press({ text: "q" });
    expect(await ex.exitCode()).toBe(1);
  });
});
