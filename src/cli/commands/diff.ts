import { diffImages } from "../../model/diff.js";
import { ImageModel } from "../../model/image-model.js";
import { diffJson, diffText } from "../../report/diff-report.js";
import { openImage } from "../../sources/resolve.js";
import type { CliArgs } from "../args.js";
import { type CliIo, EXIT, openOptions, printDiagnostics } from "../io.js";

/** `layerview diff A B`: both images are read (one after the other), then their final trees compared. */
export async function runDiff(args: CliArgs, io: CliIo): Promise<number> {
  const names = [args.target!, args.operands[0]!];
  if (names[0] === "-" && names[1] === "-") {
    io.stderr.write("layerview: only one of the two images can come from standard input\n");
    return EXIT.usage;
  }
  const models: ImageModel[] = [];
  let partial = false;
  for (const name of names) {
    const data = await openImage(name, {
      ...openOptions(args, io),
      onPull: (m) => io.stderr.write(`${m}\n`),
    });
    const diagnostics = data.diagnostics;
    printDiagnostics(io, diagnostics);
    if (diagnostics.some((d) => d.severity === "error")) partial = true;
    models.push(ImageModel.build(data));
  }
  const [a, b] = models as [ImageModel, ImageModel];
  const diff = diffImages(a, b, { depth: args.depth });
  if (args.mode === "json") io.stdout.write(`${JSON.stringify(diffJson(diff, a, b), null, 2)}\n`);
  else io.stdout.write(diffText(diff, a, b, { top: args.top, width: io.stdout.columns ?? 100 }));
  return partial ? EXIT.partial : EXIT.ok;
}
