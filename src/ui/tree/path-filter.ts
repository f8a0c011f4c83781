/**
 * Which paths a filter matches. A substring matches anywhere in the absolute path ("/usr/lib/x");
 * a filter with * ? or [ is a glob: without "/" it is matched against each name (like find -name),
 * with "/" against the whole path (`*` stays inside one segment, `**` crosses them). A regular
 * expression (the filter's regex mode: `regexFilter(text)`) is matched against the whole path, as
 * dive's filter is. Smart case: a filter with no upper-case letter ignores case, else case counts.
 * A path also matches when one of its ancestors does, so a matching directory brings its contents;
 * callers keep the ancestors of matches.
 *
 * Built for a million paths per keystroke: one pass in id order (parents first) with interned
 * names; typing more of a substring only re-tests the previous direct matches.
 */
import picomatch from "picomatch";
import { type PathTable, ROOT } from "../../model/path-table.js";

export type FilterKind = "substring" | "glob" | "regex";

/** Marks a filter as a regular expression; typed text never holds it (control characters are dropped). */
const REGEX_MARK = "\u0001";

/** The filter for a query: `text`, as typed, or as a regular expression. */
export function regexFilter(text: string): string {
  return text === "" ? "" : `${REGEX_MARK}${text}`;
}

export function filterKind(text: string): FilterKind {
  if (text.startsWith(REGEX_MARK)) return "regex";
  return /[*?[]/.test(text) ? "glob" : "substring";
}

/** Smart case: only a filter with an upper-case letter is case-sensitive. */
export function ignoresCase(text: string): boolean {
  return text === text.toLowerCase();
}

/** A regex filter's RegExp, or the reason it is not one. */
export function filterRegex(filter: string): RegExp | string {
  const source = filter.startsWith(REGEX_MARK) ? filter.slice(REGEX_MARK.length) : filter;
  try {
    return new RegExp(source, ignoresCase(source) ? "i" : "");
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, "");
  }
}

/** find(1)-like globs: `*` matches dotfiles, a leading "!" and braces are literal. */
const GLOB_OPTIONS: picomatch.PicomatchOptions = {
  dot: true,
  nonegate: true,
  nobrace: true,
  noextglob: true,
};

