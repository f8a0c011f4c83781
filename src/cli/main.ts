import { readFileSync } from "node:fs";
import { UserError } from "../model/diagnostics.js";
import { type CliArgs, parseArgs } from "./args.js";
import type { LayerviewConfig } from "./config-file.js";
import { errorLine } from "./error-line.js";
import { EXIT } from "./exit-codes.js";
import { USAGE } from "./help.js";
import type { CliIo } from "./io.js";
import type { Settings } from "./settings.js";
import { cleanupOnExit, handleTermination } from "./signals.js";

export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  if (argv[0] === "completion" && argv[1] === "platforms") {
    // What follows is the command line being completed, not options of this one.
    const { runCompletionPlatforms } = await import("./commands/completion.js");
    return runCompletionPlatforms(argv.slice(2), io);
  }
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    reportError(io, e, false);
    return EXIT.usage;
  }
  if (args.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.version) {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (args.command === "completion") {
    try {
      const { runCompletion } = await import("./commands/completion.js");
      return await runCompletion(args.target!, io);
    } catch (e) {
      reportError(io, e, args.debug);
      return e instanceof UserError ? EXIT.usage : EXIT.failed;
    }
  }
  let config: LayerviewConfig;
  let settings: Settings;
  try {
    const [{ loadConfig }, { resolveSettings }] = await Promise.all([
      import("./config-file.js"),
      import("./settings.js"),
    ]);
    config = loadConfig();
    settings = resolveSettings(args, config, process.env, io.stdout.isTTY === true);
  } catch (e) {
    reportError(io, e, args.debug);
    return EXIT.usage;
  }
  if (args.command === "config") {
    const { runConfig } = await import("./commands/config.js");
    return runConfig(config, settings, io);
  }
  args.source = settings.source;
  args.color = settings.color.color ? "always" : "never";
  if (args.command === "cache") {
    try {
      const { runCache } = await import("./commands/cache.js");
      return await runCache(args.operands[0] as "show" | "clear" | "path", io, {});
    } catch (e) {
      reportError(io, e, args.debug);
      return EXIT.failed;
    }
  }
  if (args.target === null) {
    io.stderr.write(
      "layerview: name an image or an archive, e.g. layerview nginx:latest or layerview image.tar\n",
    );
    io.stderr.write("Run layerview --help for usage.\n");
    return EXIT.usage;
  }
  const interactive = args.mode === "auto" && !args.ci && io.stdin.isTTY === true && io.stdout.isTTY === true;
  const explorer = interactive && args.command === "inspect";
  const stopHandling = explorer ? cleanupOnExit() : handleTermination(io, () => undoneBy(args));
  try {
    if (args.command !== "inspect" || args.ci) return await runCommand(args, io);
    const { explore, report } = await import("./commands/inspect.js");
    if (interactive) return await explore(args, io, config, settings);
    // Not in a terminal, IMAGE --compare OTHER prints what diff IMAGE OTHER prints.
    if (args.compare !== undefined) return await (await import("./commands/diff.js")).runDiff(args, io);
    return await report(args, io);
  } catch (e) {
    reportError(io, e, args.debug);
    return EXIT.failed;
  } finally {
    stopHandling();
  }
}

/** What an interruption leaves incomplete, for its one line. */
function undoneBy(args: CliArgs): string | null {
  if (args.command === "extract") return `the extraction into ${args.operands[1]} is incomplete`;
  if (args.command === "cat") return "the output is incomplete";
  return null;
}

async function runCommand(args: CliArgs, io: CliIo): Promise<number> {
  if (args.ci) return (await import("./commands/ci.js")).runCi(args, io);
  switch (args.command) {
    case "cat":
      return (await import("./commands/cat.js")).runCat(args, io);
    case "extract":
      return (await import("./commands/extract.js")).runExtract(args, io);
    case "diff":
      return (await import("./commands/diff.js")).runDiff(args, io);
    case "history":
      return (await import("./commands/history.js")).runHistory(args, io);
    default:
      throw new Error(`unknown command ${args.command}`);
  }
}

function reportError(io: CliIo, e: unknown, debug: boolean): void {
  io.stderr.write(`layerview: ${errorLine(e, debug)}\n`);
  if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return `layerview ${pkg.version}`;
}
