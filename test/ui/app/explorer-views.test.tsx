import { Readable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import type { ExplorerSession } from "../../../src/ui/session/explorer-session.js";
import { modelOf, node } from "../../model/helpers.js";
import { type Explorer, eventsFor, renderExplorer, treeColumn, waitFor } from "../render-explorer.js";

let open: Explorer | null = null;
afterEach(() => {
  open?.unmount();
  open = null;
});

/** Layer 0 adds files, layer 1 deletes the big one, layer 2 copies the tool again with chmod +x. */
function adviceModel() {
  return modelOf(
    [
      [
        { name: "usr/", type: "dir" },
        { name: "usr/bin/", type: "dir" },
        { name: "usr/bin/tool", content: "T".repeat(3000), mode: 0o644 },
        { name: "opt/", type: "dir" },
        { name: "opt/big.tar", content: "B".repeat(50_000) },
        { name: "etc/", type: "dir" },
        { name: "etc/motd", content: "hello\nworld\n" },
      ],
      [{ name: "opt/.wh.big.tar" }],
      [{ name: "usr/bin/tool", content: "T".repeat(3000), mode: 0o755 }],
    ],
    [
      { created_by: "/bin/sh -c #(nop) ADD rootfs.tar /" },
      { created_by: "/bin/sh -c rm /opt/big.tar" },
      { created_by: "/bin/sh -c #(nop) COPY tool /usr/bin/tool" },
    ],
  );
}

async function explorer(opts: { openContent?: Parameters<typeof renderExplorer>[0]["openContent"] } = {}) {
  const m = adviceModel();
  open = await renderExplorer({
    columns: 120,
    rows: 30,
    events: eventsFor(m),
    openContent: opts.openContent,
  });
  return { ex: open, model: m };
}

describe("advice view", () => {
  test("A lists the findings with bytes saved, layer, instruction and suggestion", async () => {
    const { ex } = await explorer();
    await ex.press({ text: "A" });
    const f = ex.frame();
    expect(f).toMatch(/Advice\s+\d+ findings/);
    expect(f).toMatch(/deleted-later\s+48\.8 KiB|deleted-later\s+50(\.0)? kB/);
    expect(f).toContain("rewritten-unchanged");
    expect(f).toContain("Suggestion");
    expect(f).toContain("ADD rootfs.tar /");
    await ex.press({ text: "A" });
    expect(ex.frame()).not.toContain("Suggestion");
  });

  test("Enter on a finding jumps to its layer and its first path in the tree", async () => {
    const { ex } = await explorer();
    await ex.press({ text: "A" });
    const lines = ex.frame().split("\n");
    const row = lines.findIndex((l) => l.includes("rewritten-unchanged"));
    const first = lines.findIndex((l) => /^(high|medium|low)/.test(l));
    for (let i = first; i < row; i++) await ex.press("down");
    await ex.press("enter");
    const f = ex.frame();
    expect(f).not.toContain("Suggestion");
    expect(f).toMatch(/Layer 2: \/usr\/bin\/tool/);
    expect(f).toMatch(/▸2/);
    expect(treeColumn(f)).toMatch(/\/usr\/bin\/tool · file/);
  });

  test("the deleted file: Enter lands on it in the layer that added it", async () => {
    const { ex } = await explorer();
    await ex.press({ text: "A" });
    const lines = ex.frame().split("\n");
    const row = lines.findIndex((l) => l.includes("deleted-later"));
    const first = lines.findIndex((l) => /^(high|medium|low)/.test(l));
    for (let i = first; i < row; i++) await ex.press("down");
    await ex.press("enter");
    expect(ex.frame()).toMatch(/▸0/);
    expect(treeColumn(ex.frame())).toMatch(/\/opt\/big\.tar · file/);
  });
});

describe("file viewer", () => {
  test("v shows a text file as of the selected layer; loading first; Esc closes", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const asked: [number, number][] = [];
    const { ex, model } = await explorer({
      openContent: async (n, layer) => {
        asked.push([n, layer]);
        await gate;
        return Readable.from([Buffer.from("hello\nworld\n")]);
      },
    });
    // Tree: /etc, /etc/motd, …
    await ex.press("tab", "down");
    expect(ex.frame()).toMatch(/\/etc\/motd · file/);
    await ex.press({ text: "v" });
    expect(ex.frame()).toContain("loading…");
    await waitFor(() => asked.length > 0, "the read to start");
    expect(asked).toEqual([[node(model, "etc/motd"), 2]]);
    release();
    await waitFor(() => ex.frame().includes("world"), "the file");
    const f = ex.frame();
    expect(f).toMatch(/\/etc\/motd\s+as of layer 2 · text/);
    expect(f.split("\n")[1]).toBe("hello");
    await ex.press("escape");
    expect(ex.frame()).toMatch(/\/etc\/motd · file/);
  });

  test("a removed file opens its deleted version; binary data as a hex dump", async () => {
    const asked: [number, number][] = [];
    const { ex, model } = await explorer({
      openContent: (n, layer) => {
        asked.push([n, layer]);
        return Readable.from([Buffer.from([0x41, 0x00, 0xff, 0x42])]);
      },
    });
    // Layer 1 shows /opt/big.tar as removed.
    await ex.press({ text: "[" }, "tab");
    await ex.press({ text: "/" });
    await ex.type("big");
    await ex.press("enter");
    expect(ex.frame()).toMatch(/\/opt\/big\.tar · file .* removed/);
    await ex.press({ text: "v" });
    await waitFor(() => ex.frame().includes("binary"), "the hex dump");
    expect(asked).toEqual([[node(model, "opt/big.tar"), 0]]);
    expect(ex.frame()).toContain("00000000  41 00 ff 42");
    expect(ex.frame()).toContain("|A..B|");
    await ex.press({ text: "q" });
    expect(ex.frame()).not.toContain("00000000");
  });

  test("long files scroll and stop at the cap; errors are shown in the viewer", async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join("\n");
    let fail = false;
    const { ex } = await explorer({
      openContent: () => {
        if (fail) throw new Error("blob gone");
        // 2 MiB of text in 64 KiB chunks: the viewer stops reading at 1 MiB.
        const chunk = Buffer.from(`${many}\n`.repeat(Math.ceil(65536 / many.length)).slice(0, 65536));
        return Readable.from(Array.from({ length: 32 }, () => chunk));
      },
    });
    await ex.press("tab", "down", { text: "v" });
    await waitFor(() => ex.frame().includes("text"), "the text");
    expect(ex.frame()).toMatch(/1–28 of [\d,]+/);
    await ex.press("pageDown");
    expect(ex.frame()).toMatch(/29–56 of/);
    await ex.press("end");
    expect(ex.frame()).toContain("… truncated at 1 MiB");
    await ex.press("escape");
    fail = true;
    await ex.press({ text: "v" });
    await waitFor(() => ex.frame().includes("Could not read the file"), "the error");
    expect(ex.frame()).toContain("blob gone");
  });
});

