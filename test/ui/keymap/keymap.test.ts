import { existsSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { NO_KEY } from "../../../src/ui/keymap/key-flags.js";
import {
  Command,
  commandForKey,
  KEYMAP,
  keyLabel,
  keySpecOf,
  validateKeymap,
} from "../../../src/ui/keymap/keymap.js";
import {
  extractKeyTableBlock,
  renderKeyTable,
  renderKeyTableBlock,
} from "../../../src/ui/keymap/keymap-table.js";

const key = (over: Record<string, boolean>) => ({ ...NO_KEY, ...over });

describe("keymap", () => {
  test("every command has keys and a description; no key is bound twice", () => {
    expect(validateKeymap()).toEqual([]);
    for (const c of Object.values(Command)) {
      const b = KEYMAP.find((x) => x.command === c);
      expect(b, c).toBeDefined();
      expect(b!.keys.length).toBeGreaterThan(0);
      expect(b!.description.length).toBeGreaterThan(1);
    }
  });

  test("Ctrl+M, Ctrl+I and Ctrl+H are never bound (they are Enter, Tab and Backspace)", () => {
    const labels = KEYMAP.flatMap((b) => b.keys.map(keyLabel));
    for (const k of ["Ctrl+M", "Ctrl+I", "Ctrl+H"]) expect(labels).not.toContain(k);
    expect(
      validateKeymap([
        {
          command: Command.Quit,
          keys: [{ name: "char", char: "m", ctrl: true }],
          description: "x",
          section: "General",
        },
      ]),
    ).toHaveLength(1);
  });

  test("dive-familiar defaults", () => {
    const c = (input: string, k: Record<string, boolean> = {}) => commandForKey(keySpecOf(input, key(k))!);
    expect(c("", { tab: true })).toBe(Command.NextPane);
    expect(c("", { tab: true, shift: true })).toBe(Command.NextPane);
    expect(c("", { upArrow: true })).toBe(Command.Up);
    expect(c("k")).toBe(Command.Up);
    expect(c("j")).toBe(Command.Down);
    expect(c("", { pageDown: true })).toBe(Command.PageDown);
    expect(c("", { home: true })).toBe(Command.First);
    expect(c("", { end: true })).toBe(Command.Last);
    expect(c("", { leftArrow: true })).toBe(Command.Collapse);
    expect(c("", { rightArrow: true })).toBe(Command.Expand);
    expect(c(" ")).toBe(Command.ToggleDir);
    expect(c("", { return: true })).toBe(Command.ToggleDir);
    expect(c("/")).toBe(Command.Filter);
    expect(c("f", { ctrl: true })).toBe(Command.Filter);
    expect(c("", { escape: true, meta: true })).toBe(Command.Clear);
    expect(c("q")).toBe(Command.Quit);
    expect(c("c", { ctrl: true })).toBe(Command.Quit);
    expect(c("?")).toBe(Command.Help);
    expect(c("a", { ctrl: true })).toBe(Command.HideAdded);
    expect(c("b", { ctrl: true })).toBe(Command.ToggleAttributes);
    expect(c("L", { shift: true })).toBe(Command.JumpLargest);
    expect(c("l")).toBe(Command.Expand);
    expect(c("x")).toBe(Command.CompareMark);
    expect(c("A", { shift: true })).toBe(Command.Advice);
    expect(c("v")).toBe(Command.ViewFile);
    expect(c("z")).toBeNull();
  });

  test("the table lists every binding, grouped by section", () => {
    const table = renderKeyTable();
    for (const b of KEYMAP) expect(table).toContain(b.description.replace(/\|/g, "\\|"));
    expect(table.split("\n")[0]).toBe("| Keys | Action |");
    expect(table).toContain("| `q` `Ctrl+C` | Quit |");
    expect(table).toContain("| **File tree** | |");
  });

  test("README.md holds the key table generated from the keymap", () => {
    const readme = new URL("../../../README.md", import.meta.url);
    const hint = "paste the output of `npm run build && node dist/ui/keymap/keymap-table.js` into README.md";
    expect(existsSync(readme), `README.md is missing: ${hint}`).toBe(true);
    const block = extractKeyTableBlock(readFileSync(readme, "utf8"));
    expect(block, `README.md has no key table markers: ${hint}`).not.toBeNull();
    expect(block, `README.md's key table is out of date: ${hint}`).toBe(renderKeyTableBlock());
  });
});
