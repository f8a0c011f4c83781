/**
 * The explorer's reducer: every Action applied to the state it arrives in. It is not free of
 * effects, and its type says so: through `state.session` it moves the image's merged tree between
 * layers, fills and evicts the session's view cache, and advances the session's range-diff and
 * advisor jobs by bounded slices. It touches nothing but the session of the state it is given, and
 * what it learns (a finished diff, findings) it puts in the state it returns.
 */
import { ExplorerSession } from "../session/explorer-session.js";
import { isBinary, textLines } from "../viewer/file-view.js";
import { command } from "./commands.js";
import {
  compareLoad,
  compareReady,
  initialCompare,
  settleCompare,
  withCompareSession,
} from "./compare-state.js";
import { settleLayers, settleTree } from "./cursor.js";
import type { Action, ExplorerState } from "./explorer-state.js";
import { comparing } from "./geometry.js";
import { actionForKey, keyOfChar } from "./key-input.js";
import { type LoadEvent, outlineOf } from "./load-events.js";
import { applyPointer } from "./pointer.js";
import { applyPullUpdate } from "./pull-board.js";

/** A reducer whose effects reach `state.session` (see above); React's useReducer takes it as is. */
export type SessionReducer = ((s: ExplorerState, a: Action) => ExplorerState) & {
  readonly effects: "advances state.session";
};

/** Work a key may spend on a range diff before the pane says "Comparing …" and idle time goes on. */
const DIFF_KEY_WORK_MS = 6;
/** Images this small are compared in full on the key (well under a millisecond). */
const SMALL_IMAGE_PATHS = 50_000;

function load(s: ExplorerState, e: LoadEvent): ExplorerState {
  switch (e.kind) {
    case "image": {
      const { kind: _, ...outline } = e;
      const next = {
        ...s,
        outline,
        progress: outline.layers.map(() => null),
        layer: s.layer < 0 ? outline.layers.length - 1 : Math.min(s.layer, outline.layers.length - 1),
      };
      return settleLayers(next);
    }
    case "progress": {
      if (e.layer < 0) return s;
      const progress = s.progress.slice();
      while (progress.length <= e.layer) progress.push(null);
      const before = progress[e.layer];
      progress[e.layer] = {
        bytesRead: e.bytesRead,
        totalBytes: e.totalBytes,
        entries: e.entries,
        startedAt: before?.startedAt ?? e.at,
        at: e.at,
      };
      return { ...s, progress };
    }
    case "partial":
      if (s.session && s.layersRead === null) return s; // the whole image is already open
      return opened(s, new ExplorerSession(e.model), e.layersRead);
    case "ready":
      // Without a session prepared by the app (tests, small tools): open one now.
      return opened(s, new ExplorerSession(e.model));
    case "error":
      return { ...s, error: e.message };
    case "compare": {
      const c = s.compare ?? initialCompare(e.source);
      return { ...s, compare: e.event ? compareLoad(c, e.event) : c };
    }
    case "pull":
      return s.model ? s : { ...s, pull: applyPullUpdate(s.pull, e.update) };
  }
}

/**
 * The image is ready (or, with `layersRead`, its first layers are): its session becomes the
 * state's, the tree is shown. Replacing the tree of a partly read image keeps the cursor and the
 * folded directories where they were, by path.
 */
function opened(s: ExplorerState, session: ExplorerSession, layersRead: number | null = null): ExplorerState {
  const n = session.model.layerCount;
  const layer = s.layer < 0 || s.layer >= n ? n - 1 : s.layer;
  const before = s.model;
  const carry = (node: number) =>
    before === null || node < 0 ? -1 : session.model.paths.lookup(pathSegments(before.paths.path(node)));
  const toggled = new Set<number>();
  if (before !== null) {
    for (const node of s.expansion.toggled) {
      const moved = carry(node);
      if (moved >= 0) toggled.add(moved);
    }
  }
  const cursor = carry(s.cursor);
  const next = {
    ...s,
    model: session.model,
    session,
    findings: null,
    rangeDiff: null,
    layersRead,
    // A partly read image's outline is the whole image's (the preview): only the layers read are known.
    outline: layersRead === null || s.outline === null ? outlineOf(session.model) : s.outline,
    layer,
    expansion: before === null ? s.expansion : { ...s.expansion, toggled },
    cursor,
    cursorRow: cursor >= 0 ? s.cursorRow : 0,
    treeTop: cursor >= 0 ? s.treeTop : 0,
  };
  return settleTree(settleLayers(next));
}

