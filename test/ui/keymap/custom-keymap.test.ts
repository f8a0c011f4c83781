import { describe, expect, test } from "vitest";
import { addForeignKeys, customKeymap, keyText, parseKeyText } from "../../../src/ui/keymap/custom-keymap.js";
import { commandForKey, KEYMAP, keysLabel } from "../../../src/ui/keymap/keymap.js";

describe("keys as a config file writes them", () => {
  test("characters, named keys, modifiers", () => {
    expect(parseKeyText("q")).toEqual({ name: "char", char: "q" });
    expect(parseKeyText("G")).toEqual({ name: "char", char: "G" });
    expect(parseKeyText("shift+g")).toEqual({ name: "char", char: "G" });
    expect(parseKeyText("ctrl+F")).toEqual({ name: "char", char: "f", ctrl: true });
    expect(parseKeyText("pgdn")).toEqual({ name: "pageDown" });
    expect(parseKeyText("Enter")).toEqual({ name: "return" });
    expect(parseKeyText("shift+tab")).toEqual({ name: "tab", shift: true });
    expect(parseKeyText("+")).toEqual({ name: "char", char: "+" });
    expect(parseKeyText("slash")).toEqual({ name: "char", char: "/" });
  });

  test("keys a terminal cannot send apart are refused, saying why", () => {
    expect(parseKeyText("ctrl+m")).toMatch(/same key as Enter/);
    expect(parseKeyText("ctrl+slash")).toMatch(/only ctrl with a letter/);
    expect(parseKeyText("ctrl+up")).toMatch(/cannot be told apart/);
    expect(parseKeyText("alt+x")).toMatch(/not a modifier/);
    expect(parseKeyText("escape-key")).toMatch(/not a key/);
    expect(parseKeyText("")).toMatch(/empty/);
  });

  test("keyText writes what parseKeyText reads", () => {
    for (const b of KEYMAP) for (const k of b.keys) expect(parseKeyText(keyText(k))).toEqual(k);
  });
});

describe("the user's bindings", () => {
  test("replace an action's keys", () => {
    const { keymap, problems } = customKeymap([
      { action: "filter", keys: ["f", "ctrl+f"], where: "c.yaml:3" },
    ]);
    expect(problems).toEqual([]);
    expect(keysLabel("filter", keymap)).toBe("f, Ctrl+F");
    expect(commandForKey({ name: "char", char: "/" }, keymap)).toBeNull();
    expect(commandForKey({ name: "char", char: "f" }, keymap)).toBe("filter");
  });

  test("an unknown action, a bad key and a clash are problems naming the line", () => {
    const { keymap, problems } = customKeymap([
      { action: "explode", keys: ["x"], where: "c.yaml:2" },
      { action: "filter", keys: ["ctrl+m"], where: "c.yaml:3" },
      { action: "help", keys: ["q"], where: "c.yaml:4" },
    ]);
    expect(keymap).toBe(KEYMAP);
    expect(problems).toEqual([
      { where: "c.yaml:2", message: "'explode' is not an action (layerview config lists the actions)" },
      { where: "c.yaml:3", message: "filter: ctrl+m is the same key as Enter, Tab or Backspace" },
      { where: "c.yaml:4", message: "q for help is already bound to quit (rebind that too)" },
    ]);
  });

  test("a clash is resolved by rebinding the other action too", () => {
    const { problems, keymap } = customKeymap([
      { action: "help", keys: ["q"], where: "c.yaml:4" },
      { action: "quit", keys: ["Q", "ctrl+c"], where: "c.yaml:5" },
    ]);
    expect(problems).toEqual([]);
    expect(commandForKey({ name: "char", char: "q" }, keymap)).toBe("help");
  });

  test("dive's keys are added where they do not clash; the rest are noted", () => {
    const { keymap, notes } = addForeignKeys([
      { action: "quit", keys: ["ctrl+c"], where: "~/.dive.yaml:2" },
      { action: "next-pane", keys: ["tab"], where: "~/.dive.yaml:3" },
      { action: "hide-modified", keys: ["ctrl+m"], where: "~/.dive.yaml:4" },
      { action: "toggle-changes-only", keys: ["ctrl+a"], where: "~/.dive.yaml:5" },
      { action: "filter", keys: ["ctrl+slash", "ctrl+e"], where: "~/.dive.yaml:6" },
    ]);
    expect(keysLabel("quit", keymap)).toBe("q, Ctrl+C");
    expect(keysLabel("filter", keymap)).toBe("/, Ctrl+F, Ctrl+E");
    expect(notes).toEqual([
      "~/.dive.yaml:4: ctrl+m for hide-modified left out: ctrl+m is the same key as Enter, Tab or Backspace",
      "~/.dive.yaml:5: ctrl+a for toggle-changes-only left out: layerview binds Ctrl+A to hide-added",
      "~/.dive.yaml:6: ctrl+slash for filter left out: ctrl+/: only ctrl with a letter reaches layerview",
    ]);
  });
});
