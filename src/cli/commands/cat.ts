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
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    io.stdout.on("error", (e: NodeJS.ErrnoException) => {
      // The reader went away (cat … | head): stop quietly, as cat does.
      if (e.code !== "EPIPE") return reject(e);
      stream.destroy();
      resolve();
    });
    stream.on("end", resolve);
    stream.pipe(io.stdout, { end: false });
  });
  return errors.length > 0 ? EXIT.partial : EXIT.ok;
}
