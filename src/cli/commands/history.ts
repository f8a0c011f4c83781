import { type FileHistory, fileHistory, fileHistoryOfPath } from "../../model/file-history.js";
import { ImageModel } from "../../model/image-model.js";
import { resolveImagePath } from "../../model/resolve-path.js";
import { historyJson, historyText } from "../../report/history-report.js";
import { writeJson } from "../../report/json-writer.js";
import type { CliArgs } from "../args.js";
import { type CliIo, EXIT, openWithProgress, printDiagnostics } from "../io.js";

/**
 * The history of the path as written; failing that, of where it leads through symlinked directories
 * in the final image (`/lib/x` when `/lib` links to `usr/lib`), with a note saying so.
 */
function findHistory(model: ImageModel, path: string): { history: FileHistory; note: string | null } | null {
  const direct = fileHistoryOfPath(model, path);
  if (direct) return { history: direct, note: null };
  const resolved = resolveImagePath(model, path, model.layerCount - 1, { followFinal: false });
  if (!resolved.ok) return null;
  const h = fileHistory(model, resolved.node);
  if (h.events.length === 0) return null;
  return { history: h, note: `(${path} leads to ${h.path} through symbolic links in the final image)` };
}

/** `layerview history IMAGE PATH`: every version of PATH across the layers, text or --json. */
export async function runHistory(args: CliArgs, io: CliIo): Promise<number> {
  const [path] = args.operands as [string];
  const data = await openWithProgress(args.target!, args, io);
  const model = ImageModel.build(data);
  printDiagnostics(io, data.diagnostics);
  const partial = data.diagnostics.some((d) => d.severity === "error");
  const found = findHistory(model, path);
  if (!found) {
    io.stderr.write(
      `layerview: ${path} is not in any of the ${model.layerCount} layers of ${args.target} (no layer adds, changes or deletes it) — check the path, e.g. with layerview ${args.target}\n`,
    );
    return EXIT.failed;
  }
  if (args.mode === "json") await writeJson(historyJson(model, found.history, path), io.stdout);
  else
    io.stdout.write(historyText(model, found.history, { width: io.stdout.columns ?? 100, note: found.note }));
  return partial ? EXIT.partial : EXIT.ok;
}
