/**
 * The user's configuration: $XDG_CONFIG_HOME/layerview/config.yaml (~/.config/layerview/config.yaml),
 * and the key bindings of dive's config where they map to an action layerview has. Every value
 * remembers where it came from, for `layerview config`. The file is untrusted input: read once
 * with a size limit, every key and value checked, a bad one is a UserError naming its line.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { Node, Scalar, YAMLMap } from "yaml";
import { UserError } from "../model/diagnostics.js";

/**
 * The YAML parser, loaded when there is a file to parse: most runs have none, and loading it costs
 * ~30 ms of every start (bench/startup.js). Node's module cache keeps the one copy.
 */
function yaml(): typeof import("yaml") {
  return createRequire(import.meta.url)("yaml") as typeof import("yaml");
}

export type ThemeName = "dark" | "light";
export type SourceName = "docker" | "podman" | "archive" | "registry";

export interface Setting<T> {
  value: T;
  /** "default", "~/.config/layerview/config.yaml:3", "--color", … */
  origin: string;
}

export interface KeyEntry {
  action: string;
  keys: string[];
  where: string;
}

export interface LayerviewConfig {
  /** The config file read, or where it would be. */
  file: { path: string; found: boolean };
  /** dive's config file read for its key bindings, if any. */
  diveFile: string | null;
  color: Setting<"auto" | "always" | "never">;
  theme: Setting<ThemeName>;
  mouse: Setting<boolean>;
  source: Setting<SourceName | "auto">;
  sort: Setting<"name" | "size">;
  attributes: Setting<"auto" | boolean>;
  changes: Setting<"all" | "layer">;
  history: Setting<boolean>;
  focus: Setting<"layers" | "tree">;
  filter: Setting<"text" | "regex">;
  /** The config file's `keys:` (each replaces an action's keys). */
  keys: KeyEntry[];
  /** dive's `keybinding:` entries mapped to layerview's actions (each adds keys). */
  diveKeys: KeyEntry[];
  /** dive bindings with no layerview action, for `layerview config`. */
  diveIgnored: string[];
}

export interface ConfigEnv {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  readFile: (path: string) => string | null;
  /** File names in a directory (empty when it is missing). */
  list: (dir: string) => string[];
}

const MAX_CONFIG_BYTES = 256 * 1024;

export function processConfigEnv(): ConfigEnv {
  return {
    env: process.env,
    home: homedir(),
    readFile: (p) => {
      let size: number;
      try {
        const st = statSync(p);
        if (!st.isFile()) return null;
        size = st.size;
      } catch {
        return null;
      }
      if (size > MAX_CONFIG_BYTES) {
        throw new UserError(`${p} is ${size} bytes; a config file may have at most 256 KiB`, "shorten it");
      }
      try {
        return readFileSync(p, "utf8");
      } catch (e) {
        throw new UserError(`cannot read ${p}: ${(e as Error).message}`, "check the file's permissions");
      }
    },
    list: (dir) => {
      try {
        return readdirSync(dir).sort();
      } catch {
        return [];
      }
    },
  };
}

function configHome(ctx: ConfigEnv): string {
  const xdg = ctx.env.XDG_CONFIG_HOME;
  // The XDG spec ignores a relative XDG_CONFIG_HOME.
  return xdg !== undefined && xdg !== "" && isAbsolute(xdg) ? xdg : join(ctx.home, ".config");
}

export function configPath(ctx: ConfigEnv): string {
  return join(configHome(ctx), "layerview", "config.yaml");
}

/** dive's own search order: $XDG_CONFIG_HOME/dive/*.yaml, $XDG_CONFIG_DIRS/dive/*.yaml, ~/.config/dive/*.yaml, ~/.dive.yaml. */
function diveCandidates(ctx: ConfigEnv): string[] {
  const dirs = [join(configHome(ctx), "dive")];
  for (const d of (ctx.env.XDG_CONFIG_DIRS ?? "").split(":")) if (isAbsolute(d)) dirs.push(join(d, "dive"));
  dirs.push(join(ctx.home, ".config", "dive"));
  const files = [...new Set(dirs)].flatMap((d) =>
    ctx
      .list(d)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(d, f)),
  );
  return [...files, join(ctx.home, ".dive.yaml")];
}

const DEFAULTS = {
  color: "auto",
  theme: "dark",
  mouse: true,
  source: "auto",
  sort: "name",
  attributes: "auto",
  changes: "all",
  history: true,
  focus: "layers",
  filter: "text",
} as const;

