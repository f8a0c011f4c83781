import { parseArgs as parseArgv } from "node:util";
import { UserError } from "../model/diagnostics.js";
import { parseByteSize } from "../report/byte-size.js";

export type Mode = "auto" | "json" | "report";
/** `layerview IMAGE` inspects (explorer or report); the others are subcommands. */
export type Command = "inspect" | "cat" | "extract" | "diff" | "history" | "cache" | "completion" | "config";
export type ColorChoice = "auto" | "always" | "never";
export type CiFormat = "text" | "json" | "junit" | "markdown";
export type CiRuleFlags = Partial<
  Record<"lowestEfficiency" | "highestWastedBytes" | "highestUserWastedPercent", string>
>;

export interface CliArgs {
  command: Command;
  /** IMAGE for inspect; the first operand of a subcommand. */
  target: string | null;
  /** A subcommand's operands after IMAGE (cat, history: PATH; extract: PATH DEST; diff: B). */
  operands: string[];
  mode: Mode;
  image?: string;
  platform?: string;
  source?: "docker" | "podman" | "archive" | "registry";
  pull: boolean;
  /** --creds USER:PASSWORD for the registry (never printed). */
  creds?: string;
  /** --insecure-registry HOST, repeatable: plain HTTP allowed there. */
  insecureRegistries: string[];
  /** --no-cache: read every layer, neither using nor filling the layer index cache. */
  noCache: boolean;
  debug: boolean;
  top?: number;
  help: boolean;
  version: boolean;
  /** --ci: check the CI rules and exit 4 when one fails. */
  ci: boolean;
  ciConfig?: string;
  ciFormat?: CiFormat;
  ciFigures?: "dive" | "layerview" | "own";
  ciRules: CiRuleFlags;
  /** --large-file-size for the advisor, in bytes. */
  largeFileBytes?: number;
  /** cat/extract: the layer whose tree to read (default: the top). */
  layer?: number;
  /** extract: replace existing files. */
  force: boolean;
  /** cat: print a symlink's target instead of following it. */
  noFollow: boolean;
  /** diff: depth of the per-directory totals. */
  depth?: number;
  /** --base IMAGE: the base image, for the exact base boundary. */
  base?: string;
  /** --compare OTHER: the explorer on IMAGE compared with OTHER (`diff IMAGE OTHER` without a terminal). */
  compare?: string;
  /** --color / --no-color; unset: the config file's, else auto (NO_COLOR, FORCE_COLOR, a terminal). */
  color?: ColorChoice;
  /** --no-mouse: the explorer leaves mouse reporting off (also `mouse: false` in the config file). */
  noMouse: boolean;
}

/** Where an option is listed in the help text and the README table. */
export type Section = "Options" | "CI gate" | "Subcommands";
export const SECTIONS: readonly Section[] = ["Options", "CI gate", "Subcommands"];

/** One command-line option: how it is spelled, what it sets, where it applies, and how it is described. */
export interface OptionSpec {
  /** "--json". */
  flag: string;
  /** "h" for -h. */
  short?: string;
  /** Other spellings (dive's camelCase rule flags). */
  aliases?: string[];
  /** The value's placeholder ("NAME[:TAG]"); absent for a switch. */
  value?: string;
  section: Section;
  /** The --help description, one string per line. */
  help: string[];
  /** The README table's one-line description. */
  summary: string;
  /** The commands the option makes sense with; elsewhere it is a usage error. */
  only?: { applies: (args: CliArgs) => boolean; where: string };
  /** Apply the option (its value, for an option that takes one); throws UserError for a bad value. */
  set: (args: CliArgs, value: string) => void;
}

/** A subcommand: its operands (for messages and the help text) and what it does. */
export interface CommandSpec {
  name: Exclude<Command, "inspect">;
  operands: string[];
  help: string[];
}

/** Options that reach the explorer or a report's colours, not a subcommand that prints no image. */
const printsImage = {
  applies: (a: CliArgs) => a.command !== "completion" && a.command !== "config",
  where: "commands that show an image",
};
const inCi = { applies: (a: CliArgs) => a.ci, where: "--ci" };
const readsImage = {
  applies: (a: CliArgs) => a.command !== "cache" && a.command !== "completion" && a.command !== "config",
  where: "commands that read an image",
};

