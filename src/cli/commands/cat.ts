import { pipeline } from "node:stream/promises";
import type { CliArgs } from "../args.js";
import { type CliIo, EXIT, openContent } from "../io.js";

/** `layerview cat IMAGE PATH`: the file's bytes on stdout, nothing else there. */
export async function runCat(args: CliArgs, io: CliIo): Promise<number> {
  const [path] = args.operands as [string];
  const { content, errors } = await openContent(args, io);
  const stream = await content.readFile(path, { layer: args.layer, followSymlinks: !args.noFollow });
  // A reader that goes away (cat … | head) ends the process in bin/layerview.js, as for every command.
  await pipeline(stream, io.stdout, { end: false });
  return errors.length > 0 ? EXIT.partial : EXIT.ok;
}
