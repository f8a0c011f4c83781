/** The explorer's everyday keys and the mouse, on the reducer: filter modes and matches, copy, suspend, range diff Enter, pointer. */
import { describe, expect, test } from "vitest";
import type { ImageModel } from "../../../src/model/image-model.js";
import { customKeymap } from "../../../src/ui/keymap/custom-keymap.js";
import { composeFrame } from "../../../src/ui/panes/screen.js";
import { rowFacts, treeRowLine } from "../../../src/ui/panes/tree-rows.js";
import { displayWidth } from "../../../src/ui/render/text.js";
import { stripAnsi } from "../../../src/ui/render/theme.js";
import { type Action, type ExplorerState, initialState } from "../../../src/ui/state/explorer-state.js";
import { layoutOf, treeOf } from "../../../src/ui/state/geometry.js";
import { keyOfChar } from "../../../src/ui/state/key-input.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { applyPointer, parsePointer, treeNameColumn } from "../../../src/ui/state/pointer.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { modelOf } from "../../model/helpers.js";
import { sampleModel } from "../fixture-model.js";

const NAMED: Record<string, Record<string, boolean>> = {
  down: { downArrow: true },
  up: { upArrow: true },
  enter: { return: true },
  escape: { escape: true, meta: true },
  tab: { tab: true },
};

function press(s: ExplorerState, ...keys: string[]): ExplorerState {
  let out = s;
  for (const k of keys) {
    const named = NAMED[k];
    if (named) out = reduce(out, { type: "key", input: "", key: named });
    else if (k.startsWith("ctrl+"))
      out = reduce(out, { type: "key", input: k.slice(5), key: { ctrl: true } });
    else for (const ch of k) out = reduce(out, { type: "key", ...keyOfChar(ch) });
  }
  return out;
}

function loaded(model: ImageModel = sampleModel(), columns = 120, rows = 40): ExplorerState {
  const events: Action[] = [
    { type: "load", event: { kind: "image", ...outlineOf(model) } },
    { type: "load", event: { kind: "ready", model } },
  ];
  return events.reduce(reduce, initialState(columns, rows));
}

const pathAt = (s: ExplorerState) => (s.cursor > 0 ? s.model!.paths.path(s.cursor) : null);
const frame = (s: ExplorerState) => stripAnsi(composeFrame(s, false).join("\n"));

describe("filter: smart case, regex mode, matches, n/N", () => {
  test("the number of matches is shown while typing and after", () => {
    let s = press(loaded(), "/", "lib");
    expect(frame(s)).toMatch(/Filter: lib█\s+\d+ match/);
    const n = treeOf(s)!.matchCount();
    expect(n).toBeGreaterThan(0);
    s = press(s, "enter");
    expect(frame(s)).toContain(`filter "lib" · ${n} match`);
  });

  test("smart case: LIB matches nothing, lib matches usr/lib", () => {
    expect(treeOf(press(loaded(), "/", "LIB"))!.matchCount()).toBe(0);
    expect(treeOf(press(loaded(), "/", "lib"))!.matchCount()).toBeGreaterThan(0);
  });

  test("Ctrl+T switches to a regex matched against the whole path; a bad one says why", () => {
    let s = press(loaded(), "/", "ctrl+t");
    expect(s.filterRegex).toBe(true);
    s = press(s, "^/usr/lib/lib[cm]\\.so");
    expect(frame(s)).toContain("Regex: ");
    expect(treeOf(s)!.matchCount()).toBe(2);
    s = press(s, "enter");
    expect(frame(s)).toContain('regex "^/usr/lib/lib[cm]\\.so"');
    const bad = press(loaded(), "/", "ctrl+t", "(x");
    expect(frame(bad)).toMatch(/not a regex/);
  });

  test("n and N go from match to match, wrapping around", () => {
    let s = press(loaded(), "/", "so", "enter");
    const first = pathAt(press(s, "n"));
    s = press(s, "n");
    const seen = [pathAt(s)];
    for (let i = 0; i < 3; i++) {
      s = press(s, "n");
      seen.push(pathAt(s));
    }
    expect(seen.every((p) => p !== null && /\.so/.test(p))).toBe(true);
    expect(new Set(seen).size).toBeGreaterThan(1);
    expect(seen).toContain(first);
    const back = press(s, "N");
    expect(back.cursor).not.toBe(s.cursor);
    expect(press(back, "n").cursor).toBe(s.cursor);
    expect(press(loaded(), "n").notice).toMatch(/No filter/);
  });
});