/** dive's keybinding names → layerview's actions (the ones layerview has). */
export const DIVE_ACTIONS: Readonly<Record<string, string>> = {
  quit: "quit",
  "toggle-view": "next-pane",
  "filter-files": "filter",
  "close-filter-files": "clear",
  up: "up",
  down: "down",
  left: "collapse",
  right: "expand",
  "page-up": "page-up",
  "page-down": "page-down",
  "toggle-collapse-dir": "toggle-dir",
  "toggle-added-files": "hide-added",
  "toggle-removed-files": "hide-removed",
  "toggle-modified-files": "hide-modified",
  "toggle-unmodified-files": "hide-unmodified",
  "toggle-filetree-attributes": "toggle-attributes",
  "compare-layer": "toggle-changes-only",
  "compare-all": "toggle-changes-only",
  "toggle-sort-order": "toggle-sort",
};

/** Read the configuration; a missing file is the defaults, a bad one a UserError naming the line. */
export function loadConfig(ctx: ConfigEnv = processConfigEnv()): LayerviewConfig {
  const path = configPath(ctx);
  const text = ctx.readFile(path);
  const d = (v: (typeof DEFAULTS)[keyof typeof DEFAULTS]) => ({ value: v, origin: "default" });
  const config = {
    file: { path, found: text !== null },
    diveFile: null,
    color: d(DEFAULTS.color),
    theme: d(DEFAULTS.theme),
    mouse: d(DEFAULTS.mouse),
    source: d(DEFAULTS.source),
    sort: d(DEFAULTS.sort),
    attributes: d(DEFAULTS.attributes),
    changes: d(DEFAULTS.changes),
    history: d(DEFAULTS.history),
    focus: d(DEFAULTS.focus),
    filter: d(DEFAULTS.filter),
    keys: [],
    diveKeys: [],
    diveIgnored: [],
  } as LayerviewConfig;
  readDive(ctx, config);
  if (text !== null) readOwn(path, text, config);
  return config;
}

class Doc {
  readonly lines = new (yaml().LineCounter)();
  constructor(
    readonly path: string,
    readonly shown: string,
  ) {}

  where(node: Node | null | undefined): string {
    const at = node?.range?.[0];
    return at === undefined ? this.shown : `${this.shown}:${this.lines.linePos(at).line}`;
  }

  fail(
    node: Node | null | undefined,
    message: string,
    hint = "see the Configuration section of the README",
  ): never {
    throw new UserError(`${this.where(node)}: ${message}`, hint);
  }
}

