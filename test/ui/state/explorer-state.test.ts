import type { Key } from "ink";
import { describe, expect, test } from "vitest";
import type { ImageModel } from "../../../src/model/image-model.js";
import { exitCodeOf } from "../../../src/ui/app/explorer-app.js";
import { composeFrame } from "../../../src/ui/panes/screen.js";
import { stripAnsi } from "../../../src/ui/render/theme.js";
import { type Action, type ExplorerState, initialState } from "../../../src/ui/state/explorer-state.js";
import { treeBodyHeight, treeOf } from "../../../src/ui/state/geometry.js";
import { keyOfChar } from "../../../src/ui/state/key-input.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { node } from "../../model/helpers.js";
import { sampleModel } from "../fixture-model.js";

const NAMED: Record<string, Partial<Key>> = {
  up: { upArrow: true },
  down: { downArrow: true },
  left: { leftArrow: true },
  right: { rightArrow: true },
  pageUp: { pageUp: true },
  pageDown: { pageDown: true },
  home: { home: true },
  end: { end: true },
  tab: { tab: true },
  enter: { return: true },
  escape: { escape: true, meta: true },
  backspace: { delete: true },
};

/** Apply keys: named keys ("down"), or text typed one character at a time. */
function press(s: ExplorerState, ...keys: string[]): ExplorerState {
  let out = s;
  for (const k of keys) {
    const named = NAMED[k];
    if (named) out = reduce(out, { type: "key", input: "", key: named });
    else for (const ch of k) out = reduce(out, { type: "key", ...keyOfChar(ch) });
  }
  return out;
}

function loaded(model: ImageModel, columns = 120, rows = 40): ExplorerState {
  const events: Action[] = [
    { type: "load", event: { kind: "image", ...outlineOf(model) } },
    { type: "load", event: { kind: "ready", model } },
  ];
  return events.reduce(reduce, initialState(columns, rows));
}

const pathAt = (s: ExplorerState) => (s.cursor > 0 ? s.model!.paths.path(s.cursor) : null);
const shown = (s: ExplorerState) => {
  const t = treeOf(s)!;
  return t.rows(0, t.total).map((r) => s.model!.paths.path(r.node));
};

describe("loading", () => {
  test("the layer list comes with the image event; keys work before the tree is ready", () => {
    const m = sampleModel();
    let s = reduce(initialState(), { type: "load", event: { kind: "image", ...outlineOf(m) } });
    expect(s.layer).toBe(2);
    expect(s.model).toBeNull();
    s = press(s, "up");
    expect(s.layer).toBe(1);
    s = reduce(s, {
      type: "load",
      event: { kind: "progress", layer: 1, bytesRead: 10, totalBytes: 100, entries: 3 },
    });
    expect(s.progress[1]).toEqual({ bytesRead: 10, totalBytes: 100, entries: 3 });
    s = reduce(s, { type: "load", event: { kind: "ready", model: m } });
    expect(s.layer).toBe(1);
    expect(pathAt(s)).toBe("/bin");
  });

  test("an error is kept for the screen, and makes the exit code 1", () => {
    const s = reduce(initialState(), { type: "load", event: { kind: "error", message: "not an image" } });
    expect(s.error).toBe("not an image");
    expect(exitCodeOf(press(s, "q"))).toBe(1);
    expect(exitCodeOf(press(loaded(sampleModel()), "q"))).toBe(0);
  });
});