/** Matches of "match" at several depths, a directory that matches itself, and paths that do not. */
function matchesModel(): ImageModel {
  const file = (name: string) => ({ name, content: name });
  return modelOf([
    [
      file("a/b/c/match-deep"),
      file("a/b/other"),
      file("a/x-match"),
      file("d/match"),
      file("e/f/plain"),
      file("m/matchdir/inner"),
      file("match-top"),
      file("z/y/match"),
    ],
  ]);
}
/** Their order in the tree (by name, directories' contents after them). */
const MATCH_ORDER = [
  "/a/b/c/match-deep",
  "/a/x-match",
  "/d/match",
  "/m/matchdir",
  "/match-top",
  "/z/y/match",
];

describe("n/N reach every match, opening collapsed directories", () => {
  const filtered = () => press(loaded(matchesModel()), "-", "/", "match", "enter");

  test("with every directory collapsed, n visits each match in tree order, then wraps around", () => {
    let s = filtered();
    expect(treeOf(s)!.matchCount()).toBe(MATCH_ORDER.length);
    const seen: string[] = [];
    for (const want of MATCH_ORDER) {
      s = press(s, "n");
      seen.push(pathAt(s)!);
      const t = treeOf(s)!;
      // On a row, with every directory above it open, and the frame shows it.
      expect(t.indexOf(s.cursor)).toBe(s.cursorRow);
      for (let p = s.model!.paths.parent(s.cursor); p > 0; p = s.model!.paths.parent(p))
        expect(t.isExpanded(p), `${want}: ${s.model!.paths.path(p)} open`).toBe(true);
      expect(frame(s)).toContain(want.split("/").at(-1));
      expect(s.notice).toBe(`${MATCH_ORDER.length} matches`);
    }
    expect(seen).toEqual(MATCH_ORDER);
    s = press(s, "n");
    expect(pathAt(s)).toBe(MATCH_ORDER[0]);
    expect(s.notice).toBe(`${MATCH_ORDER.length} matches · wrapped around`);
    // Directories with no match stay as they were: collapsed.
    const t = treeOf(s)!;
    const e = s.model!.paths.lookup(["e"]);
    expect(t.isExpanded(e)).toBe(false);
  });

  test("N goes backwards, from the last match when nothing is selected, wrapping at the top", () => {
    let s = filtered();
    const seen: string[] = [];
    for (let i = 0; i < MATCH_ORDER.length; i++) {
      s = press(s, "N");
      seen.push(pathAt(s)!);
    }
    expect(seen).toEqual([...MATCH_ORDER].reverse());
    s = press(s, "N");
    expect(pathAt(s)).toBe(MATCH_ORDER.at(-1));
    expect(s.notice).toMatch(/wrapped around/);
    // And n undoes N.
    expect(pathAt(press(s, "n"))).toBe(MATCH_ORDER[0]);
  });

  test("from a directory the user collapsed again, n opens it to reach the match inside", () => {
    let s = press(filtered(), "n", "n");
    expect(pathAt(s)).toBe("/a/x-match");
    // h goes to the parent, h again collapses it.
    s = press(s, "h", "h");
    expect(pathAt(s)).toBe("/a");
    expect(treeOf(s)!.isExpanded(s.cursor)).toBe(false);
    s = press(s, "n");
    expect(pathAt(s)).toBe("/a/b/c/match-deep");
    s = press(s, "h", "h", "h", "h", "h", "h");
    expect(pathAt(s)).toBe("/a");
    expect(pathAt(press(s, "N"))).toBe("/z/y/match");
  });

  test("one match: n stays on it, saying it wrapped; no match at all says so", () => {
    let s = press(loaded(matchesModel()), "-", "/", "inner", "enter", "n");
    expect(pathAt(s)).toBe("/m/matchdir/inner");
    s = press(s, "n");
    expect(pathAt(s)).toBe("/m/matchdir/inner");
    expect(s.notice).toBe("1 match · wrapped around");
    expect(press(loaded(matchesModel()), "/", "nothing", "enter", "n").notice).toBe(
      "No path matches the filter",
    );
  });
});

