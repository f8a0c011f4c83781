/**
 * The image config's one boundary: whatever JSON an archive, a registry or a daemon gave is decoded
 * here, once, into the RawImageConfig the model reads. Fields are taken only with the type engines
 * write; `null` and missing fields (Docker writes `"Env": null`, many images have no history) are
 * tolerated silently; any other type is left out with one warning naming the field. Nothing of
 * unknown shape is copied through, so no depth or size from the input reaches the reports.
 */
import { UserError } from "../model/diagnostics.js";
import type { RawHistoryEntry, RawImageConfig } from "./types.js";

/** More history entries than this is refused: no builder writes them, and each becomes a row. */
export const MAX_HISTORY_ENTRIES = 100_000;
/**
 * More layers than this is refused, by every reader (archive manifests, registry manifests, configs,
 * daemons): real builders stop at 127 (overlayfs), and the model's layer index is 16 bits wide.
 */
export const MAX_IMAGE_LAYERS = 10_000;
const MAX_DIFF_IDS = MAX_IMAGE_LAYERS;
/** Env, Cmd, Entrypoint, Labels, ExposedPorts: more items than this is refused. */
export const MAX_CONFIG_ITEMS = 100_000;
/** Warnings about one config beyond this many are counted, not listed. */
const MAX_WARNINGS = 5;

export interface DecodedConfig {
  config: RawImageConfig;
  /** One line per field left out, at most MAX_WARNINGS and then a count. */
  warnings: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v === "number" ? "a number" : typeof v === "boolean" ? "a boolean" : `a ${typeof v}`;
}

/**
 * Decode `value` (parsed JSON of the config named `where`, e.g. "/x.tar: blobs/sha256/ab…"). Throws
 * UserError when it is not an object or holds more items than the limits allow.
 */
export function decodeImageConfig(value: unknown, where: string): DecodedConfig {
  if (!isObject(value)) {
    throw new UserError(
      `${where} is not an image config (it is ${typeName(value)}, not a JSON object)`,
      "the image is damaged; save or push it again",
    );
  }
  const problems: string[] = [];
  let dropped = 0;
  const wrong = (field: string, v: unknown, want: string) => {
    if (problems.length < MAX_WARNINGS) problems.push(`${field} is ${typeName(v)}, not ${want}; left out`);
    else dropped++;
  };
  const tooMany = (field: string, n: number, max: number) =>
    new UserError(
      `${where}: ${field} has ${n} items, more than layerview reads (${max})`,
      "the image config is damaged or not from a real build",
    );
  const str = (field: string, v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    wrong(field, v, "a string");
    return undefined;
  };
  const strList = (field: string, v: unknown): string[] | null | undefined => {
    if (v === undefined) return undefined;
    if (v === null) return null;
    // A lone string where a list belongs (Cmd written by hand): the list of that one string.
    if (typeof v === "string") return [v];
    if (!Array.isArray(v)) {
      wrong(field, v, "a list of strings");
      return undefined;
    }
    if (v.length > MAX_CONFIG_ITEMS) throw tooMany(field, v.length, MAX_CONFIG_ITEMS);
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x === "string") out.push(x);
      else wrong(`${field}[${i}]`, x, "a string");
    });
    return out;
  };
  const record = <T>(field: string, v: unknown, each: (k: string, x: unknown) => T | undefined) => {
    if (v === undefined) return undefined;
    if (v === null) return null;
    if (!isObject(v)) {
      wrong(field, v, "an object");
      return undefined;
    }
    const keys = Object.keys(v);
    if (keys.length > MAX_CONFIG_ITEMS) throw tooMany(field, keys.length, MAX_CONFIG_ITEMS);
    const out: Record<string, T> = {};
    for (const k of keys) {
      const x = each(k, v[k]);
      if (x !== undefined) out[k] = x;
    }
    return out;
  };

  const config: RawImageConfig = {};
  for (const k of ["architecture", "os", "variant", "created", "author"] as const) {
    const s = str(k, value[k]);
    if (s !== undefined) config[k] = s;
  }

  const c = value.config ?? value.container_config;
  if (isObject(c)) {
    const out: NonNullable<RawImageConfig["config"]> = {};
    for (const k of ["Env", "Cmd", "Entrypoint"] as const) {
      const l = strList(`config.${k}`, c[k]);
      if (l !== undefined) out[k] = l;
    }
    for (const k of ["WorkingDir", "User"] as const) {
      const s = str(`config.${k}`, c[k]);
      if (s !== undefined) out[k] = s;
    }
    // Ports map to empty objects in every engine's output; their values carry nothing.
    const ports = record("config.ExposedPorts", c.ExposedPorts, () => ({}));
    if (ports !== undefined) out.ExposedPorts = ports;
    const labels = record("config.Labels", c.Labels, (k, x) => {
      if (typeof x === "string") return x;
      wrong(`config.Labels[${JSON.stringify(k.slice(0, 60))}]`, x, "a string");
      return undefined;
    });
    if (labels !== undefined) out.Labels = labels;
    config.config = out;
  } else if (c !== undefined && c !== null) {
    wrong("config", c, "an object");
  }

  const rootfs = value.rootfs;
  if (isObject(rootfs)) {
    const ids = rootfs.diff_ids;
    const out: NonNullable<RawImageConfig["rootfs"]> = {};
    const type = str("rootfs.type", rootfs.type);
    if (type !== undefined) out.type = type;
    if (Array.isArray(ids)) {
      if (ids.length > MAX_DIFF_IDS) throw tooMany("rootfs.diff_ids", ids.length, MAX_DIFF_IDS);
      // Positions matter (DiffID i is layer i): a bad one stays as a hole, not a shift.
      out.diff_ids = ids.map((x, i) => {
        if (typeof x === "string") return x;
        wrong(`rootfs.diff_ids[${i}]`, x, "a string");
        return null;
      });
    } else if (ids !== undefined && ids !== null) wrong("rootfs.diff_ids", ids, "a list");
    config.rootfs = out;
  } else if (rootfs !== undefined && rootfs !== null) {
    wrong("rootfs", rootfs, "an object");
  }

  const history = value.history;
  if (Array.isArray(history)) {
    if (history.length > MAX_HISTORY_ENTRIES) throw tooMany("history", history.length, MAX_HISTORY_ENTRIES);
    config.history = history.map((h, i) => decodeHistoryEntry(h, `history[${i}]`, str, wrong));
  } else if (history !== undefined && history !== null) {
    wrong("history", history, "a list");
  }

  if (dropped > 0) problems.push(`and ${dropped} more field${dropped === 1 ? "" : "s"} of the wrong type`);
  return { config, warnings: problems.map((p) => `${where}: ${p}`) };
}

function decodeHistoryEntry(
  h: unknown,
  field: string,
  str: (field: string, v: unknown) => string | undefined,
  wrong: (field: string, v: unknown, want: string) => void,
): RawHistoryEntry {
  const out: RawHistoryEntry = {};
  if (!isObject(h)) {
    // Kept as an entry with nothing known, so the entries after it still line up with their layers.
    wrong(field, h, "an object");
    return out;
  }
  for (const k of ["created", "created_by", "author", "comment"] as const) {
    const s = str(`${field}.${k}`, h[k]);
    if (s !== undefined) out[k] = s;
  }
  const empty = h.empty_layer;
  if (empty === true) out.empty_layer = true;
  else if (empty !== undefined && empty !== null && empty !== false)
    wrong(`${field}.empty_layer`, empty, "a boolean");
  return out;
}
