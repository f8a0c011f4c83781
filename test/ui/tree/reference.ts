/** The tree the slow way, node by node from ImageModel.stateAt: what the typed-array engine must agree with. */
import { expect } from "vitest";
import { type ImageModel, NodeStatus } from "../../../src/model/image-model.js";
import { ROOT } from "../../../src/model/path-table.js";
import type { LayerTree } from "../../../src/ui/tree/layer-tree.js";
import { filterKind, filterRegex, globMatcher, regexFilter } from "../../../src/ui/tree/path-filter.js";
import type { TreeQuery } from "../../../src/ui/tree/tree-query.js";

export function childrenOf(m: ImageModel, n: number): number[] {
  return [...m.paths.children(n)].sort((a, b) => (m.paths.name(a) < m.paths.name(b) ? -1 : 1));
}

/** Sizes the slow way: own bytes plus children of the same kind (present under present, removed under removed). */
export function refSizes(m: ImageModel, layer: number): Map<number, number> {
  const out = new Map<number, number>();
  const visit = (n: number): number => {
    const st = m.stateAt(n, layer);
    let s = st.status === NodeStatus.Absent || st.version < 0 ? 0 : m.stack.size(st.version);
    for (const c of m.paths.children(n)) {
      const cs = m.stateAt(c, layer).status;
      const size = visit(c);
      if (cs === NodeStatus.Absent) continue;
      if ((cs === NodeStatus.Removed) === (n !== ROOT && st.status === NodeStatus.Removed)) s += size;
    }
    out.set(n, s);
    return s;
  };
  visit(ROOT);
  return out;
}

export function refMatches(m: ImageModel, text: string): (n: number) => boolean {
  if (text === "") return () => true;
  const kind = filterKind(text);
  const glob = kind === "glob";
  const chain = (n: number) => {
    const xs: number[] = [];
    for (let x = n; x !== ROOT; x = m.paths.parent(x)) xs.push(x);
    return xs;
  };
  if (kind === "regex") {
    const re = filterRegex(text);
    return (n) => typeof re !== "string" && chain(n).some((x) => re.test(m.paths.path(x)));
  }
  // Smart case: all lower case ignores case.
  const fold = text === text.toLowerCase();
  if (!glob) return (n) => (fold ? m.paths.path(n).toLowerCase() : m.paths.path(n)).includes(text);
  if (!text.includes("/")) {
    const match = globMatcher(text, false);
    return (n) => chain(n).some((x) => match(m.paths.name(x)));
  }
  const match = globMatcher(text, true);
  return (n) => chain(n).some((x) => match(m.paths.path(x)));
}

/**
 * Whether the node matches for itself, not only by being under a match — what n/N stop at: a
 * filter without "/" tests the node's name; one with "/" (or a regex) the topmost matching path.
 */
export function refOwnMatch(m: ImageModel, text: string): (n: number) => boolean {
  if (text === "") return () => false;
  const kind = filterKind(text);
  if (kind !== "regex" && !text.includes("/")) {
    if (kind === "glob") {
      const match = globMatcher(text, false);
      return (n) => match(m.paths.name(n));
    }
    const fold = text === text.toLowerCase();
    return (n) => (fold ? m.paths.name(n).toLowerCase() : m.paths.name(n)).includes(text);
  }
  const matches = refMatches(m, text);
  return (n) => matches(n) && (m.paths.parent(n) === ROOT || !matches(m.paths.parent(n)));
}

/** The shown rows the slow way: a depth-first walk with every rule applied node by node. */
export function refRows(m: ImageModel, q: TreeQuery): number[] {
  const matches = refMatches(m, q.filter);
  const allowed = (s: NodeStatus) =>
    s !== NodeStatus.Absent &&
    !(q.changesOnly && s === NodeStatus.Unchanged) &&
    !(q.hide.added && s === NodeStatus.Added) &&
    !(q.hide.removed && s === NodeStatus.Removed) &&
    !(q.hide.modified && s === NodeStatus.Modified) &&
    !(q.hide.unmodified && (s === NodeStatus.Unchanged || s === NodeStatus.Same));
  const included = new Map<number, boolean>();
  const inc = (n: number): boolean => {
    let v = included.get(n);
    if (v === undefined) {
      const self = allowed(m.stateAt(n, q.layer).status) && matches(n);
      v = childrenOf(m, n).some(inc) || self;
      included.set(n, v);
    }
    return v;
  };
  const sizes = refSizes(m, q.layer);
  const order = (kids: number[]) =>
    q.sort === "size" ? [...kids].sort((a, b) => sizes.get(b)! - sizes.get(a)!) : kids;
  const out: number[] = [];
  const walk = (n: number) => {
    for (const c of order(childrenOf(m, n))) {
      if (!inc(c)) continue;
      out.push(c);
      const expanded = q.expansion.defaultExpanded !== q.expansion.toggled.has(c);
      if (expanded) walk(c);
    }
  };
  walk(ROOT);
  return out;
}

export const FILTERS = [
  "",
  "a",
  "b/",
  "/a/b",
  "lib",
  "*.so",
  "c*",
  "a/*/b",
  "**/x.so",
  "[ab]",
  "zzz",
  "Lib",
  "A/B",
  "*.SO",
  regexFilter("lib$"),
  regexFilter("^/a/.*\\.so$"),
  regexFilter("B|x"),
  regexFilter("(unclosed"),
];

export function expectTreeMatches(m: ImageModel, t: LayerTree, ctx: string) {
  const L = t.layer;
  const sizes = refSizes(m, L);
  const status = t.status();
  const rows = new Map<number, number>();
  const countRows = (n: number): number => {
    let r = 0;
    for (const c of m.paths.children(n)) {
      const below = countRows(c);
      if (m.stateAt(c, L).status !== NodeStatus.Absent) r += 1 + below;
    }
    rows.set(n, r);
    return r;
  };
  countRows(ROOT);
  for (let n = 1; n < m.paths.size; n++) {
    const where = `${ctx} layer ${L} ${m.paths.path(n)}`;
    expect(status[n], where).toBe(m.stateAt(n, L).status);
    expect(t.size[n], `size: ${where}`).toBe(sizes.get(n));
    expect(t.rowsBelow[n], `rows: ${where}`).toBe(rows.get(n));
  }
  expect(t.rowsBelow[ROOT], `${ctx} rows under the root`).toBe(rows.get(ROOT));
}