describe("copy (OSC 52 requests)", () => {
  test("y copies the path in the tree, the digest in the layers pane; Y the instruction", () => {
    let s = press(loaded(), "tab", "down", "down");
    const path = pathAt(s)!;
    s = press(s, "y");
    expect(s.copy).toEqual({ seq: 1, text: path });
    // The fixture's layers have no digest: nothing to copy, and no request made.
    s = press(s, "tab", "y");
    expect(s.copy?.seq).toBe(1);
    expect(s.notice).toBe("Nothing to copy here");
    const withDigest = {
      ...s,
      outline: {
        ...s.outline!,
        layers: s.outline!.layers.map((l) => ({ ...l, digest: `sha256:${l.index}` })),
      },
    };
    s = press(withDigest, "y");
    expect(s.copy).toEqual({ seq: 2, text: `sha256:${s.layer}` });
    s = press(s, "Y");
    expect(s.copy).toEqual({ seq: 3, text: s.model!.layers[s.layer]!.command });
    expect(s.notice).toMatch(/Copied layer 2's instruction/);
  });
});

describe("suspend and pull", () => {
  test("Ctrl+Z asks the app to suspend, from anywhere (typing a filter too)", () => {
    const s = press(loaded(), "ctrl+z");
    expect(s.suspends).toBe(1);
    expect(press(s, "/", "ab", "ctrl+z").suspends).toBe(2);
    expect(press(s, "?", "ctrl+z").suspends).toBe(2);
  });

  test("pull progress: a row per layer, updated in place, until the image is read", () => {
    const m = sampleModel();
    const pull = (
      id: string | null,
      status: string,
      current: number | null = null,
      total: number | null = null,
    ) => ({ type: "load", event: { kind: "pull", update: { id, status, current, total } } }) as Action;
    let s = [
      pull(null, "pulling app:1 with Docker (unix:///run/docker.sock)"),
      pull("1", "Pulling from team/app"),
      pull("0a541987fa60", "Pulling fs layer"),
      pull("2577037b4974", "Pulling fs layer"),
      pull("0a541987fa60", "Downloading", 1_000_000, 4_000_000),
      pull("2577037b4974", "Already exists"),
      pull("0a541987fa60", "Downloading", 3_000_000, 4_000_000),
    ].reduce(reduce, initialState(120, 40));
    let f = frame(s);
    expect(f).toContain("Pulling the image…");
    expect(f).toContain("pulling app:1 with Docker (unix:///run/docker.sock)");
    expect(f).toContain("1: Pulling from team/app");
    // One row per layer, the latest status in place: 3 MB of 4 MB, a bar three quarters full.
    expect(f.match(/0a541987fa60/g)).toHaveLength(1);
    expect(f).toMatch(/0a541987fa60 {2}Downloading\s+█{15}░{5} 3\.0 MB \/ 4\.0 MB/);
    expect(f).toMatch(/2577037b4974 {2}Already exists/);
    s = reduce(s, pull(null, "Digest: sha256:0123"));
    f = frame(s);
    expect(f).toContain("Digest: sha256:0123");
    expect(f.indexOf("Digest")).toBeGreaterThan(f.indexOf("2577037b4974"));
    s = reduce(s, { type: "load", event: { kind: "image", ...outlineOf(m) } });
    s = reduce(s, { type: "load", event: { kind: "ready", model: m } });
    expect(frame(s)).not.toContain("Pulling");
  });

  test("pull progress of more layers than fit: the finished ones fold into a line, the rest cut with a count", () => {
    const rows = 20;
    let s = initialState(100, rows);
    const pull = (id: string, status: string, current: number | null = null, total: number | null = null) =>
      reduce(s, { type: "load", event: { kind: "pull", update: { id, status, current, total } } });
    for (let i = 0; i < 30; i++) s = pull(`layer${String(i).padStart(2, "0")}`, "Waiting");
    let f = frame(s);
    expect(f.split("\n")).toHaveLength(rows);
    expect(f).toContain("layer00");
    expect(f).toMatch(/… \d+ more layers/);
    for (let i = 0; i < 25; i++) s = pull(`layer${String(i).padStart(2, "0")}`, "Pull complete");
    s = pull("layer27", "Downloading", 5, 10);
    f = frame(s);
    expect(f.split("\n")).toHaveLength(rows);
    expect(f).toContain("25 layers done");
    expect(f).not.toContain("layer00");
    expect(f).toMatch(/layer27 {2}Downloading/);
    expect(f).not.toMatch(/more layers/);
  });
});

describe("range diff: Enter shows the path in the tree", () => {
  test("select a row of the diff, Enter: the tree as of the selected layer, on that path", () => {
    let s = press(loaded(), "up", "up", "x", "down", "down", "tab");
    expect(s.compareFrom).toBe(0);
    expect(s.rangeDiff).not.toBeNull();
    s = press(s, "down");
    expect(s.diffRow).toBe(1);
    const node = s.rangeDiff!.nodes[1]!;
    s = press(s, "enter");
    expect(s.compareFrom).toBe(-1);
    expect(s.focus).toBe("tree");
    expect(s.cursor).toBe(node);
    expect(s.notice).toContain(s.model!.paths.path(node));
  });
});

describe("the mouse", () => {
  test("SGR reports are read; others are not", () => {
    expect(parsePointer("[<0;10;5M")).toEqual({ kind: "press", button: 0, x: 9, y: 4 });
    expect(parsePointer("\u001b[<0;10;5m")).toMatchObject({ kind: "release" });
    expect(parsePointer("[<64;3;4M")).toMatchObject({ kind: "wheel-up", x: 2, y: 3 });
    expect(parsePointer("[<65;3;4M")).toMatchObject({ kind: "wheel-down" });
    expect(parsePointer("[<32;3;4M")).toMatchObject({ kind: "drag" });
    expect(parsePointer("[A")).toBeNull();
    expect(parsePointer("[<0;0;5M")).toBeNull();
  });

  const press0 = (s: ExplorerState, x: number, y: number) =>
    applyPointer(s, { kind: "press", button: 0, x, y });

  test("a click on a layer selects it and focuses the layers; on the tree, a row", () => {
    let s = press(loaded(), "tab");
    const layers = layoutOf(s).layers;
    const rowOfLayer0 = frame(s)
      .split("\n")
      .findIndex((l) => /^ ?▸?0 /.test(l.slice(0, layers.width)) || l.startsWith(" 0 "));
    s = press0(s, 2, rowOfLayer0);
    expect(s.focus).toBe("layers");
    expect(s.layer).toBe(0);
    const tree = layoutOf(s).tree;
    // Title, column header (attributes at 120 columns), then rows: click the third row.
    s = press0(s, tree.x + 40, tree.y + 2 + 2);
    expect(s.focus).toBe("tree");
    expect(s.cursorRow).toBe(2);
  });

  test("a click on a directory's fold marker folds it, a second unfolds it", () => {
    let s = loaded();
    const t = treeOf(s)!;
    const tree = layoutOf(s).tree;
    const [row] = t.rows(0, 1);
    expect(row!.hasChildren).toBe(true);
    const at = treeNameColumn(row!.guide, "attributes");
    s = press0(s, tree.x + at - 2, tree.y + 2);
    expect(treeOf(s)!.isExpanded(row!.node)).toBe(false);
    s = press0(s, tree.x + at - 2, tree.y + 2);
    expect(treeOf(s)!.isExpanded(row!.node)).toBe(true);
    // A click on the name selects, and does not fold.
    s = press0(s, tree.x + at + 1, tree.y + 2);
    expect(treeOf(s)!.isExpanded(row!.node)).toBe(true);
  });

  test("the wheel scrolls the pane under the pointer", () => {
    let s = loaded(sampleModel(), 120, 14);
    const tree = layoutOf(s).tree;
    const total = treeOf(s)!.total;
    s = applyPointer(s, { kind: "wheel-down", button: 1, x: tree.x + 5, y: tree.y + 3 });
    expect(s.treeTop).toBe(Math.min(3, total));
    s = applyPointer(s, { kind: "wheel-up", button: 0, x: tree.x + 5, y: tree.y + 3 });
    expect(s.treeTop).toBe(0);
    const layers = layoutOf(s).layers;
    const before = s.layer;
    s = applyPointer(s, { kind: "wheel-up", button: 0, x: layers.x + 1, y: layers.y + 1 });
    expect(s.layer).toBe(before - 1);
  });

  test("treeNameColumn agrees with the rows as drawn", () => {
    const s = loaded();
    const t = treeOf(s)!;
    for (const r of t.rows(0, t.total)) {
      const f = rowFacts(s.model!, s.layer, r.node, 0);
      for (const [opts, cols] of [
        [{ attributes: true, sizeColumn: false }, "attributes"],
        [{ attributes: false, sizeColumn: true }, "size"],
        [{ attributes: false, sizeColumn: false }, "none"],
      ] as const) {
        const segs = treeRowLine(r, s.model!.paths.name(r.node), f, 200, opts);
        const guideAt = segs.findIndex((x) => x.text === r.guide);
        const before = segs.slice(0, guideAt + 1).reduce((w, x) => w + displayWidth(x.text), 0);
        expect(treeNameColumn(r.guide, cols)).toBe(before);
      }
    }
  });
});

describe("the user's preferences", () => {
  test("their keymap drives the keys, the help and the hints; their view settings start the explorer", () => {
    const { keymap } = customKeymap([{ action: "filter", keys: ["f"], where: "c.yaml:2" }]);
    const m = sampleModel();
    const events: Action[] = [
      { type: "load", event: { kind: "image", ...outlineOf(m) } },
      { type: "load", event: { kind: "ready", model: m } },
    ];
    let s = events.reduce(
      reduce,
      initialState(120, 40, { keymap, sort: "size", focus: "tree", regex: true, changesOnly: true }),
    );
    expect([s.sort, s.focus, s.filterRegex, s.changesOnly]).toEqual(["size", "tree", true, true]);
    expect(frame(s)).toContain(" f filter ");
    expect(press(s, "/").filterEditing).toBe(false);
    s = press(s, "f");
    expect(s.filterEditing).toBe(true);
    const help = frame(press(loaded(sampleModel()), "?"));
    expect(help).toMatch(/\/ Ctrl\+F\s+Filter paths/);
    expect(frame(press({ ...loaded(sampleModel()), keymap }, "?"))).toMatch(/ f\s+Filter paths/);
  });
});
