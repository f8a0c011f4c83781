/**
 * Which bottom layers came from the base image, and how that was decided: exactly (the base's own
 * DiffIDs, `--base`), from metadata the build left (podman/buildah's `FROM` history comments, OCI
 * base annotations and labels), or by a heuristic on the history's shape — always said which.
 */
import type { HistoryItem } from "./history.js";

export type BaseMethod = "exact" | "metadata" | "heuristic";

export interface BaseImage {
  /** Bottom layers that came from the base image; null when the base is named but its layers are not known. */
  layerCount: number | null;
  method: BaseMethod;
  /** One line saying how it was decided. */
  reason: string;
  /** The base image's name, when known (from `--base`, an annotation, a label or the history). */
  name: string | null;
  /** The base image's manifest digest, when an annotation says it. */
  digest: string | null;
}

/** What a source found on the manifest or the index entry that points at it (org.opencontainers.image.base.*). */
export interface BaseAnnotations {
  name: string | null;
  digest: string | null;
  from: "manifest" | "index";
}

/** The base image read for `--base`: its name as given and its DiffIDs, bottom first. */
export interface ExactBase {
  name: string;
  diffIds: readonly (string | null)[];
}

export interface BaseInput {
  /** The image's DiffIDs, bottom first (null where unknown). */
  diffIds: readonly (string | null)[];
  /** The aligned history (each item with the layer it made, or null). */
  history: readonly HistoryItem[];
  /** The config's Labels, as found (untrusted). */
  labels?: unknown;
  annotations?: BaseAnnotations | null;
  exact?: ExactBase | null;
}

export const BASE_NAME_KEY = "org.opencontainers.image.base.name";
export const BASE_DIGEST_KEY = "org.opencontainers.image.base.digest";

/** A time jump between two history entries that counts as the base image's end (heuristic). */
export const CREATED_JUMP_MS = 60 * 60 * 1000;
const MAX_NAME = 512;

export function decideBase(input: BaseInput): BaseImage | null {
  if (input.exact) return exactBase(input.diffIds, input.exact);
  const named = namedBase(input);
  const fromHistory = fromCommentMark(input.history, input.diffIds.length, named?.name ?? null);
  if (fromHistory !== null) {
    return {
      layerCount: fromHistory.layerCount,
      method: "metadata",
      reason: `the history's "FROM ${fromHistory.name}" comment (podman/buildah) marks where this build starts${named ? `; ${named.where} names the base` : ""}`,
      name: named?.name ?? fromHistory.name,
      digest: named?.digest ?? null,
    };
  }
  const guess = fromHistoryShape(input.history, input.diffIds.length);
  if (guess !== null) {
    return {
      layerCount: guess.layerCount,
      method: "heuristic",
      reason: `a guess from the history's shape: ${guess.reason}${named ? `; ${named.where} names the base` : ""}`,
      name: named?.name ?? null,
      digest: named?.digest ?? null,
    };
  }
  if (named !== null) {
    return {
      layerCount: null,
      method: "metadata",
      reason: `${named.where} names the base, but nothing says which layers are its (give --base ${named.name ?? "IMAGE"} to know)`,
      name: named.name,
      digest: named.digest,
    };
  }
  return null;
}

/** The longest common run of DiffIDs from the bottom. */
export function commonBottomLayers(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] !== null && a[n] === b[n]) n++;
  return n;
}

function exactBase(diffIds: readonly (string | null)[], base: ExactBase): BaseImage {
  const n = commonBottomLayers(diffIds, base.diffIds);
  const total = base.diffIds.length;
  let reason: string;
  if (n === 0) {
    reason = `the image shares no bottom layer with ${base.name} (built from another base, or another version of it)`;
  } else if (n < total) {
    reason = `${bottom(n)} ${base.name}'s DiffIDs, of its ${total} (built from another version of it?)`;
  } else {
    reason = `${bottom(n)} ${base.name}'s DiffIDs`;
  }
  return { layerCount: n, method: "exact", reason, name: base.name, digest: null };
}

function namedBase(input: BaseInput): { name: string | null; digest: string | null; where: string } | null {
  const a = input.annotations;
  if (a && (a.name !== null || a.digest !== null)) {
    return { name: a.name, digest: a.digest, where: `the ${a.from}'s ${BASE_NAME_KEY} annotation` };
  }
  const labels = input.labels;
  if (typeof labels !== "object" || labels === null) return null;
  const record = labels as Record<string, unknown>;
  const name = cleanValue(record[BASE_NAME_KEY]);
  const digest = cleanValue(record[BASE_DIGEST_KEY]);
  if (name === null && digest === null) return null;
  // Labels are inherited: one the base image set itself names the base's own base.
  return { name, digest, where: `the config's ${BASE_NAME_KEY} label (labels are inherited)` };
}

function cleanValue(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = v.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (t === "" || t.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(t)) return null;
  return t;
}

