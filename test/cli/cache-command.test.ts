import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCache } from "../../src/cli/commands/cache.js";
import { EntryType, LayerContentsBuilder } from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { LayerIndexCache } from "../../src/sources/layer-index-cache.js";

let home = "";
let env: Record<string, string> = {};
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "layerview-cache-cli-"));
  env = { XDG_CACHE_HOME: home };
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function fakeIo() {
  const io = {
    out: "",
    err: "",
    stdout: { write: (s: string) => (io.out += s) },
    stderr: { write: (s: string) => (io.err += s) },
  };
  return io;
}

async function storeLayers(count: number): Promise<number> {
  const cache = LayerIndexCache.open({ env });
  const paths = new PathTable();
  for (let i = 0; i < count; i++) {
    const b = new LayerContentsBuilder(paths);
    // Enough entries that each layer takes over a kilobyte, so sizes print with their exact bytes.
    for (let f = 0; f < 40; f++) {
      const name = `layer${i}/file${f}`;
      b.add({ name, type: EntryType.File, mode: 0o644, uid: 0, gid: 0, size: 10, mtime: 0, linkName: null });
    }
    const digest = `sha256:${createHash("sha256").update(String(i)).digest("hex")}`;
    await cache.put(
      digest,
      { contents: b.finish(), compression: "gzip", skipped: [], blobBytes: 99, listedBy: "stream" },
      paths,
    );
  }
  return (await cache.stats()).bytes;
}

describe("layerview cache", () => {
  const dir = () => join(home, "layerview", "layers");

  it("path prints the directory, and only that", async () => {
    const io = fakeIo();
    expect(await runCache("path", io, { env })).toBe(0);
    expect(io.out).toBe(`${dir()}\n`);
    expect(io.err).toBe("");
  });

  it("show lists the directory, entries, size and limit, before the directory exists too", async () => {
    let io = fakeIo();
    expect(await runCache("show", io, { env })).toBe(0);
    expect(io.out).toBe(
      `directory: ${dir()}\nentries:   0\nsize:      0 B\nlimit:     1.1 GB (1073741824 bytes)\n`,
    );

    const bytes = await storeLayers(3);
    io = fakeIo();
    expect(await runCache("show", io, { env, maxBytes: 5_000_000 })).toBe(0);
    const lines = io.out.trimEnd().split("\n");
    expect(lines).toEqual([
      `directory: ${dir()}`,
      "entries:   3",
      expect.stringMatching(new RegExp(`^size: +[0-9.]+ kB \\(${bytes} bytes\\)$`)),
      "limit:     5.0 MB (5000000 bytes)",
    ]);
    expect(io.err).toBe("");
  });

  it("clear removes every entry and says how much it freed", async () => {
    const bytes = await storeLayers(2);
    writeFileSync(join(dir(), "keep.txt"), "not the cache's");
    let io = fakeIo();
    expect(await runCache("clear", io, { env })).toBe(0);
    expect(io.out).toMatch(
      new RegExp(`^removed 2 cached layer indexes, [0-9.]+ kB \\(${bytes} bytes\\), from ${dir()}\n$`),
    );
    expect(readdirSync(dir())).toEqual(["keep.txt"]);

    io = fakeIo();
    expect(await runCache("clear", io, { env })).toBe(0);
    expect(io.out).toBe(`the layer cache in ${dir()} was already empty\n`);
    io = fakeIo();
    await runCache("show", io, { env });
    expect(io.out).toContain("entries:   0\n");
  });

  it("fails with one line on stderr when the directory cannot be read", async () => {
    writeFileSync(join(home, "layerview"), "a file where the directory should be");
    for (const action of ["show", "clear"] as const) {
      const io = fakeIo();
      expect(await runCache(action, io, { env })).toBe(1);
      expect(io.out).toBe("");
      expect(io.err).toMatch(/^layerview: cannot read the layer cache directory .*ENOTDIR.*\n$/);
    }
  });
});
