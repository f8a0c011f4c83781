import { Readable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import { modelOf, node } from "../../model/helpers.js";
import { type Explorer, eventsFor, renderExplorer, treeColumn, waitFor } from "../render-explorer.js";

let open: Explorer | null = null;
afterEach(() => {
  open?.unmount();
  open = null;
});

/** /app/conf: added, content changed, chmod; /app/cache re-created (opaque); /app/old deleted. */
function historyModel() {
  return modelOf(
    [
      [
        { name: "app/" },
        { name: "app/conf", content: "one\n" },
        { name: "app/old", content: "x".repeat(5000) },
        { name: "app/cache/" },
        { name: "app/cache/a", content: "a" },
      ],
      [{ name: "app/conf", content: "two two\n" }],
      [{ name: "app/conf", content: "two two\n", mode: 0o600 }, { name: "app/.wh.old" }],
      [{ name: "app/cache/" }, { name: "app/cache/.wh..wh..opq" }, { name: "app/cache/b", content: "b" }],
    ],
    [
      { created_by: "/bin/sh -c #(nop) ADD rootfs.tar /" },
      { created_by: "/bin/sh -c echo two two > /app/conf" },
      { created_by: "/bin/sh -c chmod 600 /app/conf && rm /app/old" },
      { created_by: "/bin/sh -c rm -rf /app/cache && mkdir /app/cache && echo b > /app/cache/b" },
    ],
  );
}

async function explorer(openContent?: Parameters<typeof renderExplorer>[0]["openContent"]) {
  const model = historyModel();
  open = await renderExplorer({ columns: 120, rows: 30, events: eventsFor(model), openContent });
  return { ex: open, model };
}

/** Move the tree cursor to the row showing `path` (the status line names the cursor's path). */
async function cursorTo(ex: Explorer, path: string) {
  for (let i = 0; i < 20 && !ex.frame().includes(`${path} · `); i++) await ex.press("down");
  expect(ex.frame()).toContain(`${path} · `);
}

describe("file history overlay", () => {
  test("H on a tree row lists every version with layer, instruction and what changed", async () => {
    const { ex } = await explorer();
    await ex.press("tab");
    await cursorTo(ex, "/app/conf");
    await ex.press({ text: "H" });
    const f = ex.frame();
    expect(f).toMatch(/History {2}\/app\/conf +3 events · ▸ as of layer 3/);
    expect(f).toMatch(/L0 +\+ +4 B +-rw-r--r-- 0:0 +added file/);
    expect(f).toMatch(/L1 +~ +8 B +-rw-r--r-- 0:0 +modified: content 4 B → 8 B/);
    expect(f).toMatch(/▸L2 +~ +8 B +-rw------- 0:0 +modified: mode 0644 → 0600/);
    // The selected event is the one of the selected layer; its details name the instruction.
    expect(f).toMatch(/Event 3 of 3/);
    expect(f).toMatch(/Layer +2: RUN chmod 600 \/app\/conf && rm \/app\/old/);
    await ex.press("escape");
    expect(ex.frame()).not.toContain("Event 3 of 3");
  });

  test("Enter on a version shows its layer in the tree with the cursor on the path", async () => {
    const { ex } = await explorer();
    await ex.press("tab");
    await cursorTo(ex, "/app/conf");
    await ex.press({ text: "H" }, "home", "down", "enter");
    const f = ex.frame();
    expect(f).not.toContain("Event ");
    expect(f).toMatch(/Files\s+as of layer 1/);
    expect(f).toMatch(/▸1/);
    expect(treeColumn(f)).toMatch(/\/app\/conf · file/);
  });

  test("a removed row opens its history too; Enter on the deletion shows the layer that deleted it", async () => {
    const { ex } = await explorer();
    await ex.press({ text: "[" }, "tab");
    // Layer 2 shows /app/old as removed, in place.
    await cursorTo(ex, "/app/old");
    expect(ex.frame()).toMatch(/\/app\/old · file .*removed/);
    await ex.press({ text: "H" });
    const f = ex.frame();
    expect(f).toMatch(/L0 +\+ +5\.0 kB .*added file/);
    expect(f).toMatch(/▸L2 +- +5\.0 kB .*deleted by a whiteout/);
    expect(f).toContain("not in the final image");
    await ex.press("home", "end", "enter");
    expect(ex.frame()).toMatch(/Files\s+as of layer 2/);
    expect(treeColumn(ex.frame())).toMatch(/\/app\/old · file .*removed/);
  });

  test("v opens the selected version in the viewer; Esc goes back to the history", async () => {
    const asked: [number, number][] = [];
    const { ex, model } = await explorer((n, layer) => {
      asked.push([n, layer]);
      return Readable.from([Buffer.from(layer === 0 ? "one\n" : "two two\n")]);
    });
    await ex.press("tab");
    await cursorTo(ex, "/app/conf");
    await ex.press({ text: "H" }, "home", { text: "v" });
    await waitFor(() => ex.frame().includes("one"), "the first version");
    expect(asked).toEqual([[node(model, "app/conf"), 0]]);
    expect(ex.frame()).toMatch(/\/app\/conf\s+as of layer 0 · text/);
    await ex.press("escape");
    expect(ex.frame()).toMatch(/Event 1 of 3/);
  });

  test("an opaque directory's removal and the file written again are told apart", async () => {
    const { ex } = await explorer();
    await ex.press("tab");
    await cursorTo(ex, "/app/cache/a");
    await ex.press({ text: "H" });
    const f = ex.frame();
    expect(f).toMatch(/L0 +\+ +1 B .*added file/);
    expect(f).toMatch(/L3 +- +1 B .*removed: \/app\/cache was re-created empty \(opaque\)/);
  });

  test("Enter on a version the tree's views hide clears them and shows it", async () => {
    const { ex } = await explorer();
    await ex.press("tab");
    await cursorTo(ex, "/app/conf");
    // Hide modified files: as of layer 3 /app/conf is unchanged (still listed), in layer 1 it is modified.
    await ex.press({ text: "m" });
    expect(ex.frame()).toContain("/app/conf · ");
    await ex.press({ text: "H" }, "home", "down", "enter");
    const f = ex.frame();
    expect(f).toContain("Filters cleared · Layer 1: /app/conf");
    expect(f).toMatch(/Files\s+as of layer 1/);
    expect(treeColumn(f)).toMatch(/\/app\/conf · file .*modified/);
  });

  test("from the layers pane it says where to press it", async () => {
    const { ex } = await explorer();
    await ex.press({ text: "H" });
    expect(ex.frame()).toContain("Select a path in the file tree to see its history");
  });
});
