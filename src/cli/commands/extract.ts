import { formatBytes } from "../../model/format-bytes.js";
import { extractPath } from "../../sources/extract.js";
import type { CliArgs } from "../args.js";
import { type CliIo, EXIT, openContent } from "../io.js";

/** `layerview extract IMAGE PATH DEST`: one summary line on stderr; stdout stays empty. */
export async function runExtract(args: CliArgs, io: CliIo): Promise<number> {
  const [path, dest] = args.operands as [string, string];
  const { content, errors } = await openContent(args, io);
  const s = await extractPath(content, path, dest, {
    layer: args.layer,
    force: args.force,
    onWarning: (m) => io.stderr.write(`layerview: warning: ${m}\n`),
  });
  const layer = args.layer ?? content.topLayer;
  io.stderr.write(
    `layerview: extracted ${path} (layer ${layer}) to ${s.target}: ${s.files} file${s.files === 1 ? "" : "s"} (${formatBytes(s.bytes)}), ${s.directories} director${s.directories === 1 ? "y" : "ies"}, ${s.symlinks} symlink${s.symlinks === 1 ? "" : "s"}${s.skipped > 0 ? `, ${s.skipped} skipped` : ""}\n`,
  );
  return errors.length > 0 ? EXIT.partial : EXIT.ok;
}
