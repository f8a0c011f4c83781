import { pipeline } from "node:stream/promises";
import { ImageContent } from "../../sources/content.js";
import type { CliArgs } from "../args.js";
import { type CliIo, EXIT, openOptions, printDiagnostics } from "../io.js";

/** `layerview cat IMAGE PATH`: the file's bytes on stdout, nothing else there. */
export async function runCat(args: CliArgs, io: CliIo): Promise<number> {
  const [path] = args.operands as [string];
  const content = await ImageContent.open(args.target!, {
    ...openOptions(args, io),
    onPull: (m) => io.stderr.write(`${m}\n`),
  });
  const diagnostics = content.data ? content.data.diagnostics : [];
  const errors = diagnostics.filter((d) => d.severity === "error");
  printDiagnostics(io, errors);
  const stream = await content.readFile(path, { layer: args.layer, followSymlinks: !args.noFollow });
  try {
    await pipeline(stream, io.stdout, { end: false });
  } catch (e) {
    // The reader went away (cat … | head): stop quietly, as cat does.
    if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e;
  }
  return errors.length > 0 ? EXIT.partial : EXIT.ok;
}
