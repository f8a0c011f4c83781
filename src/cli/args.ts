import { UserError } from "../model/diagnostics.js";
import { parseByteSize } from "../report/byte-size.js";

export type Mode = "auto" | "json" | "report";
/** `layerview IMAGE` inspects (explorer or report); the others are subcommands. */
export type Command = "inspect" | "cat" | "extract" | "diff" | "cache";
export type CiFormat = "text" | "json" | "junit" | "markdown";
export type CiRuleFlags = Partial<
  Record<"lowestEfficiency" | "highestWastedBytes" | "highestUserWastedPercent", string>
>;

export interface CliArgs {
  command: Command;
  /** IMAGE for inspect; the first operand of a subcommand. */
  target: string | null;
  /** A subcommand's operands after IMAGE (cat: PATH; extract: PATH DEST; diff: B). */
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
  ciFigures?: "dive" | "layerview";
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
}

export const USAGE = `Usage: layerview [options] IMAGE | ARCHIVE | -
       layerview --ci [rule options] IMAGE | ARCHIVE
       layerview cat [--layer N] IMAGE PATH
       layerview extract [--layer N] [--force] IMAGE PATH DEST
       layerview diff [--json] [--depth N] IMAGE_A IMAGE_B
       layerview cache [show|clear|path]

Explore a container image's layers: what each layer added, changed and deleted,
the merged filesystem as of any layer, and where the image's size really comes from.

  IMAGE      an image reference as docker pull takes it: name[:tag], host:port/repo@sha256:…;
             read from the Docker daemon when it has it, else straight from its registry;
             or with a prefix: registry://…, docker://… (the daemon), podman://…,
             docker-archive://PATH; or an image ID (daemons only)
  ARCHIVE    a docker save / podman save / OCI archive (.tar or .tar.gz), an OCI layout
             directory, ARCHIVE:name:tag to pick one image, or - to read the archive from stdin

Options:
  --json                 print a JSON report (schema in the README)
  --report               print the text report (the default when stdout is not a terminal)
  --image NAME[:TAG]     choose one of several images in an archive
  --platform OS/ARCH[/VARIANT]
                         choose a platform of a multi-platform image (default: this host's)
  --source docker|podman|archive|registry
                         where IMAGE comes from (default: an existing path is an archive,
                         anything else the Docker daemon, then the image's registry)
  --pull                 pull the image into the daemon first when it does not have it
  --creds USER:PASSWORD  registry credentials (also LAYERVIEW_REGISTRY_CREDS); otherwise those
                         of docker login / podman login are used
  --insecure-registry HOST
                         allow plain HTTP to HOST[:PORT] (repeatable; loopback always may)
  --no-cache             read every layer again: neither use nor fill the layer index cache
  --top N                list the N most wasteful paths and findings (text: 10, JSON: all)
  --large-file-size SIZE advisor: report visible files of at least SIZE (default 10MB)
  --debug                show stack traces for errors
  -h, --help             show this help
  --version              show the version

CI gate (exit 4 when a rule fails; rules from flags, --ci-config FILE, or .layerview-ci.yaml,
.layerview-ci.yml, .layerview-ci.json or dive's .dive-ci in the current directory):
  --ci                   check the rules instead of exploring
  --ci-config FILE       rules file: dive's .dive-ci YAML or layerview's own (YAML or JSON)
  --ci-format text|json|junit|markdown
                         how to print the result (default text)
  --ci-figures dive|layerview
                         whose figures the rules use (default dive's, as dive computes them)
  --lowest-efficiency RATIO            fail below this efficiency (default 0.9)
  --highest-wasted-bytes SIZE          fail above this many wasted bytes, e.g. 20MB (default off)
  --highest-user-wasted-percent RATIO  fail above this share of wasted user bytes (default 0.1)
                         (dive's --lowestEfficiency etc. work too; 'disabled' turns a rule off)

Subcommands:
  cat IMAGE PATH         write a file's content to stdout (symlinks followed within the image)
  extract IMAGE PATH DEST
                         copy a file or directory into directory DEST (never outside it)
  diff A B               compare two images: paths added, removed, changed; shared layers
  cache [show|clear|path]
                         the layer index cache (parsed layer listings, never layer data)
  --layer N              cat/extract: read the tree as of layer N (0 = bottom; default the top)
  --no-follow            cat: print a symlink's target instead of following it
  --force                extract: replace existing files in DEST
  --depth N              diff: per-directory totals at depth N (default 1)

Exit codes: 0 fine, 1 could not read the image (or do what cat/extract were asked),
2 bad usage, 3 read with problems, 4 a CI rule failed.`;