describe("moving in the tree", () => {
  test("up, down, home, end, page", () => {
    let s = press(loaded(sampleModel(), 120, 12), "tab");
    expect(s.focus).toBe("tree");
    s = press(s, "down");
    expect(pathAt(s)).toBe("/bin/ls");
    s = press(s, "j", "j");
    expect(pathAt(s)).toBe("/etc");
    s = press(s, "k");
    expect(pathAt(s)).toBe("/bin/sh");
    s = press(s, "end");
    expect(pathAt(s)).toBe("/var/cache/apt");
    const h = treeBodyHeight(s);
    expect(s.treeTop).toBe(s.cursorRow - h + 1);
    s = press(s, "home");
    expect([pathAt(s), s.treeTop]).toEqual(["/bin", 0]);
    s = press(s, "pageDown");
    expect(s.cursorRow).toBe(h);
    expect(s.treeTop).toBe(h);
    s = press(s, "pageUp");
    expect([s.cursorRow, s.treeTop]).toEqual([0, 0]);
    s = press(s, "up");
    expect(s.cursorRow).toBe(0);
  });

  test("left collapses or goes to the parent, right expands or goes in, space toggles", () => {
    let s = press(loaded(sampleModel()), "tab", "down");
    expect(pathAt(s)).toBe("/bin/ls");
    s = press(s, "left");
    expect(pathAt(s)).toBe("/bin");
    const before = treeOf(s)!.total;
    s = press(s, "left");
    expect(treeOf(s)!.isExpanded(s.cursor)).toBe(false);
    expect(treeOf(s)!.total).toBe(before - 2);
    s = press(s, "left");
    expect(pathAt(s)).toBe("/bin");
    s = press(s, "right");
    expect(treeOf(s)!.total).toBe(before);
    s = press(s, "right");
    expect(pathAt(s)).toBe("/bin/ls");
    s = press(s, "up", " ");
    expect(treeOf(s)!.total).toBe(before - 2);
    s = press(s, "enter");
    expect(treeOf(s)!.total).toBe(before);
  });

  test("collapse all and expand all keep the cursor on the nearest shown directory", () => {
    let s = press(loaded(sampleModel()), "tab", "end");
    expect(pathAt(s)).toBe("/var/cache/apt");
    s = press(s, "-");
    expect(pathAt(s)).toBe("/var");
    expect(shown(s)).toEqual(["/bin", "/etc", "/lib", "/tmp", "/usr", "/var"]);
    s = press(s, "+");
    expect(pathAt(s)).toBe("/var");
    expect(shown(s).length).toBe(20);
  });

  test("keys that arrive together are each applied", () => {
    let s = loaded(sampleModel());
    s = reduce(s, { type: "key", input: "\tjj", key: {} });
    expect(s.focus).toBe("tree");
    expect(pathAt(s)).toBe("/bin/sh");
  });
});

describe("layers and views", () => {
  test("changing layer keeps the same path, or its nearest shown ancestor", () => {
    const m = sampleModel();
    let s = press(loaded(m), "tab");
    s = { ...s, cursor: node(m, "tmp/build.log") };
    s = press(s, "[");
    expect(s.layer).toBe(1);
    expect(pathAt(s)).toBe("/tmp");
    s = { ...press(s, "]"), cursor: node(m, "etc/hosts") };
    s = press(s, "[", "[");
    expect([s.layer, pathAt(s)]).toEqual([0, "/etc/hosts"]);
  });

  test("layers pane: up/down/home/end select layers; right or enter moves to the tree", () => {
    let s = loaded(sampleModel());
    expect(s.focus).toBe("layers");
    s = press(s, "home");
    expect(s.layer).toBe(0);
    s = press(s, "down");
    expect(s.layer).toBe(1);
    s = press(s, "end");
    expect(s.layer).toBe(2);
    s = press(s, "right");
    expect(s.focus).toBe("tree");
  });

  test("changes of this layer only, hidden kinds, sort by size", () => {
    let s = press(loaded(sampleModel()), "tab", "[");
    expect(s.layer).toBe(1);
    s = press(s, "c");
    expect(shown(s)).toEqual([
      "/etc",
      "/etc/passwd",
      "/usr",
      "/usr/local",
      "/usr/local/bin",
      "/usr/local/bin/app",
      "/usr/local/bin/app-link",
      "/var",
      "/var/cache",
      "/var/cache/apt",
      "/var/cache/apt/pkgcache.bin",
    ]);
    s = press(s, "r");
    expect(shown(s)).not.toContain("/var/cache/apt/pkgcache.bin");
    s = press(s, "a");
    expect(shown(s)).toEqual(["/etc", "/etc/passwd"]);
    s = press(s, "m");
    expect(shown(s)).toEqual([]);
    expect(s.cursor).toBe(-1);
    // Everything up to layer 1, without what is unchanged: this layer's changes, the removal included.
    s = press(s, "m", "a", "r", "c", "u");
    expect(shown(s)).toEqual([
      "/etc",
      "/etc/passwd",
      "/usr",
      "/usr/local",
      "/usr/local/bin",
      "/usr/local/bin/app",
      "/usr/local/bin/app-link",
      "/var",
      "/var/cache",
      "/var/cache/apt",
      "/var/cache/apt/pkgcache.bin",
    ]);
    s = press(s, "u", "s");
    expect(shown(s).slice(0, 4)).toEqual(["/usr", "/usr/local", "/usr/local/bin", "/usr/local/bin/app"]);
  });

  test("empty-layer history can be hidden", () => {
    let s = loaded(sampleModel());
    const screen = (x: ExplorerState) => stripAnsi(composeFrame(x, false).join("\n"));
    const history = ["ENV PATH=/usr/local/bin", 'CMD ["sh"]', "USER app"];
    for (const h of history) expect(screen(s)).toContain(h);
    s = press(s, "e");
    expect(s.showHistory).toBe(false);
    for (const h of history) expect(screen(s)).not.toContain(h);
    expect(screen(s)).toContain("rebuild-libs");
    s = press(s, "e");
    for (const h of history) expect(screen(s)).toContain(h);
  });

  test("jump to the largest files, one after the other, expanding what hides them", () => {
    let s = press(loaded(sampleModel()), "tab", "-");
    s = press(s, "L");
    expect(pathAt(s)).toBe("/usr/local/bin/app");
    expect(s.notice).toBe("Largest file 1 of 6: 3.0 MB /usr/local/bin/app");
    s = press(s, "L");
    expect(pathAt(s)).toBe("/usr/lib/libc.so.6");
    s = press(s, "j");
    expect(s.largestRank).toBe(-1);
    expect(s.notice).toBeNull();
  });
});

