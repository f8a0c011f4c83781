/**
 * Exit codes: 0 fine, 1 the image could not be read (or a file not extracted), 2 bad usage (including a
 * rules file or rule value that cannot be used), 3 read with problems (some layer or entry),
 * 4 a CI rule failed (--ci).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3, ciFailed: 4 } as const;

/** The status a closed pipe gives, as for a program the SIGPIPE signal ended (what `cat` shows). */
export const EXIT_BROKEN_PIPE = 141;

/**
 * What to do when standard output cannot be written: a reader that went away (`… | head`) ends
 * layerview quietly, as cat does; anything else (a full disk) is one line and a failure.
 */
export function outputFailure(e: unknown): { code: number; line: string | null } {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EPIPE" || err?.code === "ERR_STREAM_DESTROYED")
    return { code: EXIT_BROKEN_PIPE, line: null };
  const why =
    err?.code === "ENOSPC"
      ? "no space left on the device"
      : err?.code === "EDQUOT"
        ? "the disk quota is exhausted"
        : err?.code === "EIO"
          ? "an input/output error"
          : (err?.message ?? String(e));
  return {
    code: EXIT.failed,
    line: `layerview: cannot write the output: ${why}${err?.code ? ` (${err.code})` : ""}; the output is incomplete`,
  };
}
