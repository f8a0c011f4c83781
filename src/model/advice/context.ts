/** What every finding builder shares: how a layer and its instruction are named, severities, path lists. */
import type { ImageModel } from "../image-model.js";
import type { AdviceOptions, Severity } from "./finding.js";
import { DEFAULT_MEDIUM_BYTES } from "./finding.js";

/** Paths (or keys) handled between two pauses of `adviseSteps`: a few milliseconds of work. */
export const STEP_WORK = 16_384;

/** The paths a finding lists, most bytes first, and how many there are in all. */
export interface ListedPaths {
  nodes: number[];
  paths: string[];
  pathCount: number;
}

export interface FindingContext {
  model: ImageModel;
  maxPaths: number;
  /** "layer 3 (RUN apt-get install …)", or "layer 3" when it has no instruction. */
  layerText(L: number): string;
  /** A layer's instruction as written, or null. */
  instructionOf(L: number | null): string | null;
  sizeSeverity(bytes: number): Severity;
  /** The largest `maxPaths` of node → bytes, as paths. */
  listPaths(byNode: ReadonlyMap<number, number>): ListedPaths;
}

export function findingContext(model: ImageModel, opts: AdviceOptions): FindingContext {
  const mediumBytes = opts.mediumBytes ?? DEFAULT_MEDIUM_BYTES;
  const maxPaths = Math.max(1, opts.maxPaths ?? 20);
  const paths = model.paths;
  return {
    model,
    maxPaths,
    layerText: (L) => {
      const l = model.layers[L];
      if (!l) return `layer ${L}`;
      const text = l.instruction.text.replace(/\s+/g, " ").trim();
      return text === "" ? `layer ${L}` : `layer ${L} (${clip(text, 80)})`;
    },
    instructionOf: (L) => {
      if (L === null) return null;
      const text = model.layers[L]?.instruction.text ?? "";
      return text === "" ? null : text;
    },
    sizeSeverity: (bytes) => (bytes >= mediumBytes ? "medium" : "low"),
    listPaths: (byNode) => {
      // Groups can hold 100,000 paths: keep the largest few in one pass (bytes, then node id, as a
      // sort of them all would), then order those by path too.
      const top: [number, number][] = [];
      const before = (a: [number, number], b: [number, number]) => b[1] - a[1] || a[0] - b[0];
      for (const e of byNode) {
        if (top.length === maxPaths && before(e, top[top.length - 1]!) >= 0) continue;
        let i = top.length;
        while (i > 0 && before(e, top[i - 1]!) < 0) i--;
        top.splice(i, 0, e);
        if (top.length > maxPaths) top.pop();
      }
      const shown = top
        .map(([n, bytes]) => ({ n, bytes, path: paths.path(n) }))
        .sort((a, b) => b.bytes - a.bytes || cmp(a.path, b.path));
      return { nodes: shown.map((x) => x.n), paths: shown.map((x) => x.path), pathCount: byNode.size };
    },
  };
}

export function describePaths(listed: { paths: string[]; pathCount: number }): string {
  const shown = listed.paths.slice(0, 3).join(", ");
  return listed.pathCount > 3 ? `${shown} and ${listed.pathCount - 3} more` : shown;
}

export function sorted(s: Iterable<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

export function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function clip(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, width - 1)}…`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
