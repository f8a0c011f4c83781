import { NodeStatus } from "../../model/image-model.js";
import { type Binding, KEYMAP, keyLabel, SECTIONS } from "../keymap/keymap.js";
import { padEnd, wrap } from "../render/text.js";
import { HIDDEN_LATER, type Line, paintLine, STYLES, statusLook } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import { titleLine } from "./pane.js";

const KEYS_WIDTH = 16;

/** Help generated from the keymap, section by section, then the markers' legend; descriptions wrap to `width`. */
export function helpSections(width: number, keymap: readonly Binding[] = KEYMAP): Line[][] {
  const blocks: Line[][] = [];
  const room = Math.max(10, width - KEYS_WIDTH - 1);
  for (const section of SECTIONS) {
    const block: Line[] = [[{ text: section, style: STYLES.title }]];
    for (const b of keymap.filter((x) => x.section === section)) {
      wrap(b.description, room).forEach((text, i) => {
        const keys = i === 0 ? `  ${b.keys.map(keyLabel).join(" ")}` : "";
        block.push([{ text: padEnd(keys, KEYS_WIDTH), style: STYLES.key }, { text: ` ${text}` }]);
      });
    }
    block.push([]);
    blocks.push(block);
  }
  const legend: Line[] = [[{ text: "Markers", style: STYLES.title }]];
  for (const st of [NodeStatus.Added, NodeStatus.Modified, NodeStatus.Removed, NodeStatus.Same]) {
    const look = statusLook(st);
    legend.push([{ text: `  ${look.marker}  `, style: look.style }, { text: look.label }]);
  }
  legend.push([
    { text: `  ${HIDDEN_LATER.marker}L7`, style: HIDDEN_LATER.style },
    { text: " this version is overwritten or deleted by layer 7" },
  ]);
  legend.push([]);
  blocks.push(legend);
  return blocks;
}

export function helpLines(s: ExplorerState, color: boolean): string[] {
  const w = s.columns;
  const h = s.rows;
  const twoColumns = w >= 100;
  const blocks = helpSections(twoColumns ? Math.floor((w - 1) / 2) : w, s.keymap);
  let body: string[];
  if (twoColumns) {
    const colW = Math.floor((w - 1) / 2);
    const total = blocks.reduce((n, b) => n + b.length, 0);
    const left: Line[] = [];
    const right: Line[] = [];
    let toRight = false;
    for (const b of blocks) {
      if (!toRight && left.length > 0 && left.length + b.length > Math.ceil(total / 2)) toRight = true;
      (toRight ? right : left).push(...b);
    }
    body = [];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      body.push(`${paintLine(left[i] ?? [], colW, color)} ${paintLine(right[i] ?? [], w - colW - 1, color)}`);
    }
  } else {
    body = blocks.flat().map((l) => paintLine(l, w, color));
  }
  const room = h - 2;
  const top = Math.max(0, Math.min(s.helpTop, body.length - room));
  const more =
    body.length > room ? `↑↓ scroll · ${top + 1}–${Math.min(body.length, top + room)} of ${body.length}` : "";
  const lines = [titleLine("Keys", `Esc or ? closes${more ? ` · ${more}` : ""}`, w, true, color)];
  lines.push(...body.slice(top, top + room));
  return lines;
}
