/**
 * The README key table, generated from the keymap. Print it with
 * `npm run build && node dist/ui/keymap/keymap-table.js`; test/ui/keymap/keymap.test.ts checks README.md holds it.
 */
import { pathToFileURL } from "node:url";
import { type Binding, KEYMAP, keyLabel, SECTIONS } from "./keymap.js";

export const KEY_TABLE_START = "<!-- keymap:start -->";
export const KEY_TABLE_END = "<!-- keymap:end -->";

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

function keysCell(b: Binding): string {
  return b.keys.map((k) => `\`${keyLabel(k)}\``).join(" ");
}

/** The markdown table alone. */
export function renderKeyTable(map: readonly Binding[] = KEYMAP): string {
  const lines = ["| Keys | Action |", "| --- | --- |"];
  for (const section of SECTIONS) {
    const bindings = map.filter((b) => b.section === section);
    if (bindings.length === 0) continue;
    lines.push(`| **${section}** | |`);
    for (const b of bindings) lines.push(`| ${keysCell(b)} | ${cell(b.description)} |`);
  }
  return lines.join("\n");
}

/** The table between its markers, as it should appear in README.md. */
export function renderKeyTableBlock(map: readonly Binding[] = KEYMAP): string {
  return `${KEY_TABLE_START}\n${renderKeyTable(map)}\n${KEY_TABLE_END}`;
}

/** The part of a README between the markers, or null when the markers are missing. */
export function extractKeyTableBlock(readme: string): string | null {
  const a = readme.indexOf(KEY_TABLE_START);
  const b = readme.indexOf(KEY_TABLE_END);
  if (a < 0 || b < a) return null;
  return readme.slice(a, b + KEY_TABLE_END.length);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${renderKeyTableBlock()}\n`);
}
