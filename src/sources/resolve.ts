import { UserError } from "../model/diagnostics.js";
import type { PullUpdate } from "../model/pull-progress.js";
import {
  ENGINE_NAMES,
  type EndpointEnv,
  type Engine,
  endpointUrl,
  engineConfigured,
  findEndpoint,
  processEndpointEnv,
} from "./endpoint.js";
import { parseImageRef } from "./image-ref.js";
import type { RegistryOptions } from "./registry/registry-image.js";
import type { ImageData, ReadOptions } from "./types.js";

export type SourceKind = Engine | "archive" | "registry";

export interface OpenOptions extends ReadOptions, RegistryOptions {
  /** `--source`: force where IMAGE comes from. */
  source?: SourceKind;
  /** `--pull`: pull a daemon image that is missing. */
  pull?: boolean;
  onPull?: (update: PullUpdate) => void;
  /** One line for stderr when layerview chose a source the user did not name (daemon → registry). */
  onNotice?: (message: string) => void;
  /** Environment, home directory and file checks (tests); defaults to the real ones. */
  endpointEnv?: EndpointEnv;
}

export type ResolvedSource =
  | { kind: "archive"; path: string }
  | {
      kind: "daemon";
      engine: Engine;
      ref: string;
      /** True when no prefix or --source chose the engine: the registry is tried when the daemon cannot serve it. */
      guessed: boolean;
    }
  | { kind: "registry"; ref: string };

const PREFIXES: { prefix: string; kind: SourceKind }[] = [
  { prefix: "docker-archive://", kind: "archive" },
  { prefix: "docker-archive:", kind: "archive" },
  { prefix: "docker://", kind: "docker" },
  { prefix: "podman://", kind: "podman" },
  { prefix: "registry://", kind: "registry" },
];

const ARCHIVE_NAME = /\.(tar|tgz|tar\.gz|tar\.zst|tar\.zstd|oci)$/i;

/**
 * Decide where IMAGE comes from. An explicit prefix or --source wins; otherwise an existing file or
 * directory, then an image name for the Docker daemon (Podman when only Podman is set up).
 */
export function resolveSource(
  arg: string,
  opts: Pick<OpenOptions, "source" | "endpointEnv"> = {},
): ResolvedSource {
  const env = opts.endpointEnv ?? processEndpointEnv();
  let value = arg;
  let kind = opts.source;
  const prefixed = PREFIXES.find((p) => arg.startsWith(p.prefix));
  if (prefixed !== undefined) {
    value = arg.slice(prefixed.prefix.length);
    if (kind !== undefined && kind !== prefixed.kind) {
      throw new UserError(
        `'${arg}' names ${describeKind(prefixed.kind)} but --source ${kind} was given`,
        "Drop either the prefix or the --source option",
      );
    }
    kind = prefixed.kind;
    if (value === "") throw new UserError(`'${arg}' names no ${kind === "archive" ? "file" : "image"}`);
  }
  if (kind === "archive") return { kind: "archive", path: value };
  if (kind === "registry") return { kind: "registry", ref: value };
  if (kind === "docker" || kind === "podman")
    return { kind: "daemon", engine: kind, ref: value, guessed: false };

  if (value === "-" || value.startsWith("-:") || env.exists(value) || archiveWithImage(value, env)) {
    return { kind: "archive", path: value };
  }
  if (/^(\/|\.\.?\/|~)/.test(value) || ARCHIVE_NAME.test(value) || value.includes("\\")) {
    throw new UserError(
      `no such file or directory: ${value}`,
      `Check the path; to read an image from the Docker daemon instead, write docker://${value}`,
    );
  }
  const ref = parseImageRef(value);
  if (ref.kind === "invalid") {
    throw new UserError(
      `'${value}' is neither a file nor an image reference (${ref.reason})`,
      "Give an archive path, an OCI layout directory, '-' for stdin, or an image NAME[:TAG], NAME@DIGEST or ID",
    );
  }
  const engine: Engine =
    !engineConfigured("docker", env) && engineConfigured("podman", env) ? "podman" : "docker";
  return { kind: "daemon", engine, ref: value, guessed: true };
}