/** The number of layers made before history item `i` (layers without history count as below it). */
function layersBefore(history: readonly HistoryItem[], i: number, layerCount: number): number {
  for (let j = i; j < history.length; j++) {
    const layer = history[j]!.layerIndex;
    if (layer !== null) return layer;
  }
  return layerCount;
}

const FROM_COMMENT = /^FROM (\S+)$/;
const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

/**
 * buildah comments every entry it writes with `FROM <what it built on>`: the image's name on the
 * first step of a build, the previous step's image ID on the next ones. The topmost name marks the
 * immediate base (the annotation's name, when one says it and the history has it).
 */
function fromCommentMark(
  history: readonly HistoryItem[],
  layerCount: number,
  wanted: string | null,
): { layerCount: number; name: string } | null {
  let best: { index: number; name: string } | null = null;
  for (let i = history.length - 1; i >= 0; i--) {
    const m = FROM_COMMENT.exec(history[i]!.comment?.trim() ?? "");
    if (!m || IMAGE_ID.test(m[1]!)) continue;
    if (wanted !== null && m[1] === wanted) {
      best = { index: i, name: m[1]! };
      break;
    }
    best ??= { index: i, name: m[1]! };
  }
  if (best === null) return null;
  const n = layersBefore(history, best.index, layerCount);
  return n > 0 ? { layerCount: n, name: best.name } : null;
}

function isClosingConfig(h: HistoryItem): boolean {
  return h.emptyLayer && /^(CMD|ENTRYPOINT)\b/.test(h.instruction.text);
}

function dialectOf(h: HistoryItem): "buildkit" | "classic" | "other" {
  if (h.comment === "buildkit.dockerfile.v0" || /\s# buildkit$/.test(h.createdBy)) return "buildkit";
  if (/#\(nop\)|^\/bin\/sh -c |^\|\d+ /.test(h.createdBy)) return "classic";
  return "other";
}

/**
 * A guess, never a fact: the base image ends with its own CMD/ENTRYPOINT before this build adds
 * layers; failing that, the builder's dialect changes (classic ↔ BuildKit); failing that, a jump
 * of an hour or more in the entries' created times.
 */
export function fromHistoryShape(
  history: readonly HistoryItem[],
  layerCount: number,
): { layerCount: number; reason: string } | null {
  const jump = createdJump(history, layerCount);
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!;
    if (!isClosingConfig(h)) continue;
    const n = layersBefore(history, i + 1, layerCount);
    if (n <= 0 || n >= layerCount || !madeLayerAfter(history, i)) continue;
    const agree =
      jump !== null && jump.layerCount === n ? ` (the created times jump ${jump.gap} there too)` : "";
    return {
      layerCount: n,
      reason: `the base image's closing ${h.instruction.text.split(" ")[0]} (history entry ${i}) comes before layer ${n}${agree}`,
    };
  }
  for (let i = history.length - 1; i > 0; i--) {
    const a = dialectOf(history[i - 1]!);
    const b = dialectOf(history[i]!);
    if (a === b || a === "other" || b === "other") continue;
    const n = layersBefore(history, i, layerCount);
    if (n <= 0 || n >= layerCount || !madeLayerAfter(history, i - 1)) continue;
    return {
      layerCount: n,
      reason: `the history changes from ${a === "buildkit" ? "BuildKit" : "classic builder"} to ${b === "buildkit" ? "BuildKit" : "classic builder"} entries at layer ${n}`,
    };
  }
  if (jump !== null) {
    return {
      layerCount: jump.layerCount,
      reason: `the created times jump ${jump.gap} before layer ${jump.layerCount}`,
    };
  }
  return null;
}

function madeLayerAfter(history: readonly HistoryItem[], i: number): boolean {
  for (let j = i + 1; j < history.length; j++) if (history[j]!.layerIndex !== null) return true;
  return false;
}

/** The topmost gap of CREATED_JUMP_MS or more between consecutive dated entries, before a layer of this build. */
function createdJump(
  history: readonly HistoryItem[],
  layerCount: number,
): { layerCount: number; gap: string } | null {
  let prev: number | null = null;
  let found: { index: number; gap: number } | null = null;
  for (let i = 0; i < history.length; i++) {
    const t = history[i]!.created === null ? Number.NaN : Date.parse(history[i]!.created!);
    if (!Number.isFinite(t)) continue;
    if (prev !== null && t - prev >= CREATED_JUMP_MS && madeLayerAfter(history, i - 1)) {
      found = { index: i, gap: t - prev };
    }
    prev = t;
  }
  if (found === null) return null;
  const n = layersBefore(history, found.index, layerCount);
  if (n <= 0 || n >= layerCount) return null;
  return { layerCount: n, gap: formatGap(found.gap) };
}

function formatGap(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}

function bottom(n: number): string {
  return n === 1 ? "the bottom layer has" : `the bottom ${n} layers have`;
}