function wholeNumber(value: string, min: number, message: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(message);
  return n;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const list = `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
  throw new UserError(`${flag} must be ${list}, not '${value}'`);
}

function ruleFlag(
  flag: string,
  alias: string,
  value: string,
  key: keyof CiRuleFlags,
  help: string,
  summary: string,
): OptionSpec {
  return {
    flag,
    aliases: [alias],
    value,
    section: "CI gate",
    help: [help],
    summary,
    only: inCi,
    set: (a, v) => {
      a.ciRules[key] = v;
    },
  };
}

/** Every option layerview takes: the parser, the --help text and the README table are made from this. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    flag: "--json",
    section: "Options",
    help: ["print a JSON report (schema in the README)"],
    summary: "print the JSON report",
    only: {
      applies: (a) => a.command === "inspect" || a.command === "diff" || a.command === "history",
      where: "layerview IMAGE, diff and history",
    },
    set: (a) => {
      a.mode = "json";
    },
  },
  {
    flag: "--report",
    section: "Options",
    help: ["print the text report (the default when stdout is not a terminal)"],
    summary: "print the text report",
    only: { applies: (a) => a.command === "inspect", where: "layerview IMAGE" },
    set: (a) => {
      a.mode = "report";
    },
  },
  {
    flag: "--image",
    value: "NAME[:TAG]",
    section: "Options",
    help: ["choose one of several images in an archive"],
    summary: "choose an image in a multi-image archive",
    only: {
      applies: (a) => a.command !== "diff" && a.compare === undefined,
      where: "single-image commands (write ARCHIVE:name:tag for diff and --compare)",
    },
    set: (a, v) => {
      a.image = v;
    },
  },
  {
    flag: "--platform",
    value: "OS/ARCH[/VARIANT]",
    section: "Options",
    help: ["choose a platform of a multi-platform image (default: this host's)"],
    summary: "choose a platform of a multi-platform image",
    only: readsImage,
    set: (a, v) => {
      a.platform = v;
    },
  },
  {
    flag: "--source",
    value: "docker|podman|archive|registry",
    section: "Options",
    help: [
      "where IMAGE comes from (default: an existing path is an archive,",
      "anything else the Docker daemon, then the image's registry)",
    ],
    summary: "where IMAGE comes from",
    only: readsImage,
    set: (a, v) => {
      a.source = oneOf("--source", v, ["docker", "podman", "archive", "registry"] as const);
    },
  },
  {
    flag: "--pull",
    section: "Options",
    help: ["pull the image into the daemon first when it does not have it"],
    summary: "pull a daemon image that is missing (into the daemon)",
    only: readsImage,
    set: (a) => {
      a.pull = true;
    },
  },
  {
    flag: "--creds",
    value: "USER:PASSWORD",
    section: "Options",
    help: [
      "registry credentials (also LAYERVIEW_REGISTRY_CREDS); otherwise those",
      "of docker login / podman login are used",
    ],
    summary: "registry credentials (or `LAYERVIEW_REGISTRY_CREDS`); never printed",
    only: readsImage,
    set: (a, v) => {
      // Checked here so a malformed value is a usage error; the value itself is never echoed.
      if (!/^[^:]+:/.test(v)) throw new UserError("--creds needs USER:PASSWORD", "see layerview --help");
      a.creds = v;
    },
  },
  {
    flag: "--insecure-registry",
    value: "HOST",
    section: "Options",
    help: ["allow plain HTTP to HOST[:PORT] (repeatable; loopback always may)"],
    summary: "allow plain HTTP to HOST[:PORT] or a CIDR (repeatable)",
    only: readsImage,
    set: (a, value) => {
      const v = value.trim();
      if (v === "" || /[\s/]/.test(v.replace(/\/\d+$/, "")))
        throw new UserError(`--insecure-registry needs HOST[:PORT] or a CIDR, not '${v}'`);
      a.insecureRegistries.push(v);
    },
  },
  {
    flag: "--compare",
    value: "OTHER",
    section: "Options",
    help: [
      "explore IMAGE compared with OTHER (any source): what OTHER adds, removes",
      "and changes; without a terminal, print what diff IMAGE OTHER prints",
    ],
    summary: "explore IMAGE compared with image OTHER (any source); not in a terminal: `diff IMAGE OTHER`",
    only: { applies: (a) => a.command === "inspect" && !a.ci, where: "layerview IMAGE (not with --ci)" },
    set: (a, v) => {
      a.compare = v;
    },
  },
  {
    flag: "--no-cache",
    section: "Options",
    help: ["read every layer again: neither use nor fill the layer index cache"],
    summary: "read every layer again; neither use nor fill the layer index cache",
    only: readsImage,
    set: (a) => {
      a.noCache = true;
    },
  },
  {
    flag: "--top",
    value: "N",
    section: "Options",
    help: ["list the N most wasteful paths and findings (text: 10, JSON: all)"],
    summary: "list N wasteful paths and findings (text: 10, JSON: all)",
    set: (a, v) => {
      a.top = wholeNumber(v, 0, "--top needs a whole number, e.g. --top 20");
    },
  },
  {
    flag: "--large-file-size",
    value: "SIZE",
    section: "Options",
    help: ["advisor: report visible files of at least SIZE (default 10MB)"],
    summary: "advisor: list visible files of at least SIZE (default `10MB`)",
    set: (a, v) => {
      const n = parseByteSize(v);
      if (n === null) throw new UserError(`--large-file-size needs a size such as 10MB or 500KB, not '${v}'`);
      a.largeFileBytes = n;
    },
  },
  {
    flag: "--base",
    value: "IMAGE",
    section: "Options",
    help: [
      "the base image IMAGE was built FROM (any source): its layers are the",
      "base's exactly (default: from the image's metadata, else a guess)",
    ],
    summary: "the base image (any source): which bottom layers are its, exactly",
    only: {
      applies: (a) => a.command === "inspect",
      where: "layerview IMAGE (report, JSON, --ci, explorer)",
    },
    set: (a, v) => {
      if (v.trim() === "") throw new UserError("--base needs an image, e.g. --base debian:bookworm-slim");
      a.base = v;
    },
  },
  {
    flag: "--color",
    value: "auto|always|never",
    section: "Options",
    help: ["colours in every output (default auto: a terminal, unless NO_COLOR;", "FORCE_COLOR forces them)"],
    summary:
      "colours in every output (default `auto`: a terminal, unless `NO_COLOR`; `FORCE_COLOR` forces them)",
    only: printsImage,
    set: (a, v) => {
      a.color = oneOf("--color", v, ["auto", "always", "never"] as const);
    },
  },
  {
    flag: "--no-color",
    section: "Options",
    help: ["the same as --color never"],
    summary: "the same as `--color never`",
    only: printsImage,
    set: (a) => {
      a.color = "never";
    },
  },
  {
    flag: "--no-mouse",
    section: "Options",
    help: ["explorer: leave the mouse to the terminal (or mouse: false in the config)"],
    summary: "explorer: leave the mouse to the terminal (or `mouse: false` in the config file)",
    only: { applies: (a) => a.command === "inspect", where: "layerview IMAGE" },
    set: (a) => {
      a.noMouse = true;
    },
  },
  {
    flag: "--debug",
    section: "Options",
    help: ["show stack traces for errors"],
    summary: "show stack traces with errors",
    set: (a) => {
      a.debug = true;
    },
  },
  {
    flag: "--help",
    short: "h",
    section: "Options",
    help: ["show this help"],
    summary: "show the help",
    set: (a) => {
      a.help = true;
    },
  },
  {
    flag: "--version",
    section: "Options",
    help: ["show the version"],
    summary: "show the version",
    set: (a) => {
      a.version = true;
    },
  },
  {
    flag: "--ci",
    section: "CI gate",
    help: ["check the rules instead of exploring"],
    summary: "check the CI rules; exit 4 when one fails",
    only: { applies: (a) => a.command === "inspect", where: "layerview IMAGE (not a subcommand)" },
    set: (a) => {
      a.ci = true;
    },
  },
  {
    flag: "--ci-config",
    value: "FILE",
    section: "CI gate",
    help: ["rules file: dive's .dive-ci YAML or layerview's own (YAML or JSON)"],
    summary: "rules file: dive's `.dive-ci` or layerview's own (YAML or JSON)",
    only: inCi,
    set: (a, v) => {
      a.ciConfig = v;
    },
  },
  {
    flag: "--ci-format",
    value: "text|json|junit|markdown",
    section: "CI gate",
    help: ["how to print the result (default text)"],
    summary: "how to print the result (default `text`)",
    only: inCi,
    set: (a, v) => {
      a.ciFormat = oneOf("--ci-format", v, ["text", "json", "junit", "markdown"] as const);
    },
  },
  {
    flag: "--ci-figures",
    value: "dive|layerview|own",
    section: "CI gate",
    help: [
      "whose figures the rules use (default dive's, as dive computes them);",
      "own: layerview's over the image's own layers, the base image's left out",
    ],
    summary: "whose figures the rules use (default dive's; `own`: base image layers left out)",
    only: inCi,
    set: (a, v) => {
      a.ciFigures = oneOf("--ci-figures", v, ["dive", "layerview", "own"] as const);
    },
  },
  ruleFlag(
    "--lowest-efficiency",
    "--lowestEfficiency",
    "RATIO",
    "lowestEfficiency",
    "fail below this efficiency (default 0.9)",
    "fail below this efficiency (default 0.9)",
  ),
  ruleFlag(
    "--highest-wasted-bytes",
    "--highestWastedBytes",
    "SIZE",
    "highestWastedBytes",
    "fail above this many wasted bytes, e.g. 20MB (default off)",
    "fail above this many wasted bytes, e.g. `20MB` (default off)",
  ),
  ruleFlag(
    "--highest-user-wasted-percent",
    "--highestUserWastedPercent",
    "RATIO",
    "highestUserWastedPercent",
    "fail above this share of wasted user bytes (default 0.1)",
    "fail above this share of wasted user bytes (default 0.1)",
  ),
  {
    flag: "--layer",
    value: "N",
    section: "Subcommands",
    help: ["cat/extract: read the tree as of layer N (0 = bottom; default the top)"],
    summary: "`cat`/`extract`: the tree as of layer N (0 = bottom; default the top)",
    only: { applies: (a) => a.command === "cat" || a.command === "extract", where: "cat and extract" },
    set: (a, v) => {
      a.layer = wholeNumber(v, 0, "--layer needs a layer number (0 = the bottom layer)");
    },
  },
  {
    flag: "--no-follow",
    section: "Subcommands",
    help: ["cat: print a symlink's target instead of following it"],
    summary: "`cat`: print a symlink's target instead of following it",
    only: { applies: (a) => a.command === "cat", where: "cat" },
    set: (a) => {
      a.noFollow = true;
    },
  },
  {
    flag: "--force",
    section: "Subcommands",
    help: ["extract: replace existing files in DEST"],
    summary: "`extract`: replace existing files in DEST",
    only: { applies: (a) => a.command === "extract", where: "extract" },
    set: (a) => {
      a.force = true;
    },
  },
  {
    flag: "--depth",
    value: "N",
    section: "Subcommands",
    help: ["diff, --compare report: per-directory totals at depth N (default 1)"],
    summary: "`diff` (and `--compare` without a terminal): per-directory totals at depth N (default 1)",
    only: { applies: (a) => a.command === "diff" || a.compare !== undefined, where: "diff and --compare" },
    set: (a, v) => {
      a.depth = wholeNumber(v, 1, "--depth needs a whole number of 1 or more");
    },
  },
];

/** The subcommands, first word of the command line only. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "cat",
    operands: ["IMAGE", "PATH"],
    help: ["write a file's content to stdout (symlinks followed within the image)"],
  },
  {
    name: "extract",
    operands: ["IMAGE", "PATH", "DEST"],
    help: ["copy a file or directory into directory DEST (never outside it)"],
  },
  {
    name: "diff",
    operands: ["IMAGE_A", "IMAGE_B"],
    help: ["compare two images: paths added, removed, changed; shared layers"],
  },
  {
    name: "history",
    operands: ["IMAGE", "PATH"],
    help: ["every version of PATH across the layers: added, changed, deleted, and how"],
  },
  {
    name: "cache",
    operands: ["[show|clear|path]"],
    help: ["the layer index cache (parsed layer listings, never layer data)"],
  },
  {
    name: "completion",
    operands: ["bash|zsh|fish"],
    help: ["print the shell completion script, e.g. source <(layerview completion bash)"],
  },
  {
    name: "config",
    operands: [],
    help: ["print the effective configuration and where each value came from"],
  },
];

const CACHE_ACTIONS = new Set(["show", "clear", "path"]);

/** Each spelling (without its dashes) → its option; also what node:util parseArgs is told. */
const BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.flatMap((o) => [o.flag, ...(o.aliases ?? [])].map((f) => [f.slice(2), o] as const)),
);
const PARSE_CONFIG = Object.fromEntries(
  [...BY_NAME].map(([name, o]) => {
    const type = o.value === undefined ? ("boolean" as const) : ("string" as const);
    return [name, o.short !== undefined && name === o.flag.slice(2) ? { type, short: o.short } : { type }];
  }),
);

/** Parse argv; throws UserError (exit 2) for anything it does not understand. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    command: "inspect",
    target: null,
    operands: [],
    mode: "auto",
    pull: false,
    insecureRegistries: [],
    noCache: false,
    debug: false,
    help: false,
    version: false,
    ci: false,
    ciRules: {},
    force: false,
    noFollow: false,
    noMouse: false,
  };
  // Not strict: unknown options and missing values get layerview's own one-line messages below.
  const { tokens } = parseArgv({
    args: [...argv],
    options: PARSE_CONFIG,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const used: Array<{ spelled: string; option: OptionSpec }> = [];
  const rest: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") rest.push(t.value);
    if (t.kind !== "option") continue;
    const option = BY_NAME.get(t.name);
    if (option === undefined) throw new UserError(`unknown option ${t.rawName}`, "see layerview --help");
    if (option.value !== undefined && t.value === undefined)
      throw new UserError(`${t.rawName} needs a value`, "see layerview --help");
    used.push({ spelled: t.rawName, option });
    option.set(args, option.value === undefined ? "" : t.value!);
  }
  if (rest[0] === "cache") {
    args.command = "cache";
    rest.shift();
    if (rest.length > 1 || (rest[0] !== undefined && !CACHE_ACTIONS.has(rest[0]))) {
      throw new UserError(
        `layerview cache takes show, clear or path, got ${rest.join(" ")}`,
        "see layerview --help",
      );
    }
    args.operands = rest.length > 0 ? [rest[0]!] : ["show"];
    checkFlags(args, used);
    return args;
  }
  const command = COMMANDS.find((c) => c.name === rest[0]);
  if (command !== undefined) {
    args.command = command.name;
    rest.shift();
    if (rest.length !== command.operands.length) {
      throw new UserError(
        `layerview ${command.name} takes ${command.operands.join(" ")}, got ${rest.length === 0 ? "nothing" : rest.join(" ")}`,
        "see layerview --help",
      );
    }
  } else if (rest.length > 1) {
    throw new UserError(
      `expected one image or archive, got ${rest.length}: ${rest.join(" ")}`,
      "see layerview --help",
    );
  }
  args.target = rest[0] ?? null;
  args.operands = rest.slice(1);
  checkFlags(args, used);
  return args;
}

/** Which flags make sense with which command: the rest are usage errors rather than silently ignored. */
function checkFlags(args: CliArgs, used: ReadonlyArray<{ spelled: string; option: OptionSpec }>): void {
  for (const { spelled, option } of used) {
    if (option.only !== undefined && !option.only.applies(args))
      throw new UserError(`${spelled} applies to ${option.only.where} only`, "see layerview --help");
  }
  if (args.compare !== undefined && args.compare.trim() === "")
    throw new UserError("--compare needs an image to compare with", "see layerview --help");
  if (args.compare === "-" && args.target === "-")
    throw new UserError(
      "only one of the two images can come from standard input",
      "save one to a file first",
    );
  if (args.ci && args.mode === "report")
    throw new UserError("--ci and --report do not go together", "use --ci-format");
}
