/** Turning image history into readable instructions, and deciding which history entry made which layer. */

export interface RawHistory {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface Instruction {
  /** The Dockerfile instruction a person would have written, e.g. `RUN apt-get update`. */
  text: string;
  /** Build arguments recorded with a RUN (`|2 A=1 B=2 …`), as KEY=value. */
  buildArgs: string[];
}

const SHELL_PREFIXES = ["/bin/sh -c ", "/bin/bash -c ", "/bin/ash -c ", "cmd /S /C ", "sh -c "];
const KEYWORDS =
  /^(RUN|COPY|ADD|ENV|CMD|ENTRYPOINT|WORKDIR|USER|EXPOSE|LABEL|ARG|VOLUME|STOPSIGNAL|HEALTHCHECK|SHELL|ONBUILD|MAINTAINER)\b/;

/** `|2 A=1 B=2 rest` → args and rest; anything else is returned unchanged. */
function takeBuildArgs(s: string): { args: string[]; rest: string } {
  const m = /^\|(\d+)\s+/.exec(s);
  if (!m) return { args: [], rest: s };
  const n = Number(m[1]);
  let rest = s.slice(m[0].length);
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    const arg = /^([A-Za-z_][A-Za-z0-9_]*=\S*)\s*/.exec(rest);
    if (!arg) break;
    args.push(arg[1]!);
    rest = rest.slice(arg[0].length);
  }
  return { args, rest };
}

function stripShell(s: string): string {
  for (const p of SHELL_PREFIXES) if (s.startsWith(p)) return s.slice(p.length).trim();
  return s;
}

/** Readable instruction from a raw `created_by` in any of the dialects engines write. */
export function parseCreatedBy(raw: string | undefined): Instruction {
  let s = (raw ?? "").trim();
  if (s === "") return { text: "", buildArgs: [] };
  s = s.replace(/\s+# buildkit$/, "");
  let keyword = "";
  const kw = KEYWORDS.exec(s);
  if (kw) {
    keyword = kw[1]!;
    if (keyword !== "RUN") return { text: s, buildArgs: [] };
    s = s.slice(keyword.length).trim();
  }
  const { args, rest } = takeBuildArgs(s);
  s = stripShell(rest);
  const nop = /^#\(nop\)\s*/.exec(s);
  if (nop) {
    const body = s.slice(nop[0].length).trim();
    return { text: KEYWORDS.test(body) ? body : `# ${body}`, buildArgs: args };
  }
  return { text: `RUN ${s}`, buildArgs: args };
}

/** One line for tables: the instruction plus its build args. */
export function formatInstruction(i: Instruction): string {
  if (i.text === "") return "";
  return i.buildArgs.length === 0 ? i.text : `${i.text}  # args: ${i.buildArgs.join(" ")}`;
}

/**
 * For each layer, the index into `history` of the entry that made it, or -1.
 * The i-th non-empty entry belongs to layer i when the counts agree; when they do not,
 * entries are aligned from the top (the newest layers are the ones builders describe),
 * and the bottom layers left over have none.
 */
export function alignHistory(history: readonly RawHistory[], layerCount: number): number[] {
  const nonEmpty: number[] = [];
  history.forEach((h, i) => {
    if (!h.empty_layer) nonEmpty.push(i);
  });
  const offset = layerCount - nonEmpty.length;
  const out: number[] = [];
  for (let layer = 0; layer < layerCount; layer++) {
    const k = layer - offset;
    out.push(k >= 0 ? nonEmpty[k]! : -1);
  }
  return out;
}

/** What a layer that no history entry describes shows as its command. */
export const NO_HISTORY_COMMAND = "(no history entry for this layer)";

/** One entry of the image history, readable, with the layer it made (null for an empty-layer entry). */
export interface HistoryItem {
  createdBy: string;
  created: string | null;
  comment: string | null;
  emptyLayer: boolean;
  layerIndex: number | null;
  instruction: Instruction;
  command: string;
}

/** The history as items, and for each layer the index of its item (or -1): the one alignment of both. */
export interface AlignedHistory {
  items: HistoryItem[];
  layerItem: number[];
}

export function alignedHistory(history: readonly RawHistory[], layerCount: number): AlignedHistory {
  const layerItem = alignHistory(history, layerCount);
  const layerOfItem = new Map<number, number>();
  layerItem.forEach((h, layer) => {
    if (h >= 0) layerOfItem.set(h, layer);
  });
  const items = history.map((h, i) => ({
    createdBy: h.created_by ?? "",
    created: h.created ?? null,
    comment: h.comment ?? null,
    emptyLayer: h.empty_layer === true,
    layerIndex: layerOfItem.get(i) ?? null,
    instruction: parseCreatedBy(h.created_by),
    command: describeHistory(h),
  }));
  return { items, layerItem };
}

/** The line shown for a history entry: its instruction, else its comment (e.g. "Imported from -"). */
export function describeHistory(h: RawHistory): string {
  const text = formatInstruction(parseCreatedBy(h.created_by));
  if (text !== "") return text;
  return h.comment ? `(${h.comment.trim()})` : "";
}

const METADATA_INSTRUCTIONS =
  /^(ENV|CMD|ENTRYPOINT|LABEL|EXPOSE|USER|ARG|STOPSIGNAL|HEALTHCHECK|SHELL|ONBUILD|VOLUME|MAINTAINER|WORKDIR)\b/i;

/** True for history commands that change only the config (no layer): `#(nop) CMD …`, BuildKit `ENV …`. */
export function isMetadataOnly(createdBy: string): boolean {
  const nop = /#\(nop\)\s+(\w+)/.exec(createdBy);
  if (nop !== null) return !/^(ADD|COPY)$/i.test(nop[1]!);
  return METADATA_INSTRUCTIONS.test(createdBy.trim());
}
