import { afterAll, describe, expect, test } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { explorerLoader } from "../../src/cli/commands/inspect.js";
import { EntryType } from "../../src/model/layer-contents.js";
import type { LoadEvent } from "../../src/ui/run-explorer.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";
import { demoArchive } from "./run-cli.js";

afterAll(() => removeFixtures());

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

  test("--base is read alongside: the ready model knows the exact boundary; a bad --base is the load's error", async () => {
    const loader = explorerLoader(parseArgs(["--base", demoArchive, demoArchive]));
    const events: LoadEvent[] = [];
    loader.subscribe((e) => events.push(e));
    await expect.poll(() => events.at(-1)?.kind, { timeout: 10_000 }).toBe("ready");
    const { model } = events.at(-1) as Extract<LoadEvent, { kind: "ready" }>;
    expect(model.base).toMatchObject({
      method: "exact",
      layerCount: model.layerCount,
      name: "layerview/demo:1.0",
    });

    const bad = explorerLoader(parseArgs(["--base", "/nonexistent/base.tar", demoArchive]));
    const seen: LoadEvent[] = [];
    bad.subscribe((e) => seen.push(e));
    await expect.poll(() => seen.at(-1)?.kind, { timeout: 10_000 }).toBe("error");
    expect((seen.at(-1) as Extract<LoadEvent, { kind: "error" }>).message).toMatch(
      /^--base \/nonexistent\/base\.tar: .*no such file or directory/,
    );
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

  test("on a slow read, the layers read so far come as images of their own before the whole", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]), { afterMs: 0, everyMs: 0 });
    const events: LoadEvent[] = [];
    loader.subscribe((e) => events.push(e));
    await expect.poll(() => events.at(-1)?.kind, { timeout: 10_000 }).toBe("ready");
    const { model } = events.at(-1) as Extract<LoadEvent, { kind: "ready" }>;
    const partials = events.filter((e): e is Extract<LoadEvent, { kind: "partial" }> => e.kind === "partial");
    // The first as soon as a layer is in; later ones no more often than 4× what a snapshot costs.
    const counts = partials.map((p) => p.layersRead);
    expect(counts[0]).toBe(1);
    expect(counts.every((n, i) => n < model.layerCount && (i === 0 || n > counts[i - 1]!))).toBe(true);
    const visible = (m: typeof model, layer: number) => {
      const out: string[] = [];
      for (let n = 1; n < m.paths.size; n++) if (m.visibleAt(n, layer) >= 0) out.push(m.paths.path(n));
      return out.sort();
    };
    for (const p of partials) {
      expect(p.model.layerCount).toBe(model.layerCount);
      const top = p.layersRead - 1;
      // As of its last layer read, a partial image is the whole image as of that layer.
      expect(visible(p.model, top)).toEqual(visible(model, top));
      // The layers not read yet add nothing.
      expect(visible(p.model, model.layerCount - 1)).toEqual(visible(model, top));
    }
  });

  test("a fast read sends no partial image", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]));
    const events: LoadEvent[] = [];
    loader.subscribe((e) => events.push(e));
    await expect.poll(() => events.at(-1)?.kind, { timeout: 10_000 }).toBe("ready");
    expect(events.filter((e) => e.kind === "partial")).toEqual([]);
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

  test("--compare OTHER: both read at once, OTHER's events wrapped, each image's files from its own source", async () => {
    const other = await writeFixture(
      "loader/other.tar",
      buildDockerArchive({ tags: ["other:1"], layers: [{ "srv/a.txt": "A".repeat(700), "srv/b.txt": "b" }] }),
    );
    const loader = explorerLoader(parseArgs([demoArchive, "--compare", other]));
    const events: LoadEvent[] = [];
    loader.subscribe((e) => events.push(e));
    const readyOf = (wrapped: boolean) =>
      events.find((e) => (wrapped ? e.kind === "compare" && e.event?.kind === "ready" : e.kind === "ready"));
    await expect
      .poll(() => readyOf(false) !== undefined && readyOf(true) !== undefined, { timeout: 20_000 })
      .toBe(true);
    // Announced first, before anything of it is read.
    expect(events[0]).toEqual({ kind: "compare", source: other, event: null });
    const kinds = events.filter((e) => e.kind === "compare").map((e) => e.event?.kind ?? null);
    expect(kinds[0]).toBe(null);
    expect(kinds).toContain("image");
    expect(kinds.at(-1)).toBe("ready");
    const b = (readyOf(true) as Extract<LoadEvent, { kind: "compare" }>).event as Extract<
      LoadEvent,
      { kind: "ready" }
    >;
    const a = (readyOf(false) as Extract<LoadEvent, { kind: "ready" }>).model;
    expect(b.model.input.source).toBe(other);
    expect(a.input.source).toBe(demoArchive);
    // The same node id means different files in the two images: each is read from its own image.
    const fileOf = (m: typeof a) => {
      const vs = m.versions;
      let v = 0;
      while (v < vs.count && !(m.stack.type(v) === EntryType.File && m.stack.size(v) > 0)) v++;
      return { node: vs.node[v]!, layer: vs.layer[v]!, size: m.stack.size(v) };
    };
    for (const [m, image] of [
      [a, "main"],
      [b.model, "compare"],
    ] as const) {
      const f = fileOf(m);
      let bytes = 0;
      for await (const chunk of await loader.openContent(f.node, f.layer, image))
        bytes += (chunk as Buffer).length;
      expect(bytes).toBe(f.size);
    }
  });

  test("file access before the image is read is an error for the viewer to show", async () => {
    const loader = explorerLoader(parseArgs([demoArchive]));
    await expect(async () => loader.openContent(1, 0)).rejects.toThrow(/still being read/);
  });
});