/** picomatch negates a class with "^"; "[!…]" (as in find and sh) means the same. */
const picomatchGlob = (glob: string) => glob.replace(/\[!/g, "[^");

const globOptions = (glob: string) => (ignoresCase(glob) ? { ...GLOB_OPTIONS, nocase: true } : GLOB_OPTIONS);

/** A glob without "/" as a RegExp for one name. */
function nameGlob(glob: string): RegExp {
  return picomatch.makeRe(picomatchGlob(glob), globOptions(glob));
}

/**
 * A glob with "/" as a RegExp for a path relative to the root ("usr/lib/x"): anchored at the root
 * when the glob starts with "/", else at any segment start; always at the end.
 */
function pathGlob(glob: string): RegExp {
  const g = picomatchGlob(glob);
  return picomatch.makeRe(g.startsWith("/") ? g.slice(1) : `**/${g}`, globOptions(glob));
}

/** Glob as a test: of a name (`path` false), or of an absolute path ("/usr/lib/x"). */
export function globMatcher(glob: string, path: boolean): (text: string) => boolean {
  if (!path) {
    const re = nameGlob(glob);
    return (name) => re.test(name);
  }
  const re = pathGlob(glob);
  return (p) => re.test(p.startsWith("/") ? p.slice(1) : p);
}

interface NameHits {
  text: string;
  /** Ids (PathTable.nameById) of the names the filter matches. */
  ids: Int32Array;
}

const RECENT = 8;

/**
 * The filters of one image's paths (its session's): the names the last few filters matched, and
 * the last filter's mask, so typing more of a filter re-tests only the previous matches.
 */
export class PathFilter {
  private recent: NameHits[] = [];
  private last: { text: string; mask: Uint8Array } | null = null;
  private lastOwn: { text: string; own: Uint8Array } | null = null;
  /** Lower-case names by name id, made on the first filter that ignores case. */
  private lowerNames: string[] | null = null;

  constructor(readonly paths: PathTable) {}

  /**
   * 1 for every node whose path matches `text` (or has a matching ancestor), 0 elsewhere; null for
   * an empty filter (everything matches). Cached for the last filter.
   */
  mask(text: string): Uint8Array | null {
    if (text === "") return null;
    if (this.last?.text === text) return this.last.mask;
    const paths = this.paths;
    const { parents, nameIds, nameCount } = paths.columns();
    const n = paths.size;
    const mask = new Uint8Array(n);
    if (matchesByName(text)) {
      // Test each distinct name once, then one pass in id order (parents first) inherits matches.
      const hit = new Uint8Array(nameCount);
      for (const id of this.nameHits(text)) hit[id] = 1;
      inheritNameHits(mask, hit, nameIds, parents, n);
    } else {
      const kind = filterKind(text);
      const re = kind === "regex" ? filterRegex(text) : null;
      const direct =
        kind === "glob"
          ? globPathMatches(paths, parents, pathGlob(text))
          : re !== null
            ? typeof re === "string"
              ? new Int32Array(0)
              : globPathMatches(paths, parents, re, "/")
            : slashSubstringMatches(paths, parents, text, ignoresCase(text));
      for (let i = 0; i < direct.length; i++) mask[direct[i]!] = 1;
      inheritMatches(mask, parents, n);
    }
    mask[ROOT] = 0;
    this.last = { text, mask };
    return mask;
  }

  /**
   * 1 for every node that matches itself: its name (a filter without "/"), or, for a filter on
   * the whole path, the topmost node of each matching subtree. null for an empty filter.
   */
  ownMatches(text: string): Uint8Array | null {
    if (text === "") return null;
    if (this.lastOwn?.text === text) return this.lastOwn.own;
    const { parents, nameIds } = this.paths.columns();
    const n = this.paths.size;
    const own = new Uint8Array(n);
    if (matchesByName(text)) {
      const hit = this.nameHitMask(text);
      for (let node = 1; node < n; node++) own[node] = hit[nameIds[node]!]!;
    } else {
      const mask = this.mask(text)!;
      for (let node = 1; node < n; node++) own[node] = mask[node]! & (mask[parents[node]!]! ^ 1);
    }
    this.lastOwn = { text, own };
    return own;
  }

  private lowerNameList(): string[] {
    if (this.lowerNames === null) {
      const { nameCount } = this.paths.columns();
      const out: string[] = new Array(nameCount);
      for (let id = 0; id < nameCount; id++) out[id] = this.paths.nameById(id).toLowerCase();
      this.lowerNames = out;
    }
    return this.lowerNames;
  }

  /** Per name id (PathTable.nameById): 1 where the name matches `text` (a filter without "/"). */
  nameHitMask(text: string): Uint8Array {
    const hit = new Uint8Array(this.paths.columns().nameCount);
    for (const id of this.nameHits(text)) hit[id] = 1;
    return hit;
  }

  /** Ids of the names `text` (a substring or a glob without "/") matches. */
  private nameHits(text: string): Int32Array {
    const paths = this.paths;
    const known = this.recent.find((d) => d.text === text);
    if (known) return known.ids;
    const { nameCount } = paths.columns();
    const out: number[] = [];
    if (filterKind(text) === "glob") {
      const re = nameGlob(text);
      for (let id = 1; id < nameCount; id++) if (re.test(paths.nameById(id))) out.push(id);
    } else {
      // A name holding the new text holds every substring of it: narrow from the best such result
      // (with smart case too: a filter that counts case holds an upper-case letter, so any longer
      // one does; one that ignores case matches a superset of what it would match counting case).
      const fold = ignoresCase(text);
      const names = fold ? this.lowerNameList() : null;
      const has = (id: number) => (names ? names[id]! : paths.nameById(id)).includes(text);
      let from: Int32Array | null = null;
      for (const d of this.recent) {
        if (
          filterKind(d.text) === "substring" &&
          text.includes(d.text) &&
          (!from || d.ids.length < from.length)
        ) {
          from = d.ids;
        }
      }
      if (from) {
        for (let i = 0; i < from.length; i++) if (has(from[i]!)) out.push(from[i]!);
      } else {
        for (let id = 1; id < nameCount; id++) if (has(id)) out.push(id);
      }
    }
    const ids = Int32Array.from(out);
    this.recent.push({ text, ids });
    if (this.recent.length > RECENT) this.recent.shift();
    return ids;
  }
}

/** Parents first (ascending ids): a node matches if its name does or its parent matches. */
function inheritNameHits(
  mask: Uint8Array,
  hit: Uint8Array,
  nameIds: Int32Array,
  parents: Int32Array,
  n: number,
) {
  for (let node = 1; node < n; node++) mask[node] = hit[nameIds[node]!]! | mask[parents[node]!]!;
}

/** Parents first: a node matches if it does itself or its parent matches. */
function inheritMatches(mask: Uint8Array, parents: Int32Array, n: number) {
  for (let node = 1; node < n; node++) mask[node] = mask[node]! | mask[parents[node]!]!;
}

/** Whether a filter is matched name by name (no "/"), so typing more of it only narrows the matches. */
export function matchesByName(text: string): boolean {
  return text !== "" && !text.includes("/") && !text.startsWith(REGEX_MARK);
}

/** A "/"-containing substring can span segments: test each node against its parent path's tail. */
function slashSubstringMatches(
  paths: PathTable,
  parents: Int32Array,
  text: string,
  fold: boolean,
): Int32Array {
  const keep = text.length - 1;
  const tails: string[] = new Array(paths.size);
  tails[ROOT] = "";
  const out: number[] = [];
  for (let node = 1; node < paths.size; node++) {
    const name = paths.name(node);
    const joined = `${tails[parents[node]!] ?? ""}/${fold ? name.toLowerCase() : name}`;
    if (joined.includes(text)) out.push(node);
    if (paths.firstChild(node) !== -1)
      tails[node] = joined.length > keep ? joined.slice(joined.length - keep) : joined;
  }
  return Int32Array.from(out);
}

/** Nodes whose path relative to the root ("usr/lib/x"; with `lead` "/", the absolute path) `re` matches. */
function globPathMatches(paths: PathTable, parents: Int32Array, re: RegExp, lead = ""): Int32Array {
  const dirPath: string[] = new Array(paths.size);
  dirPath[ROOT] = "";
  const out: number[] = [];
  for (let node = 1; node < paths.size; node++) {
    const parent = parents[node]!;
    const p = parent === ROOT ? paths.name(node) : `${dirPath[parent] ?? ""}/${paths.name(node)}`;
    if (re.test(lead === "" ? p : `${lead}${p}`)) out.push(node);
    if (paths.firstChild(node) !== -1) dirPath[node] = p;
  }
  return Int32Array.from(out);
}
