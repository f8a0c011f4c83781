/** `layerview completion bash|zsh|fish` prints the script; `layerview completion images` the daemons' image names. */
import { UserError } from "../../model/diagnostics.js";
import { completionScript, SHELLS, type Shell } from "../completion.js";
import { type CliIo, EXIT } from "../io.js";

export async function runCompletion(what: string, io: CliIo): Promise<number> {
  if (what === "images") {
    // Asked by the scripts on each Tab: quick, and quiet when no daemon answers.
    const { listImageNames } = await import("../../sources/daemon/list-images.js");
    const names = await listImageNames();
    if (names.length > 0) io.stdout.write(`${names.join("\n")}\n`);
    return EXIT.ok;
  }
  if (!(SHELLS as readonly string[]).includes(what)) {
    throw new UserError(
      `layerview completion takes bash, zsh or fish, not '${what}'`,
      "see layerview --help",
    );
  }
  io.stdout.write(completionScript(what as Shell));
  return EXIT.ok;
}
