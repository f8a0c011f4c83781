/**
 * `layerview completion bash|zsh|fish` prints the script; `layerview completion images` the daemons'
 * image names; `layerview completion platforms WORDS…` the platforms of the image WORDS name.
 */
import { UserError } from "../../model/diagnostics.js";
import type { SourceKind } from "../../sources/resolve.js";
import { COMMON_PLATFORMS, completionScript, lineImage, SHELLS, type Shell } from "../completion.js";
import { type CliIo, EXIT } from "../io.js";

const SOURCES: readonly string[] = ["docker", "podman", "archive", "registry"];

/**
 * The platforms --platform can take on the command line `words` (the line being completed, without
 * `layerview` and without the --platform whose value is asked for): the image's own when they can be
 * learnt quickly, else the common ones. Asked on a Tab, so it never fails and never writes to stderr.
 */
export async function runCompletionPlatforms(words: readonly string[], io: CliIo): Promise<number> {
  let platforms: string[] = [];
  try {
    const line = lineImage(words);
    if (line.target !== null) {
      const { imagePlatforms } = await import("../../sources/image-platforms.js");
      platforms = await imagePlatforms(line.target, {
        source: SOURCES.includes(line.source ?? "") ? (line.source as SourceKind) : await configSource(),
        image: line.image,
        creds: line.creds,
        insecureRegistries: line.insecureRegistries,
      });
    }
  } catch {
    // Whatever went wrong, the common platforms are still worth offering.
  }
  io.stdout.write(`${(platforms.length > 0 ? platforms : COMMON_PLATFORMS).join("\n")}\n`);
  return EXIT.ok;
}

/** The config file's default source, as a read would use it; none when the file cannot be read. */
async function configSource(): Promise<SourceKind | undefined> {
  try {
    const { loadConfig } = await import("../config-file.js");
    const value = loadConfig().source.value;
    return value === "auto" ? undefined : value;
  } catch {
    return undefined;
  }
}

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
