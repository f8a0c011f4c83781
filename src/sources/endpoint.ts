import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Agent as HttpsAgent } from "node:https";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../model/diagnostics.js";

export type Engine = "docker" | "podman";

export const ENGINE_NAMES: Record<Engine, string> = { docker: "Docker", podman: "Podman" };

export interface TlsFiles {
  /** PEM files; null where absent (the docker CLI skips missing ones too). */
  ca: string | null;
  cert: string | null;
  key: string | null;
  /** False for DOCKER_TLS without DOCKER_TLS_VERIFY, or a context with SkipTLSVerify. */
  verify: boolean;
}

interface EndpointBase {
  engine: Engine;
  /** Where the setting came from, for messages: "DOCKER_HOST", "docker context 'x'", "default socket". */
  origin: string;
}

export type Endpoint =
  | (EndpointBase & {
      /** A unix socket, or a Windows named pipe (socketPath `\\.\pipe\docker_engine`). */
      kind: "unix" | "npipe";
      socketPath: string;
      /** Default sockets looked for when nothing was configured (the chosen one first if it exists). */
      tried: string[];
      /** The desktop VMs' sockets looked for too, and whose they are ("Colima, OrbStack or …"), for messages. */
      alsoTried?: { tools: string; paths: string[] };
    })
  | (EndpointBase & { kind: "tcp"; host: string; port: number; tls: TlsFiles | null });

/** What endpoint discovery reads: injectable so tests use a fake environment and home directory. */
export interface EndpointEnv {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  exists: (path: string) => boolean;
  readFile: (path: string) => string;
  /** Which default sockets to look for: Windows has named pipes (default: this process's platform). */
  platform?: NodeJS.Platform;
  /** The temporary directory (Podman machine's socket lives there on macOS). */
  tmpdir?: string;
}

export function processEndpointEnv(): EndpointEnv {
  return {
    env: process.env,
    home: homedir(),
    exists: existsSync,
    readFile: (p) => readFileSync(p, "utf8"),
    platform: process.platform,
    tmpdir: tmpdir(),
  };
}

/** The endpoint as a URL-ish string for messages: `unix:///var/run/docker.sock`, `tcp://host:2376`, `npipe:////./pipe/x`. */
export function endpointUrl(e: Endpoint): string {
  if (e.kind === "npipe") return `npipe://${e.socketPath.replace(/\\/g, "/")}`;
  return e.kind !== "tcp" ? `unix://${e.socketPath}` : `tcp://${e.host}:${e.port}`;
}

/**
 * Options for `new Docker(...)` (dockerode / docker-modem) that reach this endpoint and nothing
 * else: every connection key is set, so none of docker-modem's own DOCKER_HOST defaults survive.
 */