function parseYaml(doc: Doc, text: string): YAMLMap | null {
  const parsed = yaml().parseDocument(text, {
    lineCounter: doc.lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const err = parsed.errors[0];
  if (err !== undefined) {
    const line = err.pos?.[0] !== undefined ? doc.lines.linePos(err.pos[0]).line : undefined;
    throw new UserError(
      `${doc.shown}${line !== undefined ? `:${line}` : ""}: not valid YAML (${err.message.split("\n")[0]})`,
      "fix the file or remove it",
    );
  }
  if (parsed.contents === null) return null;
  if (!yaml().isMap(parsed.contents)) doc.fail(parsed.contents, "expected settings (key: value lines)");
  return parsed.contents;
}

function tilde(path: string, home: string): string {
  return home !== "" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function keyName(doc: Doc, k: unknown): string {
  if (!yaml().isScalar(k) || typeof k.value !== "string")
    doc.fail(k as Node, "a setting's name must be a word");
  return (k as Scalar<string>).value;
}

function scalar(doc: Doc, node: unknown, what: string): string | boolean | number {
  if (!yaml().isScalar(node)) return doc.fail(node as Node, `${what} must be a single value`);
  const v = node.value;
  if (typeof v !== "string" && typeof v !== "boolean" && typeof v !== "number")
    return doc.fail(node, `${what} must be a single value`);
  return v;
}

function choice<T extends string | boolean>(doc: Doc, node: unknown, name: string, allowed: readonly T[]): T {
  const v = scalar(doc, node, name);
  if ((allowed as readonly unknown[]).includes(v)) return v as T;
  const list = allowed.map(String);
  return doc.fail(
    node as Node,
    `${name} must be ${list.slice(0, -1).join(", ")} or ${list.at(-1)}, not '${String(v).slice(0, 40)}'`,
  );
}

function keyList(doc: Doc, node: unknown, action: string): string[] {
  if (yaml().isSeq(node)) return node.items.map((i) => String(scalar(doc, i, `a key of ${action}`)));
  const v = scalar(doc, node, `the keys of ${action}`);
  // dive writes several keys as one string: "ctrl+f, ctrl+slash".
  return String(v)
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

function readOwn(path: string, text: string, config: LayerviewConfig): void {
  const doc = new Doc(path, path);
  const root = parseYaml(doc, text);
  if (root === null) return;
  const set = <K extends keyof LayerviewConfig>(k: K, value: unknown, node: unknown) => {
    (config[k] as Setting<unknown>) = { value, origin: doc.where(node as Node) };
  };
  const view = (node: unknown) => {
    if (!yaml().isMap(node))
      return doc.fail(
        node as Node,
        "view must hold settings: sort, attributes, changes, history, focus, filter",
      );
    for (const pair of node.items) {
      const name = keyName(doc, pair.key);
      const v = pair.value;
      switch (name) {
        case "sort":
          set("sort", choice(doc, v, "view.sort", ["name", "size"] as const), pair.key);
          break;
        case "attributes":
          set("attributes", choice(doc, v, "view.attributes", ["auto", true, false] as const), pair.key);
          break;
        case "changes":
          set("changes", choice(doc, v, "view.changes", ["all", "layer"] as const), pair.key);
          break;
        case "history":
          set("history", choice(doc, v, "view.history", [true, false] as const), pair.key);
          break;
        case "focus":
          set("focus", choice(doc, v, "view.focus", ["layers", "tree"] as const), pair.key);
          break;
        case "filter":
          set("filter", choice(doc, v, "view.filter", ["text", "regex"] as const), pair.key);
          break;
        default:
          doc.fail(
            pair.key as Node,
            `unknown view setting '${name}' (sort, attributes, changes, history, focus, filter)`,
          );
      }
    }
  };
  for (const pair of root.items) {
    const name = keyName(doc, pair.key);
    const v = pair.value;
    switch (name) {
      case "color":
        set("color", choice(doc, v, "color", ["auto", "always", "never"] as const), pair.key);
        break;
      case "theme":
        set("theme", choice(doc, v, "theme", ["dark", "light"] as const), pair.key);
        break;
      case "mouse":
        set("mouse", choice(doc, v, "mouse", [true, false] as const), pair.key);
        break;
      case "source":
        set(
          "source",
          choice(doc, v, "source", ["auto", "docker", "podman", "archive", "registry"] as const),
          pair.key,
        );
        break;
      case "view":
        view(v);
        break;
      case "keys": {
        const map = yaml().isMap(v)
          ? v
          : doc.fail(v as Node, "keys must map actions to keys, e.g. filter: [/, ctrl+f]");
        for (const k of map.items) {
          const action = keyName(doc, k.key);
          config.keys.push({ action, keys: keyList(doc, k.value, action), where: doc.where(k.key as Node) });
        }
        break;
      }
      default:
        doc.fail(pair.key as Node, `unknown setting '${name}' (color, theme, mouse, source, view, keys)`);
    }
  }
}

function readDive(ctx: ConfigEnv, config: LayerviewConfig): void {
  for (const path of diveCandidates(ctx)) {
    let text: string | null;
    try {
      text = ctx.readFile(path);
    } catch {
      continue;
    }
    if (text === null) continue;
    config.diveFile = path;
    const doc = new Doc(path, tilde(path, ctx.home));
    let root: YAMLMap | null;
    try {
      root = parseYaml(doc, text);
    } catch (e) {
      // dive's file is dive's: one it cannot use is noted, not an error of layerview's.
      config.diveIgnored.push((e as Error).message);
      return;
    }
    const bindings = root?.get("keybinding", true);
    if (!yaml().isMap(bindings)) return;
    for (const pair of bindings.items) {
      if (!yaml().isScalar(pair.key) || typeof pair.key.value !== "string") continue;
      const name = pair.key.value;
      const action = DIVE_ACTIONS[name];
      const where = doc.where(pair.key);
      if (action === undefined) {
        config.diveIgnored.push(`${where}: ${name} (layerview has no such action)`);
        continue;
      }
      try {
        config.diveKeys.push({ action, keys: keyList(doc, pair.value, name), where });
      } catch (e) {
        config.diveIgnored.push((e as Error).message);
      }
    }
    return;
  }
}