describe("filter", () => {
  test("typing filters live, Enter keeps it, Esc clears it", () => {
    let s = press(loaded(sampleModel()), "/");
    expect(s.filterEditing).toBe(true);
    expect(s.focus).toBe("tree");
    s = press(s, "lib");
    expect(s.filter).toBe("lib");
    expect(shown(s)).toEqual(["/lib", "/usr", "/usr/lib", "/usr/lib/libc.so.6", "/usr/lib/libm.so.6"]);
    expect(pathAt(s)).toBe("/lib");
    s = press(s, "backspace", "backspace", "backspace", "*.6");
    expect(shown(s)).toEqual(["/usr", "/usr/lib", "/usr/lib/libc.so.6", "/usr/lib/libm.so.6"]);
    expect(pathAt(s)).toBe("/usr/lib/libc.so.6");
    s = press(s, "down");
    expect(pathAt(s)).toBe("/usr/lib/libm.so.6");
    s = press(s, "enter");
    expect([s.filterEditing, s.filter]).toEqual([false, "*.6"]);
    s = press(s, "j", "escape");
    expect(s.filter).toBe("");
    expect(pathAt(s)).toBe("/usr/lib/libm.so.6");
  });

  test("letters bound to commands are typed into the filter while it is edited", () => {
    let s = press(loaded(sampleModel()), "/", "qs[");
    expect([s.quit, s.sort, s.layer, s.filter]).toEqual([false, "name", 2, "qs["]);
    s = reduce(s, { type: "key", input: "c", key: { ctrl: true } });
    expect(s.quit).toBe(true);
  });
});

describe("help, quit, resize", () => {
  test("? opens help, Esc or ? closes it, q quits from anywhere", () => {
    let s = press(loaded(sampleModel()), "?");
    expect(s.help).toBe(true);
    s = press(s, "j", "j");
    expect(s.helpTop).toBe(2);
    s = press(s, "escape");
    expect(s.help).toBe(false);
    s = press(s, "?", "?");
    expect(s.help).toBe(false);
    expect(press(s, "?", "q").quit).toBe(true);
    expect(reduce(s, { type: "key", input: "c", key: { ctrl: true } }).quit).toBe(true);
  });

  test("a resize keeps the cursor on screen", () => {
    let s = press(loaded(sampleModel(), 120, 40), "tab", "end");
    s = reduce(s, { type: "resize", columns: 80, rows: 12 });
    expect(s.cursorRow - s.treeTop).toBeLessThan(treeBodyHeight(s));
    expect(s.cursorRow).toBeGreaterThanOrEqual(s.treeTop);
  });
});
