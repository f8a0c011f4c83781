/**
 * The effective settings of one run: the command line over the config file over the defaults, and
 * the keymap made from the config's `keys:` on top of dive's bindings on top of layerview's own.
 */
import { UserError } from "../model/diagnostics.js";
import { addForeignKeys, customKeymap } from "../ui/keymap/custom-keymap.js";
import { type Binding, KEYMAP } from "../ui/keymap/keymap.js";
import type { CliArgs } from "./args.js";
import { type ColorDecision, decideColor } from "./color.js";
import type { LayerviewConfig, SourceName, ThemeName } from "./config-file.js";

export interface KeymapOrigin {
  command: string;
  origin: string;
}

export interface Settings {
  color: ColorDecision;
  /** Where the colour choice came from ("--color", a config line, "default"). */
  colorChoice: { value: string; origin: string };
  theme: ThemeName;
  mouse: { value: boolean; origin: string };
  source: SourceName | undefined;
  keymap: readonly Binding[];
  keymapOrigins: KeymapOrigin[];
  /** dive bindings left out (and why), for `layerview config`. */
  keyNotes: string[];
}

/** Whether `args` set an option (so it wins over the config file). */
function spelledColor(args: CliArgs): boolean {
  return args.color !== undefined;
}

export function resolveSettings(
  args: CliArgs,
  config: LayerviewConfig,
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): Settings {
  const colorChoice = spelledColor(args)
    ? { value: args.color!, origin: "the command line" }
    : { value: config.color.value, origin: config.color.origin };
  const color = decideColor(
    colorChoice.value as "auto" | "always" | "never",
    env,
    isTTY,
    colorChoice.origin === "default" ? "color" : `color (${colorChoice.origin})`,
  );
  const dive = addForeignKeys(config.diveKeys);
  const own = customKeymap(config.keys, dive.keymap);
  const problem = own.problems[0];
  if (problem !== undefined) {
    const more = own.problems.length > 1 ? ` (and ${own.problems.length - 1} more)` : "";
    throw new UserError(
      `${problem.where}: ${problem.message}${more}`,
      "fix the keys: section; layerview config lists the actions and their keys",
    );
  }
  const replaced = new Map(config.keys.map((k) => [k.action, k.where]));
  const added = new Map(config.diveKeys.map((k) => [k.action, k.where]));
  const keymapOrigins = own.keymap.map((b) => ({
    command: b.command,
    origin: replaced.get(b.command) ?? addedKeys(b, dive.keymap, added) ?? "default",
  }));
  const source = args.source ?? (config.source.value === "auto" ? undefined : config.source.value);
  return {
    color,
    colorChoice,
    theme: config.theme.value,
    mouse: args.noMouse
      ? { value: false, origin: "--no-mouse" }
      : { value: config.mouse.value, origin: config.mouse.origin },
    source,
    keymap: own.keymap,
    keymapOrigins,
    keyNotes: dive.notes,
  };
}

/** "default + dive's line", when dive's file added keys to this binding. */
function addedKeys(b: Binding, diveMap: readonly Binding[], added: Map<string, string>): string | undefined {
  const where = added.get(b.command);
  const before = KEYMAP.find((x) => x.command === b.command)?.keys.length ?? 0;
  const after = diveMap.find((x) => x.command === b.command)?.keys.length ?? 0;
  return where !== undefined && after > before ? `default + ${where}` : undefined;
}