const SOURCES = new Set(["docker", "podman", "archive", "registry"]);
const COMMANDS = new Set<Command>(["cat", "extract", "diff", "cache"]);
const CI_FORMATS = new Set(["text", "json", "junit", "markdown"]);
const RULE_FLAGS: Record<string, keyof CiRuleFlags> = {
  "--lowest-efficiency": "lowestEfficiency",
  "--lowestEfficiency": "lowestEfficiency",
  "--highest-wasted-bytes": "highestWastedBytes",
  "--highestWastedBytes": "highestWastedBytes",
  "--highest-user-wasted-percent": "highestUserWastedPercent",
  "--highestUserWastedPercent": "highestUserWastedPercent",
};
/** Operands each subcommand takes, for messages. */
const OPERANDS: Record<Command, string[]> = {
  inspect: ["IMAGE"],
  cat: ["IMAGE", "PATH"],
  extract: ["IMAGE", "PATH", "DEST"],
  diff: ["IMAGE_A", "IMAGE_B"],
  cache: [],
};
const CACHE_ACTIONS = new Set(["show", "clear", "path"]);

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
  };
  const used = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (raw === "-" || !raw.startsWith("-")) {
      rest.push(raw);
      continue;
    }
    const eq = raw.indexOf("=");
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    used.add(flag);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined) throw new UserError(`${flag} needs a value`, "see layerview --help");
      i++;
      return next;
    };
    switch (flag) {
      case "--json":
        args.mode = "json";
        break;
      case "--report":
        args.mode = "report";
        break;
      case "--image":
        args.image = value();
        break;
      case "--platform":
        args.platform = value();
        break;
      case "--source": {
        const s = value();
        if (!SOURCES.has(s))
          throw new UserError(`--source must be docker, podman, archive or registry, not '${s}'`);
        args.source = s as CliArgs["source"];
        break;
      }
      case "--pull":
        args.pull = true;
        break;
      case "--creds": {
        const v = value();
        // Checked here so a malformed value is a usage error; the value itself is never echoed.
        if (!/^[^:]+:/.test(v)) throw new UserError("--creds needs USER:PASSWORD", "see layerview --help");
        args.creds = v;
        break;
      }
      case "--insecure-registry": {
        const v = value().trim();
        if (v === "" || /[\s/]/.test(v.replace(/\/\d+$/, "")))
          throw new UserError(`--insecure-registry needs HOST[:PORT] or a CIDR, not '${v}'`);
        args.insecureRegistries.push(v);
        break;
      }
      case "--no-cache":
        args.noCache = true;
        break;
      case "--top": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) throw new UserError("--top needs a whole number, e.g. --top 20");
        args.top = n;
        break;
      }
      case "--debug":
        args.debug = true;
        break;
      case "--ci":
        args.ci = true;
        break;
      case "--ci-config":
        args.ciConfig = value();
        break;
      case "--ci-format": {
        const f = value();
        if (!CI_FORMATS.has(f))
          throw new UserError(`--ci-format must be text, json, junit or markdown, not '${f}'`);
        args.ciFormat = f as CiFormat;
        break;
      }
      case "--ci-figures": {
        const f = value();
        if (f !== "dive" && f !== "layerview")
          throw new UserError(`--ci-figures must be dive or layerview, not '${f}'`);
        args.ciFigures = f;
        break;
      }
      case "--lowest-efficiency":
      case "--lowestEfficiency":
      case "--highest-wasted-bytes":
      case "--highestWastedBytes":
      case "--highest-user-wasted-percent":
      case "--highestUserWastedPercent":
        args.ciRules[RULE_FLAGS[flag]!] = value();
        break;
      case "--large-file-size": {
        const v = value();
        const n = parseByteSize(v);
        if (n === null)
          throw new UserError(`--large-file-size needs a size such as 10MB or 500KB, not '${v}'`);
        args.largeFileBytes = n;
        break;
      }
      case "--layer": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0)
          throw new UserError("--layer needs a layer number (0 = the bottom layer)");
        args.layer = n;
        break;
      }
      case "--force":
        args.force = true;
        break;
      case "--no-follow":
        args.noFollow = true;
        break;
      case "--depth": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UserError("--depth needs a whole number of 1 or more");
        args.depth = n;
        break;
      }
      case "-h":
      case "--help":
        args.help = true;
        break;
      case "--version":
        args.version = true;
        break;
      default:
        throw new UserError(`unknown option ${flag}`, "see layerview --help");
    }
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
  if (rest.length > 0 && COMMANDS.has(rest[0] as Command)) {
    args.command = rest.shift() as Command;
    const want = OPERANDS[args.command];
    if (rest.length !== want.length) {
      throw new UserError(
        `layerview ${args.command} takes ${want.join(" ")}, got ${rest.length === 0 ? "nothing" : rest.join(" ")}`,
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
function checkFlags(args: CliArgs, used: Set<string>): void {
  const only = (flags: string[], allowed: boolean, where: string) => {
    const bad = flags.find((f) => used.has(f));
    if (bad !== undefined && !allowed)
      throw new UserError(`${bad} applies to ${where} only`, "see layerview --help");
  };
  const ciFlags = ["--ci-config", "--ci-format", "--ci-figures", ...Object.keys(RULE_FLAGS)];
  only(ciFlags, args.ci, "--ci");
  only(["--ci"], args.command === "inspect", "layerview IMAGE (not a subcommand)");
  only(["--layer"], args.command === "cat" || args.command === "extract", "cat and extract");
  only(["--force"], args.command === "extract", "extract");
  only(["--no-follow"], args.command === "cat", "cat");
  only(["--depth"], args.command === "diff", "diff");
  only(
    ["--creds", "--insecure-registry", "--no-cache", "--pull", "--platform", "--source"],
    args.command !== "cache",
    "commands that read an image",
  );
  only(["--image"], args.command !== "diff", "single-image commands (write ARCHIVE:name:tag for diff)");
  only(["--report"], args.command === "inspect", "layerview IMAGE");
  only(["--json"], args.command === "inspect" || args.command === "diff", "layerview IMAGE and diff");
  if (args.ci && args.mode === "report")
    throw new UserError("--ci and --report do not go together", "use --ci-format");
}
