import { UserError } from "../../model/diagnostics.js";
import { formatBytes } from "../../model/format-bytes.js";
import { LayerIndexCache, type LayerIndexCacheOptions } from "../../sources/layer-index-cache.js";
import { EXIT } from "../io.js";

export type CacheAction = "show" | "clear" | "path";

/** The part of CliIo this command writes to (a fake in tests). */
export interface CacheIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** `layerview cache [show|clear|path]`: the layer index cache's directory, size, and how to empty it. */
export async function runCache(
  action: CacheAction,
  io: CacheIo,
  opts: LayerIndexCacheOptions = {},
): Promise<number> {
  const cache = LayerIndexCache.open(opts);
  try {
    switch (action) {
      case "path":
        io.stdout.write(`${cache.dir}\n`);
        return EXIT.ok;
      case "show": {
        const s = await cache.stats();
        io.stdout.write(`directory: ${s.dir}\n`);
        io.stdout.write(`entries:   ${s.entries}\n`);
        io.stdout.write(`size:      ${sized(s.bytes)}\n`);
        io.stdout.write(`limit:     ${sized(s.maxBytes)}\n`);
        return EXIT.ok;
      }
      case "clear": {
        const r = await cache.clear();
        io.stdout.write(
          r.removed === 0
            ? `the layer cache in ${cache.dir} was already empty\n`
            : `removed ${r.removed} cached layer ${r.removed === 1 ? "index" : "indexes"}, ${sized(r.bytes)}, from ${cache.dir}\n`,
        );
        return EXIT.ok;
      }
    }
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    io.stderr.write(`layerview: ${e.message}${e.hint ? ` — ${e.hint}` : ""}\n`);
    return EXIT.failed;
  }
}

// Exact bytes too: the rounded figure alone cannot tell whether the limit was reached.
function sized(bytes: number): string {
  return bytes < 1000 ? formatBytes(bytes) : `${formatBytes(bytes)} (${bytes} bytes)`;
}
