/** What main and every command share: the process streams, exit codes, opening the image the arguments name. */
import { type Diagnostic, UserError } from "../model/diagnostics.js";
import { pullLine } from "../model/pull-progress.js";
import type { ImageContent } from "../sources/content.js";
import { LayerIndexCache } from "../sources/layer-index-cache.js";
import type { OpenOptions } from "../sources/resolve.js";
import type { ImageData } from "../sources/types.js";
import type { CliArgs } from "./args.js";
import { stderrProgress } from "./progress.js";

export { EXIT, EXIT_BROKEN_PIPE, outputFailure } from "./exit-codes.js";

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
 * `LAYERVIEW_THREADS`: 0 reads an archive's layers in one thread; unset, a worker thread reads
 * layers of many small files beside it when there are enough of them; any other number, whenever
 * layers are of many small files (one worker at most: more gain nothing here).
 */
export function threadsFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,3}$/.test(value) || Number(value) > 256) {
    throw new UserError(
      `LAYERVIEW_THREADS=${JSON.stringify(value.slice(0, 40))} is not a number of threads`,
      "set it to 0 (read layers in one thread) or 1 (a worker thread beside it), or leave it unset",
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
  // Loaded here, not with the CLI: --version, --help and completion never pay for the sources.
  const { openImage } = await import("../sources/resolve.js");
  try {
    return await openImage(target, {
      ...base,
      onPull: (update) => {
        progress.done();
        io.stderr.write(`${pullLine(update)}\n`);
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
    onPull: (update) => io.stderr.write(`${pullLine(update)}\n`),
  });
  const errors = (content.data ? content.data.diagnostics : []).filter((d) => d.severity === "error");
  printDiagnostics(io, errors);
  return { content, errors };
}
