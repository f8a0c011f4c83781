/**
 * SIGINT, SIGTERM and SIGHUP in the commands that print (report, JSON, CI, cat, extract, diff, and
 * the daemon and registry reads under them): the progress line erased, one line saying what was
 * left undone, the process's temporary directories removed, and the conventional status 128+n.
 * (The explorer restores the terminal itself: src/ui/run-explorer.ts.)
 */
import { removeOwnTempDirs } from "../sources/temp-dirs.js";
import type { CliIo } from "./io.js";

export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type Signal = keyof typeof SIGNAL_EXIT;

/**
 * Handle the termination signals until the returned function is called. `undone` says what an
 * interruption leaves incomplete ("the extraction into out/ is incomplete"), or null.
 * `exit` is process.exit except in tests.
 */
export function handleTermination(
  io: Pick<CliIo, "stderr">,
  undone: () => string | null,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const handlers = new Map<Signal, () => void>();
  for (const signal of Object.keys(SIGNAL_EXIT) as Signal[]) {
    const handler = () => {
      if (io.stderr.isTTY) io.stderr.write("\r\x1b[K");
      const note = undone();
      io.stderr.write(`layerview: interrupted by ${signal}${note ? `: ${note}` : ""}\n`);
      removeOwnTempDirs();
      exit(SIGNAL_EXIT[signal]);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  process.on("exit", removeOwnTempDirs);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    process.off("exit", removeOwnTempDirs);
  };
}

/** Only the temporary directories removed at exit: for the explorer, which handles the signals itself. */
export function cleanupOnExit(): () => void {
  process.on("exit", removeOwnTempDirs);
  return () => process.off("exit", removeOwnTempDirs);
}