export function dockerodeOptions(
  e: Endpoint,
  readFile: (p: string) => Buffer = readFileSync,
): DockerodeOptions {
  const none = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  const common = { ...none, pathPrefix: undefined, timeout: undefined, agent: undefined };
  if (e.kind !== "tcp") return { ...common, protocol: "http", socketPath: e.socketPath };
  if (e.tls === null) return { ...common, protocol: "http", host: e.host, port: e.port };
  const read = (p: string | null) => {
    if (p === null) return undefined;
    try {
      return readFile(p);
    } catch (err) {
      throw new UserError(
        `cannot read TLS file ${p} for ${e.origin}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        "Point DOCKER_CERT_PATH at a directory holding ca.pem, cert.pem and key.pem",
      );
    }
  };
  const tls = { ca: read(e.tls.ca), cert: read(e.tls.cert), key: read(e.tls.key) };
  // docker-modem passes only ca/cert/key to each request; verification is set on the agent.
  // node:https loads only for a TLS endpoint (~9 ms of every start otherwise).
  const { Agent } = createRequire(import.meta.url)("node:https") as typeof import("node:https");
  const agent = new Agent({ ...tls, rejectUnauthorized: e.tls.verify, keepAlive: false });
  return { ...common, protocol: "https", host: e.host, port: e.port, ...tls, agent };
}

export interface DockerodeOptions {
  socketPath: string | undefined;
  protocol: "http" | "https";
  host: string | undefined;
  port: number | undefined;
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  agent: HttpsAgent | undefined;
  pathPrefix: undefined;
  timeout: undefined;
}

/**
 * Find the daemon endpoint the way the engine's own CLI does.
 * Docker: DOCKER_HOST, else DOCKER_CONTEXT / config currentContext, else the usual sockets.
 * Podman: CONTAINER_HOST, else the rootless then rootful sockets.
 */
export function findEndpoint(engine: Engine, ctx: EndpointEnv = processEndpointEnv()): Endpoint {
  return engine === "docker" ? findDockerEndpoint(ctx) : findPodmanEndpoint(ctx);
}

/** True when the user configured this engine (env or context) or one of its default sockets exists. */
export function engineConfigured(engine: Engine, ctx: EndpointEnv = processEndpointEnv()): boolean {
  const e = findEndpoint(engine, ctx);
  return e.origin !== "default socket" || (e.kind !== "tcp" && ctx.exists(e.socketPath));
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

export function dockerConfigDir(ctx: EndpointEnv): string {
  return nonEmpty(ctx.env.DOCKER_CONFIG) ?? join(ctx.home, ".docker");
}

function findDockerEndpoint(ctx: EndpointEnv): Endpoint {
  const host = nonEmpty(ctx.env.DOCKER_HOST);
  if (host !== undefined) {
    const tlsVerify = nonEmpty(ctx.env.DOCKER_TLS_VERIFY) !== undefined;
    const tls = tlsVerify || nonEmpty(ctx.env.DOCKER_TLS) !== undefined;
    const certDir = nonEmpty(ctx.env.DOCKER_CERT_PATH) ?? dockerConfigDir(ctx);
    return parseHost(host, "docker", "DOCKER_HOST", tls ? tlsFilesIn(certDir, tlsVerify, ctx) : null);
  }
  const configDir = dockerConfigDir(ctx);
  const fromEnv = nonEmpty(ctx.env.DOCKER_CONTEXT);
  const name = fromEnv ?? currentContext(configDir, ctx);
  if (name !== undefined && name !== "default") {
    const origin = `docker context '${name}'`;
    const id = createHash("sha256").update(name).digest("hex");
    const metaPath = join(configDir, "contexts", "meta", id, "meta.json");
    if (!ctx.exists(metaPath)) {
      throw new UserError(
        `docker context '${name}' (from ${fromEnv !== undefined ? "DOCKER_CONTEXT" : `${configDir}/config.json`}) does not exist`,
        "List contexts with `docker context ls`; switch with `docker context use NAME`, or set DOCKER_HOST",
      );
    }
    const meta = readJson(metaPath, ctx) as ContextMeta | undefined;
    const ep = meta?.Endpoints?.docker;
    if (typeof ep?.Host !== "string" || ep.Host === "") {
      throw new UserError(
        `${origin} has no Docker endpoint (${metaPath})`,
        "Recreate it with `docker context create NAME --docker host=...`, or set DOCKER_HOST",
      );
    }
    const tlsDir = join(configDir, "contexts", "tls", id, "docker");
    const skipVerify = ep.SkipTLSVerify === true;
    const tls = ctx.exists(tlsDir) || skipVerify ? tlsFilesIn(tlsDir, !skipVerify, ctx) : null;
    return parseHost(ep.Host, "docker", origin, tls);
  }
  if (ctx.platform === "win32") {
    return defaultPipe("docker", ctx, [
      "docker_engine",
      "dockerDesktopLinuxEngine",
      "podman-machine-default",
    ]);
  }
  const runtime = nonEmpty(ctx.env.XDG_RUNTIME_DIR);
  return defaultSocket(
    "docker",
    ctx,
    [
      "/var/run/docker.sock",
      ...(runtime !== undefined ? [join(runtime, "docker.sock")] : []),
      join(ctx.home, ".docker", "run", "docker.sock"),
    ],
    desktopVmSockets(ctx),
  );
}

/**
 * Where the desktop VMs put a Docker API socket when no context names it: Docker Desktop on Linux,
 * Colima ($COLIMA_HOME, its default profile), OrbStack, Rancher Desktop, Podman machine (macOS: in
 * $TMPDIR with podman 5, under ~/.local/share with podman 4).
 */
function desktopVmSockets(ctx: EndpointEnv): { tool: string; path: string }[] {
  const home = ctx.home;
  const colima = nonEmpty(ctx.env.COLIMA_HOME) ?? join(home, ".colima");
  const machine = join(home, ".local", "share", "containers", "podman", "machine");
  return [
    { tool: "Docker Desktop", path: join(home, ".docker", "desktop", "docker.sock") },
    { tool: "Colima", path: join(colima, "default", "docker.sock") },
    { tool: "Colima", path: join(home, ".config", "colima", "default", "docker.sock") },
    { tool: "OrbStack", path: join(home, ".orbstack", "run", "docker.sock") },
    { tool: "Rancher Desktop", path: join(home, ".rd", "docker.sock") },
    ...podmanMachineSockets(ctx).map((path) => ({ tool: "Podman machine", path })),
    { tool: "Podman machine", path: join(machine, "qemu", "podman.sock") },
    { tool: "Podman machine", path: join(machine, "applehv", "podman.sock") },
  ];
}

function podmanMachineSockets(ctx: EndpointEnv): string[] {
  const tmp = nonEmpty(ctx.env.TMPDIR) ?? ctx.tmpdir;
  const machine = join(ctx.home, ".local", "share", "containers", "podman", "machine");
  return [
    ...(tmp !== undefined ? [join(tmp, "podman", "podman-machine-default-api.sock")] : []),
    join(machine, "podman.sock"),
  ];
}

function findPodmanEndpoint(ctx: EndpointEnv): Endpoint {
  const host = nonEmpty(ctx.env.CONTAINER_HOST);
  if (host !== undefined) return parseHost(host, "podman", "CONTAINER_HOST", null);
  if (ctx.platform === "win32") return defaultPipe("podman", ctx, ["podman-machine-default"]);
  const runtime = nonEmpty(ctx.env.XDG_RUNTIME_DIR);
  return defaultSocket(
    "podman",
    ctx,
    [...(runtime !== undefined ? [join(runtime, "podman", "podman.sock")] : []), "/run/podman/podman.sock"],
    podmanMachineSockets(ctx).map((path) => ({ tool: "Podman machine", path })),
  );
}

function defaultSocket(
  engine: Engine,
  ctx: EndpointEnv,
  candidates: string[],
  vms: { tool: string; path: string }[] = [],
): Endpoint {
  const all = [...candidates, ...vms.map((v) => v.path)];
  const found = all.find((p) => ctx.exists(p)) ?? candidates[0]!;
  const tools = [...new Set(vms.map((v) => v.tool))];
  const alsoTried =
    tools.length === 0 ? undefined : { tools: listOf(tools, "or"), paths: vms.map((v) => v.path) };
  return { engine, origin: "default socket", kind: "unix", socketPath: found, tried: candidates, alsoTried };
}

/** Windows: the engine's named pipes, the first that exists (else the first). */
function defaultPipe(engine: Engine, ctx: EndpointEnv, names: string[]): Endpoint {
  const pipes = names.map((n) => `\\\\.\\pipe\\${n}`);
  const found = pipes.find((p) => ctx.exists(p)) ?? pipes[0]!;
  return { engine, origin: "default socket", kind: "npipe", socketPath: found, tried: pipes };
}

function listOf(items: string[], word: string): string {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} ${word} ${items.at(-1)}`;
}

interface ContextMeta {
  Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
}

function currentContext(configDir: string, ctx: EndpointEnv): string | undefined {
  const path = join(configDir, "config.json");
  if (!ctx.exists(path)) return undefined;
  const config = readJson(path, ctx) as { currentContext?: unknown } | undefined;
  return typeof config?.currentContext === "string" ? nonEmpty(config.currentContext) : undefined;
}

function readJson(path: string, ctx: EndpointEnv): unknown {
  let text: string;
  try {
    text = ctx.readFile(path);
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`, "Check the file's permissions");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not valid JSON`, "Fix or remove the file, or set DOCKER_HOST");
  }
}

function tlsFilesIn(dir: string, verify: boolean, ctx: EndpointEnv): TlsFiles {
  const file = (name: string) => (ctx.exists(join(dir, name)) ? join(dir, name) : null);
  return { ca: file("ca.pem"), cert: file("cert.pem"), key: file("key.pem"), verify };
}

/** Parse `unix:///path`, `tcp://host[:port]` (also http/https) into an endpoint; `origin` names the setting. */
export function parseHost(value: string, engine: Engine, origin: string, tls: TlsFiles | null): Endpoint {
  const bad = (why: string) =>
    new UserError(
      `${origin}=${value} ${why}`,
      engine === "docker"
        ? "Use unix:///path/to/docker.sock, npipe:////./pipe/NAME or tcp://HOST:PORT"
        : "Use unix:///path/to/podman.sock or tcp://HOST:PORT",
    );
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // The docker CLI reads a bare path as a unix socket.
    if (value.startsWith("/")) return { engine, origin, kind: "unix", socketPath: value, tried: [] };
    throw bad("is not a URL");
  }
  const rest = value.slice(scheme.length + 3);
  if (scheme === "unix") {
    if (rest === "") throw bad("names no socket path");
    return { engine, origin, kind: "unix", socketPath: rest, tried: [] };
  }
  if (scheme === "npipe") {
    // npipe:////./pipe/docker_engine (as the docker CLI writes it) → \\.\pipe\docker_engine.
    const pipe = rest.replace(/\//g, "\\");
    if (!/^\\\\[.?]\\pipe\\[^\\]+$/.test(pipe)) throw bad("names no pipe (npipe:////./pipe/NAME)");
    return { engine, origin, kind: "npipe", socketPath: pipe, tried: [] };
  }
  if (scheme === "tcp" || scheme === "http" || scheme === "https") {
    let url: URL;
    try {
      url = new URL(`http://${rest}`);
    } catch {
      throw bad("is not a valid address");
    }
    if (url.hostname === "") throw bad("names no host");
    const useTls = tls ?? (scheme === "https" ? { ca: null, cert: null, key: null, verify: true } : null);
    const port = url.port !== "" ? Number(url.port) : useTls !== null ? 2376 : 2375;
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return { engine, origin, kind: "tcp", host, port, tls: useTls };
  }
  if (scheme === "ssh") {
    throw new UserError(
      `${origin}=${value}: ssh:// endpoints are not supported yet`,
      `Forward the socket instead: ssh -nNT -L /tmp/${engine}.sock:/var/run/${engine}.sock HOST, then ${origin === "CONTAINER_HOST" ? "CONTAINER_HOST" : "DOCKER_HOST"}=unix:///tmp/${engine}.sock`,
    );
  }
  throw bad(`uses an unsupported scheme '${scheme}://'`);
}
