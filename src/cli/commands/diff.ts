import { compareImages } from "../../model/compare.js";
import { UserError } from "../../model/diagnostics.js";
import { diffOfComparison } from "../../model/diff.js";
import { ImageModel } from "../../model/image-model.js";
import { pullLine } from "../../model/pull-progress.js";
import { diffJson, diffText } from "../../report/diff-report.js";
import { openImage } from "../../sources/resolve.js";
import type { ImageData } from "../../sources/types.js";
import type { CliArgs } from "../args.js";
import { type CliIo, EXIT, openOptions, printDiagnostics } from "../io.js";

/**
 * `layerview diff A B` (and `layerview A --compare B` without a terminal): both images are read at
 * once, then compared (compareImages, the comparison the explorer shows). What goes wrong says which
 * image it is about.
 */
export async function runDiff(args: CliArgs, io: CliIo): Promise<number> {
  const names = [args.target!, args.compare ?? args.operands[0]!] as const;
  if (names[0] === "-" && names[1] === "-") {
    io.stderr.write("layerview: only one of the two images can come from standard input\n");
    return EXIT.usage;
  }
  const labels = ["A", "B"] as const;
  // The first image that cannot be read stops the other's read: no waiting for a download to say so.
  const stop = new AbortController();
  const failed: { i: number; error: unknown }[] = [];
  const reads = await Promise.allSettled(
    names.map((name, i) =>
      openImage(name, {
        ...openOptions(args, io),
        signal: stop.signal,
        onPull: (update) => io.stderr.write(`${pullLine(update)}\n`),
      }).catch((error: unknown) => {
        // What the abort below ends is no failure of its own; anything else is, both images named.
        const aborted =
          stop.signal.aborted && (error === stop.signal.reason || (error as Error)?.name === "AbortError");
        if (!aborted) failed.push({ i, error });
        stop.abort();
        throw error;
      }),
    ),
  );
  if (failed.length > 0) {
    failed.sort((x, y) => x.i - y.i);
    // Both failing: A's is a line of its own, B's the error main prints (after it).
    const last = failed.pop()!;
    for (const f of failed)
      io.stderr.write(`layerview: image ${labels[f.i]} (${names[f.i]}): ${messageOf(f.error)}\n`);
    throw namedError(last.error, `image ${labels[last.i]} (${names[last.i]})`);
  }
  const models: ImageModel[] = [];
  let partial = false;
  reads.forEach((r, i) => {
    const data = (r as PromiseFulfilledResult<ImageData>).value;
    const diagnostics = data.diagnostics.map((d) => ({
      ...d,
      message: `image ${labels[i]} (${names[i]}): ${d.message}`,
    }));
    printDiagnostics(io, diagnostics);
    if (diagnostics.some((d) => d.severity === "error")) partial = true;
    models.push(ImageModel.build(data));
  });
  const [a, b] = models as [ImageModel, ImageModel];
  const diff = diffOfComparison(compareImages(a, b), { depth: args.depth });
  if (args.mode === "json") io.stdout.write(`${JSON.stringify(diffJson(diff, a, b), null, 2)}\n`);
  else io.stdout.write(diffText(diff, a, b, { top: args.top, width: io.stdout.columns ?? 100 }));
  return partial ? EXIT.partial : EXIT.ok;
}

function messageOf(e: unknown): string {
  if (e instanceof UserError) return `${e.message}${e.hint ? ` — ${e.hint}` : ""}`;
  return e instanceof Error ? e.message : String(e);
}

/** The error, its message saying which image it is about (a UserError stays one, for its exit line). */
function namedError(e: unknown, which: string): unknown {
  if (e instanceof UserError)
    return new UserError(`${which}: ${e.message}`, e.hint, { cause: e, reason: e.reason });
  if (e instanceof Error) {
    const named = new Error(`${which}: ${e.message}`, { cause: e });
    named.stack = e.stack;
    return named;
  }
  return e;
}
