/**
 * Writes a value as `JSON.stringify(value, null, 2)` would, in pieces, so a report with hundreds
 * of thousands of paths never exists as one giant string. Honours backpressure.
 *
 * Runs of small array items (and object members) are given to JSON.stringify together, a few
 * thousand values at a time, and only what is larger is walked here: walking every value, with a
 * promise per piece of text, took ~0.4 s of the 1M-entry report (bench/speed.js) that this does
 * in a few tens of milliseconds.
 */

/** Pieces of text handed to the stream at about this size. */
const CHUNK = 1 << 16;
/** Values (and 64-character runs of string) stringified in one native call at most. */
const PIECE_VALUES = 4096;

interface Out {
  buf: string;
}

export async function writeJson(value: unknown, out: NodeJS.WritableStream): Promise<void> {
  const w: Out = { buf: "" };
  const write = async () => {
    const chunk = w.buf;
    w.buf = "";
    if (chunk !== "" && !out.write(chunk)) {
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
  };
  for (const _ of walk(value, "", w)) await write();
  w.buf += "\n";
  await write();
}

/** Dropped from objects, `null` in arrays: what JSON.stringify leaves out. */
const skipped = (x: unknown) => x === undefined || typeof x === "function" || typeof x === "symbol";

const walked = (v: unknown): v is object =>
  v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON !== "function";

/** Counts `v` against `budget` (values, and long strings by length); false once it is spent. */
function fits(v: unknown, budget: { left: number }): boolean {
  budget.left -= typeof v === "string" ? 1 + (v.length >> 6) : 1;
  if (budget.left < 0) return false;
  if (!walked(v)) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!fits(v[i], budget)) return false;
    return true;
  }
  for (const k of Object.keys(v)) if (!fits((v as Record<string, unknown>)[k], budget)) return false;
  return true;
}

/** JSON.stringify(v, null, 2) with every line after the first indented by `indent`. */
function native(v: unknown, indent: string): string {
  const s = JSON.stringify(v, null, 2) ?? "null";
  return indent === "" ? s : s.replace(/\n/g, `\n${indent}`);
}

/** The members of a stringified array or object ("[\n  a,\n  b\n]" → "  a,\n  b"), indented by `indent`. */
function inside(s: string, indent: string): string {
  const body = s.slice(2, -2);
  return indent === "" ? body : `${indent}${body.replace(/\n/g, `\n${indent}`)}`;
}

/** Appends `v` to `w.buf`; yields whenever a chunk is ready to be written. */
function* walk(v: unknown, indent: string, w: Out): Generator<void, void, void> {
  if (!walked(v) || fits(v, { left: PIECE_VALUES })) {
    w.buf += native(v, indent);
    if (w.buf.length >= CHUNK) yield;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    w.buf += "[\n";
    yield* members(
      v,
      (i, j) => v.slice(i, j),
      () => inner,
      indent,
      w,
    );
    w.buf += `\n${indent}]`;
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => !skipped(x));
  w.buf += "{\n";
  yield* members(
    entries.map(([, x]) => x),
    (i, j) => Object.fromEntries(entries.slice(i, j)),
    (i) => `${inner}${JSON.stringify(entries[i]![0])}: `,
    indent,
    w,
  );
  w.buf += `\n${indent}}`;
}

/**
 * The members of an array or object, `values` in order: runs that fit PIECE_VALUES stringified at
 * once (`run(i, j)`: members i to j as an array or object of their own), any larger one walked after
 * its `lead` (indent, and the key for an object member).
 */
function* members(
  values: readonly unknown[],
  run: (i: number, j: number) => unknown,
  lead: (i: number) => string,
  indent: string,
  w: Out,
): Generator<void, void, void> {
  let i = 0;
  while (i < values.length) {
    if (i > 0) w.buf += ",\n";
    const budget = { left: PIECE_VALUES };
    let j = i;
    while (j < values.length && fits(values[j], budget)) j++;
    if (j > i) {
      w.buf += inside(JSON.stringify(run(i, j), null, 2), indent);
      i = j;
    } else {
      w.buf += lead(i);
      yield* walk(values[i], `${indent}  `, w);
      i++;
    }
    if (w.buf.length >= CHUNK) yield;
  }
}