function pathSegments(path: string): string[] {
  return path.split("/").filter((x) => x !== "");
}

function reduceAction(s: ExplorerState, a: Action): ExplorerState {
  switch (a.type) {
    case "command":
      return command(s, a.command);
    case "filter-input": {
      if (a.text === "") return s;
      return settleTree(
        { ...s, filter: s.filter + a.text, filterEditing: true, notice: null },
        "first-match",
      );
    }
    case "filter-backspace": {
      const chars = Array.from(s.filter);
      chars.pop();
      return settleTree({ ...s, filter: chars.join(""), notice: null }, "first-match");
    }
    case "filter-done":
      return { ...s, filterEditing: false, focus: "tree" };
    case "resize":
      if (a.columns === s.columns && a.rows === s.rows) return s;
      return settleTree(settleLayers({ ...s, columns: a.columns, rows: a.rows }));
    case "load":
      return load(s, a.event);
    case "quit":
      return { ...s, quit: true };
    case "pointer":
      return applyPointer(s, a.event);
    case "viewer-loaded": {
      const v = s.viewer;
      if (!v || v.request !== a.request) return s;
      const lines = isBinary(a.data) ? null : textLines(a.data);
      return { ...s, viewer: { ...v, status: "ready", data: a.data, lines, truncated: a.truncated } };
    }
    case "opened":
      return opened(s, a.session);
    case "advice-ready":
      return s.session && s.findings === null && s.layersRead === null ? { ...s, findings: a.findings } : s;
    case "compare-ready":
      return compareReady(s, a.session);
    case "range-diff-ready": {
      const d = a.diff;
      if (!comparing(s) || d.from !== s.compareFrom || d.to !== s.layer) return s;
      return { ...s, rangeDiff: d };
    }
    case "viewer-failed": {
      const v = s.viewer;
      if (!v || v.request !== a.request) return s;
      return { ...s, viewer: { ...v, status: "error", error: a.message } };
    }
    case "key": {
      // Keys typed faster than they are read arrive as one string (Ink reports it like a paste):
      // outside the filter prompt, each character is a key of its own.
      const chars = Array.from(a.input);
      if (chars.length > 1 && !a.key.ctrl && !a.key.meta) {
        let next = s;
        let run = "";
        const typeRun = () => {
          if (run !== "") next = reduceAction(next, { type: "filter-input", text: run });
          run = "";
        };
        for (const ch of chars) {
          if (next.filterEditing && !next.help && ch >= " " && ch !== "\u007f") {
            run += ch;
            continue;
          }
          typeRun();
          next = reduceAction(next, { type: "key", ...keyOfChar(ch) });
        }
        typeRun();
        return next;
      }
      const resolved = actionForKey(s, a.input, a.key);
      return resolved ? reduceAction(s, resolved) : s;
    }
  }
}

/** While comparing, the range diff of the pair shown: at hand, or worked on for a bounded slice. */
function withRangeDiff(s: ExplorerState): ExplorerState {
  if (!comparing(s) || !s.session) return s.rangeDiff === null ? s : { ...s, rangeDiff: null };
  const d = s.rangeDiff;
  if (d && d.from === s.compareFrom && d.to === s.layer) return s;
  const jobs = s.session.analysis;
  const budget = s.session.model.paths.size < SMALL_IMAGE_PATHS ? Number.POSITIVE_INFINITY : DIFF_KEY_WORK_MS;
  jobs.prepareRangeDiff(s.compareFrom, s.layer, budget);
  const ready = jobs.rangeDiffIfReady(s.compareFrom, s.layer);
  return ready === d ? s : { ...s, rangeDiff: ready };
}

/** The comparison's cursor follows a filter typed while the comparison is on screen. */
function withCompareFilter(before: ExplorerState, s: ExplorerState): ExplorerState {
  return s.compare?.shown && s.filter !== before.filter ? settleCompare(s) : s;
}

export const reduce: SessionReducer = Object.assign(
  (s: ExplorerState, a: Action): ExplorerState =>
    withCompareSession(withCompareFilter(s, withRangeDiff(reduceAction(s, a)))),
  { effects: "advances state.session" as const },
);
