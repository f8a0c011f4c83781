import { describe, expect, it } from "vitest";
import { NodeStatus } from "../../src/model/image-model.js";
import { parseEntryName } from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { HiddenReason } from "../../src/model/stack.js";
import { layerOf, modelOf, node } from "./helpers.js";

const status = (m: ReturnType<typeof modelOf>, path: string, layer: number) =>
  m.stateAt(node(m, path), layer).status;

describe("entry names", () => {
  it("normalises ./ and / prefixes, trailing slashes and dot segments", () => {
    expect(parseEntryName("./etc/passwd")).toEqual({ kind: "entry", segments: ["etc", "passwd"] });
    expect(parseEntryName("/etc//x/./y/")).toEqual({ kind: "entry", segments: ["etc", "x", "y"] });
    expect(parseEntryName("./")).toEqual({ kind: "entry", segments: [] });
    expect(parseEntryName("a/../b")).toEqual({ kind: "entry", segments: ["b"] });
  });
  it("refuses names that climb out of the root", () => {
    expect(parseEntryName("../etc/passwd").kind).toBe("invalid");
    expect(parseEntryName("a/../../b").kind).toBe("invalid");
  });
  it("matches the opaque marker before the general whiteout rule", () => {
    expect(parseEntryName("a/b/.wh..wh..opq")).toEqual({ kind: "opaque", segments: ["a", "b"] });
    expect(parseEntryName("a/.wh.b")).toEqual({ kind: "whiteout", segments: ["a", "b"] });
    expect(parseEntryName("a/.wh..wh.plnk").kind).toBe("ignored");
    expect(parseEntryName("a/.wh.").kind).toBe("invalid");
  });
  it("keeps non-ASCII names intact", () => {
    expect(parseEntryName("./données/日本語.txt")).toEqual({
      kind: "entry",
      segments: ["données", "日本語.txt"],
    });
  });
});

describe("layer contents", () => {
  it("keeps the last of a repeated path and warns", () => {
    const paths = new PathTable();
    const c = layerOf(paths, [
      { name: "a", content: "one" },
      { name: "./a", content: "second" },
    ]);
    expect(c.count).toBe(1);
    expect(c.size[0]).toBe(6);
    expect(c.fileBytes).toBe(6);
    expect(c.problems).toEqual([expect.objectContaining({ severity: "warning", entry: "./a" })]);
  });
  it("reports an escaping name as an error and skips it", () => {
    const paths = new PathTable();
    const c = layerOf(paths, [{ name: "../../etc/shadow", content: "x" }, { name: "ok" }]);
    expect(c.count).toBe(1);
    expect(c.problems[0]).toMatchObject({ severity: "error", entry: "../../etc/shadow" });
  });
  it("reports a bare .wh. marker", () => {
    const c = layerOf(new PathTable(), [{ name: "etc/.wh." }]);
    expect(c.problems[0]?.message).toMatch(/whiteout that names no file/);
  });
  it("stores hardlink targets normalised and symlink targets raw", () => {
    const paths = new PathTable();
    const c = layerOf(paths, [
      { name: "bin/sh", type: "symlink", link: "../usr/bin/dash" },
      { name: "bin/ln", type: "hardlink", link: "./bin/busybox" },
    ]);
    expect(c.links.get(0)).toBe("../usr/bin/dash");
    expect(c.links.get(1)).toBe("/bin/busybox");
  });
});

