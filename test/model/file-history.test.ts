import { describe, expect, it } from "vitest";
import { describeEvent, fileHistory, fileHistoryOfPath, pathSegments } from "../../src/model/file-history.js";
import type { ImageModel } from "../../src/model/image-model.js";
import { EntryType } from "../../src/model/layer-contents.js";
import { modelOf, node } from "./helpers.js";

/** The history as [layer, kind, description] triples, the shape a reader checks against a Dockerfile. */
function story(m: ImageModel, path: string) {
  const h = fileHistory(m, node(m, path));
  return h.events.map((e) => [e.layer, e.kind, describeEvent(e, (n) => m.paths.path(n))]);
}

describe("a file's history", () => {
  it("follows a file through added, content, mode and owner changes and an identical rewrite", () => {
    const m = modelOf(
      [
        [{ name: "etc/" }, { name: "etc/app.conf", content: "mode=on\n" }],
        [{ name: "etc/app.conf", content: "mode=on\nmore\n" }],
        [{ name: "etc/app.conf", content: "mode=on\nmore\n", mode: 0o600 }],
        [{ name: "etc/app.conf", content: "mode=on\nmore\n", mode: 0o600, uid: 1000, gid: 100 }],
        [{ name: "etc/app.conf", content: "mode=on\nmore\n", mode: 0o600, uid: 1000, gid: 100 }],
      ],
      [
        { created_by: "/bin/sh -c echo mode=on > /etc/app.conf" },
        { created_by: "/bin/sh -c echo more >> /etc/app.conf" },
        { created_by: "/bin/sh -c chmod 600 /etc/app.conf" },
        { created_by: "/bin/sh -c chown 1000:100 /etc/app.conf" },
        { created_by: "/bin/sh -c touch /etc/app.conf" },
      ],
    );
    expect(story(m, "/etc/app.conf")).toEqual([
      [0, "added", "added file"],
      [1, "modified", "modified: content 8 B → 13 B"],
      [2, "modified", "modified: mode 0644 → 0600"],
      [3, "modified", "modified: owner 0:0 → 1000:100"],
      [4, "rewritten", "written again, identical"],
    ]);
    const h = fileHistory(m, node(m, "/etc/app.conf"));
    expect(h.events.map((e) => e.size)).toEqual([8, 13, 13, 13, 13]);
    expect(h.events[1]!.changes).toEqual([{ field: "content", fromSize: 8, toSize: 13 }]);
    expect(h.events[2]!.command).toBe("RUN chmod 600 /etc/app.conf");
    expect(h.events[2]!.createdBy).toBe("/bin/sh -c chmod 600 /etc/app.conf");
    expect(h.topVersion).toBe(h.events[4]!.version);
  });

  it("names a whiteout of the path itself, and of a directory above it, then the path added again", () => {
    const m = modelOf([
      [{ name: "app/" }, { name: "app/data/" }, { name: "app/data/big.bin", content: "x".repeat(300) }],
      [{ name: "app/data/.wh.big.bin" }],
      [{ name: "app/data/big.bin", content: "yy" }],
      [{ name: "app/.wh.data" }],
    ]);
    expect(story(m, "/app/data/big.bin")).toEqual([
      [0, "added", "added file"],
      [1, "whiteout", "deleted by a whiteout (1 path, 300 B)"],
      [2, "added", "added file"],
      [3, "whiteout", "deleted by a whiteout of /app/data"],
    ]);
    const h = fileHistory(m, node(m, "/app/data/big.bin"));
    expect(h.topVersion).toBe(-1);
    expect(h.events[1]!.size).toBe(300);
    expect(h.events[3]!.by).toBe(node(m, "/app/data"));
    expect(story(m, "/app/data")).toEqual([
      [0, "added", "added directory"],
      [3, "whiteout", "deleted by a whiteout (2 paths: 1 files, 2 B)"],
    ]);
  });

  it("tells an opaque directory's removal from the same layer writing the file again", () => {
    const m = modelOf([
      [
        { name: "app/" },
        { name: "app/cache/" },
        { name: "app/cache/a", content: "a" },
        { name: "app/cache/b" },
      ],
      [{ name: "app/cache/" }, { name: "app/cache/.wh..wh..opq" }, { name: "app/cache/b", content: "bbb" }],
    ]);
    expect(story(m, "/app/cache/a")).toEqual([
      [0, "added", "added file"],
      [1, "opaque", "removed: /app/cache was re-created empty (opaque)"],
    ]);
    expect(story(m, "/app/cache/b")).toEqual([
      [0, "added", "added file"],
      [1, "opaque", "removed: /app/cache was re-created empty (opaque)"],
      [1, "modified", "modified: content 0 B → 3 B"],
    ]);
    expect(story(m, "/app/cache")).toEqual([
      [0, "added", "added directory"],
      [1, "rewritten", "written again, identical; made opaque, hiding 2 paths, 1 B below"],
    ]);
  });

  it("says a directory replaced by a file removed what was in it, and a file replaced by a directory", () => {
    const m = modelOf([
      [
        { name: "opt/" },
        { name: "opt/tool/" },
        { name: "opt/tool/run.sh", content: "run" },
        { name: "x", mode: 0o755 },
      ],
      [{ name: "opt/tool", content: "now a file\n" }, { name: "x/" }, { name: "x/inside", content: "1" }],
    ]);
    expect(story(m, "/opt/tool/run.sh")).toEqual([
      [0, "added", "added file"],
      [1, "parent-replaced", "removed: /opt/tool was replaced by a non-directory"],
    ]);
    expect(story(m, "/opt/tool")).toEqual([
      [0, "added", "added directory"],
      [1, "replaced", "replaced by a file (mode 0755 → 0644)"],
    ]);
    const x = fileHistory(m, node(m, "/x"));
    expect(x.events.map((e) => e.kind)).toEqual(["added", "replaced"]);
    expect(x.events[1]!.changes).toEqual([{ field: "type", from: EntryType.File, to: EntryType.Dir }]);
    expect(describeEvent(x.events[1]!, String)).toBe("replaced by a directory");
  });

  it("reports link target changes and a symlink becoming a file with another mode", () => {
    const m = modelOf([
      [{ name: "bin/" }, { name: "bin/sh", type: "symlink", link: "busybox" }],
      [{ name: "bin/sh", type: "symlink", link: "dash" }],
      [{ name: "bin/sh", content: "#!", mode: 0o755 }],
    ]);
    expect(story(m, "/bin/sh")).toEqual([
      [0, "added", "added symlink → busybox"],
      [1, "modified", "modified: link busybox → dash"],
      [2, "replaced", "replaced by a file (mode 0644 → 0755)"],
    ]);
  });

  it("names the directory whose replacement removed a path, when the layer replaced two above it", () => {
    // Found by the overlay property test: `c` replaces the directory the first entry implied; then
    // `c/d/d/` implies c/ and c/d/ again, and the file `c/d` takes c/d/d away (c's removal came first).
    const m = modelOf([
      [
        { name: "c/d/c", content: "1" },
        { name: "c", content: "2" },
        { name: "c/d/d/" },
        { name: "c/d", content: "3" },
      ],
    ]);
    expect(story(m, "/c/d/d")).toEqual([
      [0, "added", "added directory"],
      [0, "parent-replaced", "removed: /c/d was replaced by a non-directory"],
    ]);
    expect(story(m, "/c/d/c")).toEqual([
      [0, "added", "added file"],
      [0, "parent-replaced", "removed: /c was replaced by a non-directory"],
    ]);
  });

  it("measures a change against the layer below, not the same layer's earlier version of the path", () => {
    // Found by the overlay property test: layer 1 writes `d` as a file, then `d/x`, which makes d a
    // directory again; against layer 0's d (0700) that is a mode change, not a file turned directory.
    const m = modelOf([
      [{ name: "d/", mode: 0o700 }],
      [
        { name: "d", content: "x" },
        { name: "d/x", content: "y" },
      ],
    ]);
    expect(story(m, "/d")).toEqual([
      [0, "added", "added directory"],
      [1, "replaced", "replaced by a file (mode 0700 → 0644)"],
      [1, "modified", "modified: mode 0700 → 0755"],
    ]);
  });

  it("marks a directory implied by a deeper path", () => {
    const m = modelOf([[{ name: "etc/" }], [{ name: "usr/lib/x", content: "1" }]]);
    expect(story(m, "/usr/lib")).toEqual([[1, "added", "added directory (implied by a path inside it)"]]);
    expect(fileHistory(m, node(m, "/usr")).events[0]!.implied).toBe(true);
  });

  it("shows a whiteout that found nothing, and a path no layer named is no history", () => {
    const m = modelOf([[{ name: "etc/" }], [{ name: "etc/.wh.gone" }], [{ name: "etc/gone", content: "1" }]]);
    expect(story(m, "/etc/gone")).toEqual([
      [1, "whiteout", "whiteout, but nothing was there to delete"],
      [2, "added", "added file"],
    ]);
    expect(fileHistoryOfPath(m, "/etc/never")).toBeNull();
    expect(fileHistoryOfPath(m, "etc/./x/../gone")?.path).toBe("/etc/gone");
    expect(pathSegments("/a//b/../c/.")).toEqual(["a", "c"]);
  });

  it("keeps the root's own history (a layer listing ./ with another mode)", () => {
    const m = modelOf([[{ name: "./", mode: 0o755 }, { name: "a" }], [{ name: "./", mode: 0o700 }]]);
    expect(story(m, "/")).toEqual([
      [0, "added", "added directory"],
      [1, "modified", "modified: mode 0755 → 0700"],
    ]);
  });
});
