import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { adviseImage } from "../../model/advice/index.js";
import { UserError } from "../../model/diagnostics.js";
import { ImageModel } from "../../model/image-model.js";
import { evaluateCi } from "../../report/ci-evaluate.js";
import { formatCiReport } from "../../report/ci-output.js";
import { CiConfigError, type ParsedRulesFile, parseRulesFile, resolveRules } from "../../report/ci-rules.js";
import type { CliArgs } from "../args.js";
import { baseWarnings, readExactBase } from "../base.js";
import { type CliIo, EXIT, openWithProgress, printDiagnostics } from "../io.js";

/** Rules files looked for in the current directory, in this order (dive's own name last). */
export const DEFAULT_RULES_FILES = [
  ".layerview-ci.yaml",
  ".layerview-ci.yml",
  ".layerview-ci.json",
  ".dive-ci",
];

interface RulesFile {
  path: string;
  format: "dive" | "layerview";
  parsed: ParsedRulesFile;
}

/** `layerview --ci IMAGE`: exit 0 when every rule passes, 4 when one fails, 2 for bad rules, 1/3 as usual. */
export async function runCi(args: CliArgs, io: CliIo, cwd = process.cwd()): Promise<number> {
  let file: RulesFile | null;
  let rules: ReturnType<typeof resolveRules>;
  const warnings: string[] = [];
  try {
    file = readRulesFile(args.ciConfig, cwd, warnings);
    rules = resolveRules(file?.parsed ?? null, { flags: args.ciRules, figures: args.ciFigures });
  } catch (e) {
    if (e instanceof CiConfigError || e instanceof UserError) {
      io.stderr.write(`layerview: ${e.message}${e instanceof UserError && e.hint ? ` — ${e.hint}` : ""}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  if (file) warnings.push(...file.parsed.warnings);

  const exactBase = await readExactBase(args);
  const data = await openWithProgress(args.target!, args, io);
  const model = ImageModel.build({ ...data, exactBase });
  const diagnostics = data.diagnostics;
  const result = evaluateCi(model, rules);
  const format = args.ciFormat ?? (args.mode === "json" ? "json" : "text");
  io.stdout.write(
    formatCiReport(format, {
      model,
      result,
      rulesFile: file ? { path: file.path, format: file.format } : null,
      warnings,
      advice: adviseImage(model, { largeFileBytes: args.largeFileBytes }),
      diagnostics,
      top: args.top,
      color: args.color === "always",
    }),
  );
  if (format !== "text") for (const w of warnings) io.stderr.write(`layerview: warning: ${w}\n`);
  printDiagnostics(io, diagnostics);
  for (const line of baseWarnings(model)) io.stderr.write(`layerview: ${line}\n`);
  if (!result.pass) return EXIT.ciFailed;
  return diagnostics.some((d) => d.severity === "error") ? EXIT.partial : EXIT.ok;
}

function readRulesFile(explicit: string | undefined, cwd: string, warnings: string[]): RulesFile | null {
  let path = explicit;
  if (path === undefined) {
    const found = DEFAULT_RULES_FILES.filter((f) => existsSync(join(cwd, f)));
    if (found.length === 0) return null;
    path = found[0]!;
    for (const other of found.slice(1)) warnings.push(`${other} ignored: ${path} is used`);
  }
  let text: string;
  try {
    text = readFileSync(explicit === undefined ? join(cwd, path) : path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read the rules file ${path}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
      "give --ci-config an existing .dive-ci or .layerview-ci.yaml file",
    );
  }
  const parsed = parseRulesFile(text, path);
  return { path, format: rulesFormat(path, parsed), parsed };
}

/** A file is read the same way either way; this only says which format it was written in. */
function rulesFormat(path: string, parsed: ParsedRulesFile): "dive" | "layerview" {
  if (/layerview/i.test(basename(path))) return "layerview";
  if (parsed.figures !== null || Object.values(parsed.rules).some((r) => r?.figures != null))
    return "layerview";
  return "dive";
}