describe("range view", () => {
  test("x marks a layer; another layer shows the diff from the mark; Esc clears", async () => {
    const { ex } = await explorer();
    await ex.press({ text: "[" }, { text: "[" }, { text: "x" });
    expect(ex.frame()).toMatch(/Comparing from layer 0/);
    await ex.press({ text: "]" }, { text: "]" });
    const f = ex.frame();
    expect(f).toMatch(/Diff\s+layer 0 → layer 2/);
    expect(f).toMatch(/◆0/);
    expect(treeColumn(f)).toMatch(/^- +−48\.8 KiB +\/opt\/big\.tar|^- +−50(\.0)? kB +\/opt\/big\.tar/m);
    expect(treeColumn(f)).toMatch(/^~ +0 B +\/usr\/bin\/tool +\(mode\)/m);
    expect(treeColumn(f)).toMatch(/\+0 -1 ~1/);
    await ex.press("escape");
    expect(ex.frame()).not.toMatch(/Diff\s+layer/);
    expect(ex.frame()).toMatch(/Files\s+as of layer 2/);
  });
});

describe("range view on a large image", () => {
  test("the tree shows with its layer steps prepared; the diff is computed off the key path", async () => {
    // 60,000 files (over the size compared in full while drawing); layer 1 deletes one directory.
    const base = Array.from({ length: 60_000 }, (_, i) => ({ name: `d${i % 100}/f${i}`, size: 10 }));
    const m = modelOf([base, [{ name: ".wh.d5" }, { name: "new.txt", content: "hi" }]]);
    let session: ExplorerSession | null = null;
    open = await renderExplorer({
      columns: 120,
      rows: 30,
      events: eventsFor(m),
      onSession: (s) => {
        session = s;
      },
    });
    const ex = open;
    // A big image's tree shows once the steps between its layers are prepared.
    const treeShown = (f: string) => /Files\s+as of layer 1/.test(f) && !f.includes("Indexing the file tree");
    await waitFor(() => treeShown(ex.frame()), "the tree");
    expect((session as ExplorerSession | null)?.trees.merged.hasStep(0)).toBe(true);
    await ex.press({ text: "[" }, { text: "x" }, { text: "]" });
    expect(ex.frame()).toMatch(/Diff\s+layer 0 → layer 1/);
    await waitFor(() => /\+1 -600 ~0/.test(ex.frame()), "the diff totals");
    expect(treeColumn(ex.frame())).toMatch(/^- +−10 B +\/d5\/f105$/m);
  });
});

describe("early quit", () => {
  test("quitting while the image is read cancels the read", async () => {
    const m = adviceModel();
    let cancelled = 0;
    const ex = await renderExplorer({
      columns: 120,
      rows: 30,
      events: [eventsFor(m)[0]!],
      onCancel: () => cancelled++,
    });
    open = ex;
    expect(ex.frame()).toContain("Indexing the file tree");
    await ex.press({ text: "q" });
    expect(await ex.exitCode()).toBe(0);
    await waitFor(() => cancelled === 1, "the cancel");
  });
});
