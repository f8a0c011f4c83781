import { Readable } from "node:stream";
import { UserError } from "../../src/model/diagnostics.js";
import { ENTRY_TYPE_NAMES, type EntryType, type LayerContents } from "../../src/model/layer-contents.js";
import type { PathTable } from "../../src/model/path-table.js";
import type { ImageData } from "../../src/sources/types.js";

/** One layer's entries as "path type size [-> link]" lines, sorted, whiteouts and opaque dirs included. */
export function describeLayer(c: LayerContents, paths: PathTable): string[] {
  const lines: string[] = [];
  for (let i = 0; i < c.count; i++) {
    const type = ENTRY_TYPE_NAMES[c.type[i] as EntryType];
    const link = c.links.get(i);
    lines.push(`${paths.path(c.node[i]!)} ${type} ${c.size[i]}${link !== undefined ? ` -> ${link}` : ""}`);
  }
  for (const n of c.whiteouts) lines.push(`${paths.path(n)} whiteout`);
  for (const n of c.opaqueDirs) lines.push(`${paths.path(n)} opaque`);
  return lines.sort();
}

export function describeImage(d: ImageData): Array<string[] | string> {
  return d.readLayers.map((l) => (l.contents ? describeLayer(l.contents, d.paths) : `error: ${l.error}`));
}

/** A one-pass stream over bytes, delivered in chunks of `chunk` bytes (stdin-like). */
export function streamOf(bytes: Buffer, chunk = 64 * 1024): Readable {
  let pos = 0;
  return new Readable({
    read() {
      if (pos >= bytes.length) {
        this.push(null);
        return;
      }
      this.push(bytes.subarray(pos, pos + chunk));
      pos += chunk;
    },
  });
}

/** Await a rejection and return it as a UserError (fails the test if it is anything else). */
export async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UserError) return e;
    throw new Error(`expected a UserError, got: ${(e as Error)?.stack ?? String(e)}`);
  }
  throw new Error("expected a UserError, but the promise resolved");
}
