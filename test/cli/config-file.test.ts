import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { decideColor } from "../../src/cli/color.js";
import { renderConfig } from "../../src/cli/commands/config.js";
import { type ConfigEnv, configPath, loadConfig } from "../../src/cli/config-file.js";
import { resolveSettings } from "../../src/cli/settings.js";
import { keysLabel } from "../../src/ui/keymap/keymap.js";

const HOME = "/home/u";

function fake(files: Record<string, string>, env: Record<string, string> = {}): ConfigEnv {
  return {
    env,
    home: HOME,
    readFile: (p) => files[p] ?? null,
    list: (dir) =>
      Object.keys(files)
        .filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes("/"))
        .map((f) => f.slice(dir.length + 1))
        .sort(),
  };
}

const OWN = `${HOME}/.config/layerview/config.yaml`;

describe("where the config file is", () => {
  test("XDG_CONFIG_HOME, else ~/.config; a relative XDG_CONFIG_HOME is ignored", () => {
    expect(configPath(fake({}))).toBe(OWN);
    expect(configPath(fake({}, { XDG_CONFIG_HOME: "/x" }))).toBe("/x/layerview/config.yaml");
    expect(configPath(fake({}, { XDG_CONFIG_HOME: "rel" }))).toBe(OWN);
  });
});

describe("reading it", () => {
  test("no file: the defaults, each from 'default'", () => {
    const c = loadConfig(fake({}));
    expect(c.file).toEqual({ path: OWN, found: false });
    expect(c.sort).toEqual({ value: "name", origin: "default" });
    expect(c.mouse).toEqual({ value: true, origin: "default" });
  });

  test("every setting, each with the line it came from", () => {
    const text = [
      "# mine",
      "color: never",
      "theme: light",
      "mouse: false",
      "source: podman",
      "view:",
      "  sort: size",
      "  attributes: false",
      "  changes: layer",
      "  history: false",
      "  focus: tree",
      "  filter: regex",
      "keys:",
      "  filter: [f, ctrl+f]",
      "  quit: Q",
    ].join("\n");
    const c = loadConfig(fake({ [OWN]: text }));
    expect(c.color).toEqual({ value: "never", origin: `${OWN}:2` });
    expect(c.theme.value).toBe("light");
    expect(c.mouse).toEqual({ value: false, origin: `${OWN}:4` });
    expect(c.source.value).toBe("podman");
    expect(c.sort).toEqual({ value: "size", origin: `${OWN}:7` });
    expect(c.attributes.value).toBe(false);
    expect(c.changes.value).toBe("layer");
    expect(c.history.value).toBe(false);
    expect(c.focus.value).toBe("tree");
    expect(c.filter.value).toBe("regex");
    expect(c.keys).toEqual([
      { action: "filter", keys: ["f", "ctrl+f"], where: `${OWN}:14` },
      { action: "quit", keys: ["Q"], where: `${OWN}:15` },
    ]);
  });

  test.each([
    ["colour: never", /config\.yaml:1: unknown setting 'colour'/],
    ["color: loud", /config\.yaml:1: color must be auto, always or never, not 'loud'/],
    ["view:\n  sort: age", /config\.yaml:2: view\.sort must be name or size, not 'age'/],
    ["view:\n  zoom: 2", /config\.yaml:2: unknown view setting 'zoom'/],
    ["keys: q", /config\.yaml:1: keys must map actions to keys/],
    ["mouse: [1, 2]", /config\.yaml:1: mouse must be a single value/],
    ["color: a\ncolor: b", /config\.yaml:2: not valid YAML/],
    ["- a\n- b", /config\.yaml:1: expected settings/],
    ["a: [", /config\.yaml:\d+: not valid YAML/],
  ])("a bad file is one line naming where: %s", (text, message) => {
    expect(() => loadConfig(fake({ [OWN]: text }))).toThrow(message);
  });
});

