import { UserError } from "../model/diagnostics.js";

export type Mode = "auto" | "json" | "report";

export interface CliArgs {
  target: string | null;
  mode: Mode;
  image?: string;
  platform?: string;
  source?: "docker" | "podman" | "archive";
  pull: boolean;
  debug: boolean;
  top?: number;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: layerview [options] IMAGE | ARCHIVE | -

Explore a container image's layers: what each layer added, changed and deleted,
the merged filesystem as of any layer, and where the image's size really comes from.

  IMAGE      an image in a Docker or Podman daemon: name[:tag], name@sha256:…, an image ID,
             or with a prefix: docker://…, podman://…, docker-archive://PATH
  ARCHIVE    a docker save / podman save / OCI archive (.tar or .tar.gz), an OCI layout
             directory, ARCHIVE:name:tag to pick one image, or - to read the archive from stdin

Options:
  --json                 print a JSON report (schema in the README)
  --report               print the text report (the default when stdout is not a terminal)
  --image NAME[:TAG]     choose one of several images in an archive
  --platform OS/ARCH[/VARIANT]
                         choose a platform of a multi-platform image (default: this host's)
  --source docker|podman|archive
                         where IMAGE comes from (default: an existing path is an archive,
                         anything else is asked of the Docker daemon)
  --pull                 pull the image first when the daemon does not have it
  --top N                list the N most wasteful paths (text: 10, JSON: all)
  --debug                show stack traces for errors
  -h, --help             show this help
  --version              show the version`;

const SOURCES = new Set(["docker", "podman", "archive"]);

/** Parse argv; throws UserError (exit 2) for anything it does not understand. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    target: null,
    mode: "auto",
    pull: false,
    debug: false,
    help: false,
    version: false,
  };
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
        if (!SOURCES.has(s)) throw new UserError(`--source must be docker, podman or archive, not '${s}'`);
        args.source = s as CliArgs["source"];
        break;
      }
      case "--pull":
        args.pull = true;
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
  if (rest.length > 1) {
    throw new UserError(
      `expected one image or archive, got ${rest.length}: ${rest.join(" ")}`,
      "see layerview --help",
    );
  }
  args.target = rest[0] ?? null;
  return args;
}
