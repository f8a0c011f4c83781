import { describe, expect, test } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { explorerLoader } from "../../src/cli/main.js";
import { EntryType } from "../../src/model/layer-contents.js";
import type { LoadEvent } from "../../src/ui/run-explorer.js";
import { demoArchive } from "./run-cli.js";

describe("what the CLI gives the explorer", () => {
  test("load events, then a file's bytes as of a layer", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]));
    const events: LoadEvent[] = [];
    loader.subscribe((e) => events.push(e));
    await expect.poll(() => events.at(-1)?.kind, { timeout: 10_000 }).toBe("ready");
    expect(events[0]?.kind).toBe("image");
    const ready = events.at(-1) as Extract<LoadEvent, { kind: "ready" }>;
    const m = ready.model;
    const vs = m.versions;
    let v = 0;
    while (v < vs.count && !(m.stack.type(v) === EntryType.File && m.stack.size(v) > 0)) v++;
    expect(v).toBeLessThan(vs.count);
    const stream = await loader.openContent(vs.node[v]!, vs.layer[v]!);
    let bytes = 0;
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(m.stack.size(v));
  });

  test("the preview before any layer is read names the layers and history as the built model does", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]));
    const events: LoadEvent[] = [];
    loader.subscribe((e) => events.push(e));
    await expect.poll(() => events.at(-1)?.kind, { timeout: 10_000 }).toBe("ready");
    const preview = events[0] as Extract<LoadEvent, { kind: "image" }>;
    const { model } = events.at(-1) as Extract<LoadEvent, { kind: "ready" }>;
    expect(preview.layers.map((l) => l.command)).toEqual(model.layers.map((l) => l.command));
    expect(preview.history).toEqual(
      model.history.map((h) => ({ command: h.command, emptyLayer: h.emptyLayer, layerIndex: h.layerIndex })),
    );
    expect(preview.history.some((h) => h.emptyLayer)).toBe(true);
  });

  test("cancelling (the user quit while reading) stops the read: no ready, no error", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]));
    const events: LoadEvent[] = [];
    const cancel = loader.subscribe((e) => events.push(e));
    expect(typeof cancel).toBe("function");
    if (typeof cancel === "function") cancel();
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.kind === "ready" || e.kind === "error")).toEqual([]);
  });

  test("file access before the image is read is an error for the viewer to show", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]));
    await expect(async () => loader.openContent(1, 0)).rejects.toThrow(/still being read/);
  });
});
