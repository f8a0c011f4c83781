/** What main and every command share: the process streams, exit codes, opening the image the arguments name. */
import { type Diagnostic, UserError } from "../model/diagnostics.js";
import type { ImageContent } from "../sources/content.js";
import { LayerIndexCache } from "../sources/layer-index-cache.js";
import { type OpenOptions, openImage } from "../sources/resolve.js";
import type { ImageData } from "../sources/types.js";
import type { CliArgs } from "./args.js";
import { stderrProgress } from "./progress.js";

/**
 * Exit codes: 0 fine, 1 the image could not be read (or a file not extracted), 2 bad usage (including a
 * rules file or rule value that cannot be used), 3 read with problems (some layer or entry),
 * 4 a CI rule failed (--ci).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3, ciFailed: 4 } as const;

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** How to open the image the arguments name; `io` gets the one-line notices (source chosen, …). */
export function openOptions(args: CliArgs, io?: Pick<CliIo, "stderr">): OpenOptions {
  return {
    image: args.image,
    platform: args.platform,
    source: args.source,
    pull: args.pull,
    creds: args.creds,
    insecureRegistries: args.insecureRegistries,
    cache: args.noCache ? null : LayerIndexCache.open(),
    threads: threadsFromEnv(process.env.LAYERVIEW_THREADS),
    onNotice: io ? (line) => io.stderr.write(`layerview: ${line}\n`) : undefined,
  };
}

/**
 * `LAYERVIEW_THREADS`: how many worker threads read an archive's layers (0: none, all in the main
 * thread); unset: one per core, for images big enough to gain from them.
 */
export function threadsFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,3}$/.test(value) || Number(value) > 256) {
    throw new UserError(
      `LAYERVIEW_THREADS=${JSON.stringify(value.slice(0, 40))} is not a number of threads`,
      "set it to 0 (read layers in one thread) up to 256, or unset it (one per core)",
    );
  }
  return Number(value);
}

/**
 * Open the image for a report-style command, with the read's progress on one stderr line when
 * stderr is a terminal (erased when done, so later messages start on a clean line).
 */
export async function openWithProgress(target: string, args: CliArgs, io: CliIo): Promise<ImageData> {
  let layers: number | null = null;
  const progress = stderrProgress(io.stderr, () => layers);
  const base = openOptions(args, io);
  try {
    return await openImage(target, {
      ...base,
      onPull: (msg) => {
        progress.done();
        io.stderr.write(`${msg}\n`);
      },
      onNotice: (msg) => {
        progress.done();
        base.onNotice?.(msg);
      },
      onImage: (info) => {
        layers = info.layers.length;
      },
      onProgress: progress.onProgress,
    });
  } finally {
    progress.done();
  }
}

/** Each diagnostic as one stderr line: "layerview: warning: …". */
export function printDiagnostics(io: Pick<CliIo, "stderr">, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) io.stderr.write(`layerview: ${d.severity}: ${d.message}\n`);
}

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

/**
 * The image's files for `cat` and `extract`: pull progress and the read's errors on stderr (the
 * errors also returned: a command that read a damaged image says so in its exit status).
 */
export async function openContent(
  args: CliArgs,
  io: CliIo,
): Promise<{ content: ImageContent; errors: Diagnostic[] }> {
  const { ImageContent } = await import("../sources/content.js");
  const content = await ImageContent.open(args.target!, {
    ...openOptions(args, io),
    onPull: (m) => io.stderr.write(`${m}\n`),
  });
  const errors = (content.data ? content.data.diagnostics : []).filter((d) => d.severity === "error");
  printDiagnostics(io, errors);
  return { content, errors };
}