describe("dive's config", () => {
  test("its key bindings map to layerview's actions; the others are noted", () => {
    const dive = `${HOME}/.dive.yaml`;
    const text = [
      "keybinding:",
      "  quit: ctrl+c",
      "  filter-files: ctrl+f, ctrl+e",
      "  toggle-wrap-tree: ctrl+p",
    ].join("\n");
    const c = loadConfig(fake({ [dive]: text }));
    expect(c.diveFile).toBe(dive);
    expect(c.diveKeys).toEqual([
      { action: "quit", keys: ["ctrl+c"], where: "~/.dive.yaml:2" },
      { action: "filter", keys: ["ctrl+f", "ctrl+e"], where: "~/.dive.yaml:3" },
    ]);
    expect(c.diveIgnored).toEqual(["~/.dive.yaml:4: toggle-wrap-tree (layerview has no such action)"]);
    const settings = resolveSettings(parseArgs(["x"]), c, {}, true);
    expect(keysLabel("filter", settings.keymap)).toBe("/, Ctrl+F, Ctrl+E");
    expect(settings.keymapOrigins.find((o) => o.command === "filter")?.origin).toBe(
      "default + ~/.dive.yaml:3",
    );
  });

  test("$XDG_CONFIG_HOME/dive/*.yaml comes before ~/.dive.yaml; a broken one is noted, not fatal", () => {
    const xdg = join("/x", "dive", "config.yaml");
    const c = loadConfig(
      fake(
        { [xdg]: "keybinding: [", [`${HOME}/.dive.yaml`]: "keybinding:\n  quit: q" },
        { XDG_CONFIG_HOME: "/x" },
      ),
    );
    expect(c.diveFile).toBe(xdg);
    expect(c.diveKeys).toEqual([]);
    expect(c.diveIgnored[0]).toMatch(/not valid YAML/);
  });
});

describe("the effective settings", () => {
  test("the command line beats the config file, which beats the defaults", () => {
    const c = loadConfig(fake({ [OWN]: "color: always\nmouse: false\nsource: podman" }));
    const plain = resolveSettings(parseArgs(["img"]), c, {}, false);
    expect(plain.color).toEqual({ color: true, why: `color (${OWN}:1) always` });
    expect(plain.mouse).toEqual({ value: false, origin: `${OWN}:2` });
    expect(plain.source).toBe("podman");
    const flags = resolveSettings(parseArgs(["--no-color", "--source", "docker", "img"]), c, {}, true);
    expect(flags.color.color).toBe(false);
    expect(flags.source).toBe("docker");
  });

  test("a key clash in the config file is a UserError naming its line", () => {
    const c = loadConfig(fake({ [OWN]: "keys:\n  help: [q]\n  filter: [zz]" }));
    expect(() => resolveSettings(parseArgs(["img"]), c, {}, true)).toThrow(
      new RegExp(`${OWN}:2: q for help is already bound to quit \\(rebind that too\\) \\(and 1 more\\)`),
    );
  });

  test("layerview config prints each value and where it came from", () => {
    const c = loadConfig(fake({ [OWN]: "view:\n  sort: size\nkeys:\n  filter: [f]" }));
    const text = renderConfig(c, resolveSettings(parseArgs(["config"]), c, { NO_COLOR: "1" }, true));
    expect(text).toContain(`config file      ${OWN}\n`);
    expect(text).toMatch(new RegExp(`view\\.sort\\s+size\\s+${OWN}:2`));
    expect(text).toMatch(new RegExp(`filter\\s+f\\s+${OWN}:4`));
    expect(text).toMatch(/→ no colours\s+\(NO_COLOR is set\)/);
    expect(text).toMatch(/quit\s+q Ctrl\+C\s+default/);
  });
});

describe("colour", () => {
  test("the choice, then NO_COLOR, then FORCE_COLOR, then whether it is a terminal", () => {
    expect(decideColor("always", { NO_COLOR: "1" }, false).color).toBe(true);
    expect(decideColor("never", { FORCE_COLOR: "1" }, true).color).toBe(false);
    expect(decideColor("auto", { NO_COLOR: "1", FORCE_COLOR: "1" }, true).color).toBe(false);
    expect(decideColor("auto", { NO_COLOR: "" }, true).color).toBe(true);
    expect(decideColor(undefined, { FORCE_COLOR: "1" }, false).color).toBe(true);
    expect(decideColor(undefined, { FORCE_COLOR: "0" }, true).color).toBe(false);
    expect(decideColor(undefined, {}, false).color).toBe(false);
    expect(decideColor(undefined, { TERM: "dumb" }, true).color).toBe(false);
    expect(decideColor(undefined, {}, true)).toEqual({ color: true, why: "the output is a terminal" });
  });
});
