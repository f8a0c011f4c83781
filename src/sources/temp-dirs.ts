/**
 * Temporary directories of this process (spooled blobs, `cat` copies), named with its pid so that
 * they can be removed on any exit, a signal's included, without a list kept anywhere.
 */
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The mkdtemp prefix for a temporary directory of this process. */
export function tempDirPrefix(kind: "spool" | "cat"): string {
  return join(tmpdir(), `layerview-${kind}-${process.pid}-`);
}

/** Remove every temporary directory this process made and has not removed (synchronous: for 'exit'). */
export function removeOwnTempDirs(): void {
  const mark = `-${process.pid}-`;
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith("layerview-") && name.includes(mark)) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}