/** `ARCHIVE:name[:tag]`: some text before a colon is an existing file or directory (as `locate` splits it). */
function archiveWithImage(value: string, env: EndpointEnv): boolean {
  for (let i = value.lastIndexOf(":"); i > 0; i = value.lastIndexOf(":", i - 1)) {
    if (i < value.length - 1 && env.exists(value.slice(0, i))) return true;
  }
  return false;
}

function describeKind(kind: SourceKind): string {
  if (kind === "archive") return "an archive";
  return kind === "registry" ? "a registry image" : `a ${ENGINE_NAMES[kind]} image`;
}

/**
 * Open IMAGE from wherever it is: an archive file, an OCI layout directory, stdin ("-"), a
 * Docker/Podman daemon, or a registry. A bare name goes to the daemon first and, when the daemon
 * is not there or lacks the image (and --pull was not given), to its registry, saying so through
 * `onNotice`. The CLI's only entry into src/sources.
 */
export async function openImage(arg: string, opts: OpenOptions = {}): Promise<ImageData> {
  const { source, pull, onPull, onNotice, endpointEnv, ...read } = opts;
  const resolved = resolveSource(arg, { source, endpointEnv });
  if (resolved.kind !== "daemon" && pull) {
    throw new UserError(
      `--pull applies to daemon images, but '${arg}' is read ${resolved.kind === "archive" ? "as an archive" : "from its registry"}`,
      `Drop --pull, or name a daemon image (docker://NAME or --source docker)`,
    );
  }
  if (resolved.kind === "archive") return (await import("./archive.js")).readImage(resolved.path, read);
  if (resolved.kind === "registry") return readFromRegistry(resolved.ref, read);
  // dockerode and its SSH/TLS stack load only when a daemon is really asked.
  const { readDaemonImage } = await import("./daemon.js");
  const fromDaemon = () =>
    readDaemonImage(resolved.ref, {
      ...read,
      engine: resolved.engine,
      pull: pull ?? false,
      onPull,
      endpointEnv,
    });
  if (!resolved.guessed || pull || parseImageRef(resolved.ref).kind === "id") return fromDaemon();
  let daemonFailure: UserError;
  try {
    return await fromDaemon();
  } catch (e) {
    if (!(e instanceof UserError) || e.reason === undefined) throw e;
    daemonFailure = e;
  }
  const { parseRegistryReference } = await import("./registry/reference.js");
  const ref = parseRegistryReference(resolved.ref);
  const why =
    daemonFailure.reason === "not-in-daemon"
      ? `not in the ${ENGINE_NAMES[resolved.engine]} daemon (${daemonWhere(resolved.engine, endpointEnv)})`
      : `no usable ${ENGINE_NAMES[resolved.engine]} daemon (${daemonFailure.message})`;
  onNotice?.(`${resolved.ref}: ${why}; reading ${ref.canonical} from its registry`);
  try {
    return await readFromRegistry(resolved.ref, read);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(
      `${resolved.ref}: ${why}, and from its registry: ${e.message}`,
      e.hint ?? daemonFailure.hint,
      { cause: e },
    );
  }
}

async function readFromRegistry(ref: string, read: ReadOptions & RegistryOptions): Promise<ImageData> {
  const { readRegistryImage } = await import("./registry/registry-image.js");
  return readRegistryImage(ref, read);
}

function daemonWhere(engine: Engine, env: EndpointEnv | undefined): string {
  try {
    return endpointUrl(findEndpoint(engine, env));
  } catch {
    return "its default endpoint";
  }
}

/** One line saying where IMAGE will be read from, e.g. "image layerview-test from Docker at unix:///var/run/docker.sock". */
export function describeSource(arg: string, opts: Pick<OpenOptions, "source" | "endpointEnv"> = {}): string {
  const resolved = resolveSource(arg, opts);
  if (resolved.kind === "archive")
    return resolved.path === "-" ? "archive from standard input" : `archive ${resolved.path}`;
  if (resolved.kind === "registry") return `image ${resolved.ref} from its registry`;
  let where: string;
  try {
    where = ` at ${endpointUrl(findEndpoint(resolved.engine, opts.endpointEnv))}`;
  } catch {
    where = "";
  }
  return `image ${resolved.ref} from ${ENGINE_NAMES[resolved.engine]}${where}`;
}