describe("stacking", () => {
  it("marks added, modified and identical rewrites", () => {
    const m = modelOf([
      [{ name: "etc/" }, { name: "etc/a", content: "1" }, { name: "etc/b", content: "b" }, { name: "etc/c" }],
      [
        { name: "etc/" },
        { name: "etc/a", content: "2" },
        { name: "etc/b", content: "b" },
        { name: "etc/c", mode: 0o755 },
        { name: "etc/d" },
      ],
    ]);
    expect(status(m, "/etc/a", 1)).toBe(NodeStatus.Modified);
    expect(status(m, "/etc/b", 1)).toBe(NodeStatus.Same);
    expect(status(m, "/etc/c", 1)).toBe(NodeStatus.Modified);
    expect(status(m, "/etc/d", 1)).toBe(NodeStatus.Added);
    expect(status(m, "/etc", 1)).toBe(NodeStatus.Same);
    expect(status(m, "/etc/d", 0)).toBe(NodeStatus.Absent);
    const a0 = m.stateAt(node(m, "/etc/a"), 0);
    expect(a0).toMatchObject({
      status: NodeStatus.Added,
      hiddenBy: 1,
      hiddenReason: HiddenReason.Overwritten,
    });
    expect(m.layers[1]).toMatchObject({ added: 1, modified: 2, removed: 0 });
  });

  it("deletes a file with a whiteout, from lower layers only", () => {
    const m = modelOf([
      [{ name: "a/" }, { name: "a/secret", content: "key!" }],
      [{ name: "a/.wh.secret" }],
      [{ name: "a/other" }],
    ]);
    const s = node(m, "/a/secret");
    expect(m.stateAt(s, 0)).toMatchObject({
      status: NodeStatus.Added,
      hiddenBy: 1,
      hiddenReason: HiddenReason.Deleted,
    });
    expect(m.stateAt(s, 1).status).toBe(NodeStatus.Removed);
    expect(m.stateAt(s, 2).status).toBe(NodeStatus.Absent);
    expect(m.removals(1)).toEqual([
      expect.objectContaining({ kind: "whiteout", node: s, bytes: 4, files: 1 }),
    ]);
    expect(m.layers[1]!.removed).toBe(1);
  });

  it("deletes a whole directory with one whiteout", () => {
    const m = modelOf([
      [{ name: "d/" }, { name: "d/x/" }, { name: "d/x/1", content: "11" }, { name: "d/2", content: "222" }],
      [{ name: ".wh.d" }],
    ]);
    expect(status(m, "/d/x/1", 1)).toBe(NodeStatus.Removed);
    expect(status(m, "/d", 1)).toBe(NodeStatus.Removed);
    expect(m.removals(1)[0]).toMatchObject({ bytes: 5, paths: 4, files: 2 });
  });

  it("applies an opaque marker before the layer's own entries, whatever the tar order", () => {
    const m = modelOf([
      [{ name: "o/" }, { name: "o/old", content: "old" }, { name: "o/keep", content: "k" }],
      [
        { name: "o/" },
        { name: "o/new", content: "n" },
        { name: "o/keep", content: "k" },
        { name: "o/.wh..wh..opq" },
      ],
    ]);
    expect(status(m, "/o/old", 1)).toBe(NodeStatus.Removed);
    expect(m.stateAt(node(m, "/o/old"), 0).hiddenReason).toBe(HiddenReason.Opaque);
    expect(status(m, "/o/new", 1)).toBe(NodeStatus.Added);
    expect(status(m, "/o/keep", 1)).toBe(NodeStatus.Same);
    expect(m.removals(1)[0]).toMatchObject({ kind: "opaque", bytes: 4, files: 2 });
  });

  it("replaces a directory by a file and a file by a directory", () => {
    const m = modelOf([
      [{ name: "x/" }, { name: "x/in", content: "abc" }, { name: "y", content: "file" }],
      [{ name: "x", content: "now a file" }, { name: "y/" }, { name: "y/child" }],
    ]);
    expect(status(m, "/x", 1)).toBe(NodeStatus.Modified);
    expect(status(m, "/x/in", 1)).toBe(NodeStatus.Removed);
    expect(m.stateAt(node(m, "/x/in"), 0).hiddenReason).toBe(HiddenReason.Replaced);
    expect(status(m, "/y", 1)).toBe(NodeStatus.Modified);
    expect(status(m, "/y/child", 1)).toBe(NodeStatus.Added);
    expect(m.removals(1)).toEqual([expect.objectContaining({ kind: "replaced", bytes: 3 })]);
  });

  it("implies parent directories a layer does not list, even when the directory entry comes later", () => {
    const m = modelOf([
      [
        { name: "p/q/r", content: "r" },
        { name: "p/", mode: 0o700 },
      ],
    ]);
    expect(status(m, "/p/q", 0)).toBe(NodeStatus.Added);
    const p = m.stateAt(node(m, "/p"), 0);
    expect(m.stack.mode(p.version)).toBe(0o700);
    expect(m.versionsOf(node(m, "/p")).length).toBe(1);
  });

  it("treats a whiteout plus a re-creation in one layer as a change, not an addition", () => {
    const m = modelOf([[{ name: "f", content: "1" }], [{ name: ".wh.f" }, { name: "f", content: "2" }]]);
    expect(status(m, "/f", 1)).toBe(NodeStatus.Modified);
  });

  it("measures a layer's changes against the layer below, not its own earlier entries", () => {
    // Found by the overlay property test: `d` (a file), then `d/x/c` in the same first layer.
    const m = modelOf([
      [
        { name: "d", content: "1" },
        { name: "d/x/c", content: "2" },
      ],
    ]);
    expect(status(m, "/d", 0)).toBe(NodeStatus.Added);
    expect(m.stack.isDir(m.visibleAt(node(m, "/d"), 0))).toBe(true);
  });

  it("calls a directory implied over a deleted 0700 directory modified (it is 0755 now)", () => {
    const m = modelOf([
      [
        { name: "d/", mode: 0o700 },
        { name: "d/old", content: "1" },
      ],
      [{ name: ".wh.d" }, { name: "d/new", content: "2" }],
      [{ name: ".wh.d" }, { name: "d/new", content: "2" }],
    ]);
    expect(status(m, "/d", 1)).toBe(NodeStatus.Modified);
    expect(m.stack.mode(m.visibleAt(node(m, "/d"), 1))).toBe(0o755);
    expect(status(m, "/d", 2)).toBe(NodeStatus.Same);
  });

  it("makes a marker's directory a directory of its layer, as dockerd does", () => {
    // Found by the overlay property test; dockerd 20.10 (overlay2) loads this image as three empty
    // directories a/, D/ and f/ (it makes every header's parent), and g/ holding y.
    const m = modelOf([
      [
        { name: "f", content: "x" },
        { name: "g", content: "y" },
      ],
      [{ name: "a/.wh.b" }, { name: "f/.wh.x" }, { name: "D/.wh..wh..opq" }, { name: "g/y", content: "yy" }],
    ]);
    for (const dir of ["/a", "/D", "/f", "/g"]) {
      expect(m.stack.isDir(m.visibleAt(node(m, dir), 1)), dir).toBe(true);
    }
    expect(status(m, "/a", 1)).toBe(NodeStatus.Added);
    expect(status(m, "/f", 1)).toBe(NodeStatus.Modified);
    expect(m.stateAt(node(m, "/f"), 0).hiddenReason).toBe(HiddenReason.Overwritten);
    expect(status(m, "/a/b", 1)).toBe(NodeStatus.Absent);
    expect(m.removals(1).map((r) => [r.kind, r.noTarget])).toEqual([
      ["opaque", false],
      ["whiteout", true],
      ["whiteout", true],
    ]);
  });

  it("keeps symlink and hardlink targets", () => {
    const m = modelOf([
      [
        { name: "bin/busybox", content: "elf" },
        { name: "bin/sh", type: "hardlink", link: "bin/busybox" },
      ],
    ]);
    const v = m.visibleAt(node(m, "/bin/sh"), 0);
    expect(m.stack.link(v)).toBe("/bin/busybox");
  });
});
