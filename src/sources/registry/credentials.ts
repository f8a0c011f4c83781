/**
 * Registry credentials, found the way the docker and podman CLIs find them. The first source
 * that yields a credential wins:
 *
 * 1. the explicit `--creds USER:PASSWORD`, then `LAYERVIEW_REGISTRY_CREDS=USER:PASSWORD` (for CI);
 * 2. `$REGISTRY_AUTH_FILE` (podman/skopeo's explicit file, containers auth.json format);
 * 3. docker: `$DOCKER_AUTH_CONFIG` (config.json text in the environment, docker CLI 28+), then
 *    `$DOCKER_CONFIG/config.json` else `~/.docker/config.json`:
 *    - `credHelpers[host]`: that helper is asked; if it has nothing, go on to step 4 (docker stops there);
 *    - else `credsStore`: that helper is asked; if it has nothing, this file's `auths` are used
 *      (podman reads the same file that way; the docker CLI itself would go anonymous);
 *    - else `auths`;
 * 4. podman: `$XDG_RUNTIME_DIR/containers/auth.json` (else `/run/containers/UID/auth.json`), then
 *    `$XDG_CONFIG_HOME/containers/auth.json` (default `~/.config`): `credHelpers[host]`, else `auths`.
 *
 * `auths` keys may be spelled with or without scheme and API path ("https://index.docker.io/v1/",
 * "http://host:5000", "host/v2/"); Docker Hub's host names are one registry. Keys may also carry a
 * repository namespace ("quay.io/org", "quay.io/org/repo"), which only match repositories under it;
 * the most specific key that holds a credential wins (podman's rule, applied to every file).
 * Helpers get "https://index.docker.io/v1/" for Docker Hub from docker's config, "docker.io" from
 * podman's files, and the registry host otherwise — the names each CLI stored them under.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { homedir, constants as osConstants } from "node:os";
import { join } from "node:path";
import { UserError } from "../../model/diagnostics.js";

export type Credential =
  | { kind: "basic"; username: string; password: string; from: string }
  /** OAuth2 refresh token (docker's "identitytoken"; a helper's Username "<token>"). */
  | { kind: "identity-token"; username: string; token: string; from: string }
  /** Docker's "registrytoken": sent as `Authorization: Bearer TOKEN` as is. */
  | { kind: "registry-token"; token: string; from: string };

export interface CredentialEnv {
  env: Record<string, string | undefined>;
  home: string;
  /** Read a file as text, null when missing/unreadable. */
  readFile(path: string): string | null;
  /** Run `docker-credential-NAME get` with `serverURL` on stdin; resolve {stdout, stderr, code}; reject if the program is not found. */
  runHelper(
    name: string,
    serverUrl: string,
    signal?: AbortSignal,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Numeric user id, for podman's `/run/containers/UID/auth.json` when XDG_RUNTIME_DIR is unset. */
  uid?: number;
  /** Told about entries skipped the way the engines skip them; never given a secret. */
  warn?(message: string): void;
}

export interface CredentialQuery {
  /** Registry host as in the reference, with port: "docker.io", "ghcr.io", "127.0.0.1:5000". */
  registry: string;
  /** Repository path, e.g. "library/nginx" (containers auth.json may key by "host/namespace/repo"). */
  repository: string;
  /** From `--creds USER:PASSWORD` (already split by parseCredsFlag), if given. */
  explicit?: Credential;
}

/** Bigger than any real credential file; stops a wrong path (a disk image, /dev/zero) early. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_HELPER_STDOUT = 1024 * 1024;
const MAX_HELPER_STDERR = 64 * 1024;
const HELPER_TIMEOUT_MS = 30_000;
const NOT_FOUND_MESSAGE = "credentials not found in native keychain";
const HUB_SERVER_URL = "https://index.docker.io/v1/";
const HUB_HOSTS: ReadonlySet<string> = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** The real environment; `helperTimeoutMs` bounds each helper run (30 s by default). */
export function processCredentialEnv(options: { helperTimeoutMs?: number } = {}): CredentialEnv {
  const timeoutMs = options.helperTimeoutMs ?? HELPER_TIMEOUT_MS;
  const uid = process.getuid?.();
  return {
    env: process.env,
    home: homedir(),
    ...(uid !== undefined ? { uid } : {}),
    readFile: (path) => readFileCapped(path, MAX_CONFIG_BYTES)?.toString("utf8") ?? null,
    runHelper: (name, serverUrl, signal) =>
      runProgram(`docker-credential-${name}`, serverUrl, timeoutMs, signal),
  };
}

/** Up to `cap + 1` bytes of a file (enough to tell it is too big), null when it cannot be read. */
export function readFileCapped(path: string, cap: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    let total = 0;
    while (total <= cap) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
    }
    return Buffer.concat(chunks);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function runProgram(
  program: string,
  serverUrl: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(program, ["get"], { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    // Rejects at once: a killed shell's children may hold the pipes open long after.
    const stop = (why: unknown) => {
      if (settled) return;
      child.kill("SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
      settle(() => reject(why));
    };
    const timer = setTimeout(
      () => stop(new Error(`${program} did not answer within ${Math.round(timeoutMs / 100) / 10} s`)),
      timeoutMs,
    );
    const onAbort = () => stop(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > MAX_HELPER_STDOUT) stop(new Error(`${program} printed more than 1 MiB`));
      else stdout.push(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      errBytes += c.length;
      if (errBytes <= MAX_HELPER_STDERR) stderr.push(c);
    });
    // A helper that exits without reading stdin closes the pipe under us; its exit status tells the rest.
    child.stdin.on("error", () => {});
    child.on("error", (err) => settle(() => reject(err)));
    child.on("close", (code, sig) => {
      const signum = sig !== null ? (osConstants.signals[sig] ?? 0) : 0;
      settle(() =>
        resolve({
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8"),
          code: code ?? 128 + signum,
        }),
      );
    });
    // The docker CLI writes the server URL without a newline.
    child.stdin.end(serverUrl);
  });
}

/** Split `USER:PASSWORD` (the password may contain ':'); errors never repeat the value. */
export function parseCredsFlag(value: string, from: string): Credential {
  const hint = `Give ${from} as USER:PASSWORD (the password may itself contain ':')`;
  const colon = value.indexOf(":");
  if (colon < 0) throw new UserError(`${from} has no password: expected USER:PASSWORD`, hint);
  const username = value.slice(0, colon);
  const password = value.slice(colon + 1);
  if (username === "") throw new UserError(`${from} has an empty user name: expected USER:PASSWORD`, hint);
  if (password === "") throw new UserError(`${from} has an empty password: expected USER:PASSWORD`, hint);
  return { kind: "basic", username, password, from };
}

interface Target {
  /** As the query gave it, for messages and helper server URLs. */
  registry: string;
  /** Lowercase, Docker Hub's names folded to "docker.io". */
  host: string;
  hub: boolean;
  repo: string[];
}

/** Find the credential for `q` in the order documented at the top of this file; null = anonymous. */
export async function findCredential(
  q: CredentialQuery,
  env: CredentialEnv,
  signal?: AbortSignal,
): Promise<Credential | null> {
  signal?.throwIfAborted();
  if (q.explicit !== undefined) return q.explicit;
  const ciCreds = env.env.LAYERVIEW_REGISTRY_CREDS;
  if (ciCreds !== undefined && ciCreds !== "") return parseCredsFlag(ciCreds, "LAYERVIEW_REGISTRY_CREDS");

  const host = normalizeHost(q.registry);
  const hub = host === "docker.io";
  const repo = q.repository.split("/").filter((s) => s !== "");
  // docker.io/nginx is docker.io/library/nginx; auth.json keys use the long form.
  if (hub && repo.length === 1) repo.unshift("library");
  const t: Target = { registry: q.registry, host, hub, repo };

  const authFile = nonEmpty(env.env.REGISTRY_AUTH_FILE);
  if (authFile !== undefined) {
    const text = env.readFile(authFile);
    if (text === null) env.warn?.(`REGISTRY_AUTH_FILE names ${authFile}, which cannot be read; ignored`);
    const c = text === null ? null : await fromContainersFile(parseAuthFile(text, authFile), t, env, signal);
    if (c !== null) return c;
  }

  const inEnv = nonEmpty(env.env.DOCKER_AUTH_CONFIG);
  if (inEnv !== undefined) {
    const c = fromDockerAuthConfigEnv(inEnv, t, env);
    if (c !== null) return c;
  }

  const dockerConfig = join(nonEmpty(env.env.DOCKER_CONFIG) ?? join(env.home, ".docker"), "config.json");
  const dockerText = env.readFile(dockerConfig);
  if (dockerText !== null) {
    const c = await fromDockerFile(parseAuthFile(dockerText, dockerConfig), t, env, signal);
    if (c !== null) return c;
  }

  for (const path of podmanAuthFiles(env)) {
    if (path === authFile) continue;
    const text = env.readFile(path);
    if (text === null) continue;
    const c = await fromContainersFile(parseAuthFile(text, path), t, env, signal);
    if (c !== null) return c;
  }
  return null;
}

function podmanAuthFiles(env: CredentialEnv): string[] {
  const runtime = nonEmpty(env.env.XDG_RUNTIME_DIR);
  const configHome = nonEmpty(env.env.XDG_CONFIG_HOME) ?? join(env.home, ".config");
  const paths: string[] = [];
  if (runtime !== undefined) paths.push(join(runtime, "containers", "auth.json"));
  else if (env.uid !== undefined) paths.push(`/run/containers/${env.uid}/auth.json`);
  paths.push(join(configHome, "containers", "auth.json"));
  return paths;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

// ---- config files ----

interface AuthEntry {
  key: string;
  auth?: string;
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

interface AuthFile {
  /** The file path, or "DOCKER_AUTH_CONFIG". */
  where: string;
  auths: AuthEntry[];
  credHelpers: { key: string; helper: string }[];
  credsStore: string | null;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A field as Go's encoding/json finds it: the exact name, else a case-insensitive match. */
function field(obj: JsonObject, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

/** A registry key for messages: quoted, and cut short in case a file is not what it seems. */
function showKey(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}

function parseAuthFile(text: string, where: string): AuthFile {
  const hint = `Fix or remove ${where} (log in again with docker login or podman login to rewrite it)`;
  if (Buffer.byteLength(text, "utf8") > MAX_CONFIG_BYTES) {
    throw new UserError(`${where} is larger than 4 MiB, too big for a registry credential file`, hint);
  }
  let doc: unknown;
  try {
    // An empty file is an empty config to the docker CLI.
    doc = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which may hold a password: say only that it is broken.
    throw new UserError(`${where} is not valid JSON`, hint);
  }
  if (doc === null) doc = {};
  if (!isObject(doc)) throw new UserError(`${where} is not a JSON object`, hint);
  const bad = (what: string) => new UserError(`${where}: ${what}`, hint);

  const auths: AuthEntry[] = [];
  const rawAuths = field(doc, "auths");
  if (rawAuths !== undefined && rawAuths !== null) {
    if (!isObject(rawAuths)) throw bad(`"auths" is not an object`);
    for (const [key, value] of Object.entries(rawAuths)) {
      if (value === null) {
        auths.push({ key });
        continue;
      }
      if (!isObject(value)) throw bad(`auths entry ${showKey(key)} is not an object`);
      const entry: AuthEntry = { key };
      const str = (name: string): string | undefined => {
        const v = field(value, name);
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "string") throw bad(`"${name}" of auths entry ${showKey(key)} is not a string`);
        return v;
      };
      const auth = str("auth");
      const username = str("username");
      const password = str("password");
      const identityToken = str("identitytoken");
      const registryToken = str("registrytoken");
      if (auth !== undefined) entry.auth = auth;
      if (username !== undefined) entry.username = username;
      if (password !== undefined) entry.password = password;
      if (identityToken !== undefined) entry.identityToken = identityToken;
      if (registryToken !== undefined) entry.registryToken = registryToken;
      auths.push(entry);
    }
  }

  const credHelpers: { key: string; helper: string }[] = [];
  const rawHelpers = field(doc, "credHelpers");
  if (rawHelpers !== undefined && rawHelpers !== null) {
    if (!isObject(rawHelpers)) throw bad(`"credHelpers" is not an object`);
    for (const [key, helper] of Object.entries(rawHelpers)) {
      if (helper === null) continue;
      if (typeof helper !== "string") throw bad(`credHelpers entry ${showKey(key)} is not a string`);
      credHelpers.push({ key, helper });
    }
  }

  const rawStore = field(doc, "credsStore");
  if (rawStore !== undefined && rawStore !== null && typeof rawStore !== "string") {
    throw bad(`"credsStore" is not a string`);
  }
  const credsStore = typeof rawStore === "string" && rawStore !== "" ? rawStore : null;
  return { where, auths, credHelpers, credsStore };
}

/** docker CLI 28+: DOCKER_AUTH_CONFIG holds config.json text; the CLI ignores it when it does not parse. */
function fromDockerAuthConfigEnv(text: string, t: Target, env: CredentialEnv): Credential | null {
  let file: AuthFile;
  try {
    file = parseAuthFile(text, "DOCKER_AUTH_CONFIG");
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    env.warn?.(`${err.message}; ignored, as the docker CLI does`);
    return null;
  }
  return fromAuths(file, t, env, "docker");
}

async function fromDockerFile(
  file: AuthFile,
  t: Target,
  env: CredentialEnv,
  signal?: AbortSignal,
): Promise<Credential | null> {
  const helper = helperFor(file, t);
  // An empty credHelpers value means "this file's auths" to the docker CLI, not credsStore.
  if (helper !== null && helper !== "") {
    return askHelper(helper, t.hub ? HUB_SERVER_URL : t.registry, t, "credHelpers", file.where, env, signal);
  }
  if (helper === null && file.credsStore !== null) {
    const serverUrl = t.hub ? HUB_SERVER_URL : t.registry;
    const c = await askHelper(file.credsStore, serverUrl, t, "credsStore", file.where, env, signal);
    if (c !== null) return c;
  }
  return fromAuths(file, t, env, "docker");
}

async function fromContainersFile(
  file: AuthFile,
  t: Target,
  env: CredentialEnv,
  signal?: AbortSignal,
): Promise<Credential | null> {
  // podman ignores credsStore; its helpers are keyed and asked by the bare registry ("docker.io").
  const helper = helperFor(file, t);
  if (helper !== null && helper !== "") {
    return askHelper(helper, t.hub ? "docker.io" : t.registry, t, "credHelpers", file.where, env, signal);
  }
  return fromAuths(file, t, env, "containers");
}

/** The credHelpers value for the registry (keys name a registry, never a namespace), or null. */
function helperFor(file: AuthFile, t: Target): string | null {
  let found: string | null = null;
  for (const { key, helper } of file.credHelpers) {
    const k = parseAuthKey(key);
    if (k === null || k.host !== t.host || k.path.length > 0) continue;
    if (key === t.registry) return helper;
    found ??= helper;
  }
  return found;
}

interface AuthKey {
  host: string;
  path: string[];
}

/** "https://host:5000/v2/" → host:5000; "quay.io/org/" → quay.io + [org]; Hub's names → docker.io. */
export function parseAuthKey(raw: string): AuthKey | null {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw);
  const rest = scheme === null ? raw : raw.slice(scheme[0].length);
  const [host = "", ...segments] = rest.split("/");
  if (host === "") return null;
  // A URL key names a registry (its path is an API path); a bare key may name a namespace.
  let path = scheme === null ? segments.filter((s) => s !== "") : [];
  if (path.length === 1 && (path[0] === "v1" || path[0] === "v2")) path = [];
  return { host: normalizeHost(host), path };
}

function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return HUB_HOSTS.has(h) ? "docker.io" : h;
}

/** Keys matching the target, most specific first; among equals, the spelling this CLI looks up first. */
function fromAuths(
  file: AuthFile,
  t: Target,
  env: CredentialEnv,
  flavour: "docker" | "containers",
): Credential | null {
  const candidates: { entry: AuthEntry; depth: number; rank: number; order: number }[] = [];
  file.auths.forEach((entry, order) => {
    const k = parseAuthKey(entry.key);
    if (k === null || k.host !== t.host || k.path.length > t.repo.length) return;
    if (!k.path.every((seg, i) => seg === t.repo[i])) return;
    const literal = entry.key === [t.registry, ...k.path].join("/");
    const hubUrl = t.hub && k.path.length === 0 && entry.key === HUB_SERVER_URL;
    // docker asks for "https://index.docker.io/v1/", podman for "docker.io".
    const rank = flavour === "docker" ? (hubUrl ? 2 : literal ? 1 : 0) : literal ? 2 : hubUrl ? 1 : 0;
    candidates.push({ entry, depth: k.path.length, rank, order });
  });
  candidates.sort((a, b) => b.depth - a.depth || b.rank - a.rank || a.order - b.order);
  for (const { entry } of candidates) {
    const c = decodeEntry(entry, file.where, env);
    if (c !== null) return c;
  }
  return null;
}

function decodeEntry(entry: AuthEntry, where: string, env: CredentialEnv): Credential | null {
  const name = `auths entry ${showKey(entry.key)}`;
  let username = entry.username ?? "";
  let password = entry.password ?? "";
  if (entry.auth !== undefined && entry.auth !== "") {
    const hint = `Log in again (docker login / podman login) to rewrite ${where}`;
    // Go's base64 decoder skips line breaks; anything else outside the alphabet is an error.
    const b64 = entry.auth.replace(/[\r\n]/g, "");
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      throw new UserError(`${where}: the "auth" field of ${name} is not valid base64`, hint);
    }
    const decoded = Buffer.from(b64, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      throw new UserError(`${where}: the "auth" field of ${name} is not base64 of USER:PASSWORD`, hint);
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, "");
    if (username === "") {
      throw new UserError(`${where}: the "auth" field of ${name} has an empty user name`, hint);
    }
  }
  // The docker daemon tries a registry token, then an identity token, then the password.
  if (entry.registryToken !== undefined && entry.registryToken !== "") {
    return { kind: "registry-token", token: entry.registryToken, from: where };
  }
  if (entry.identityToken !== undefined && entry.identityToken !== "") {
    return { kind: "identity-token", username, token: entry.identityToken, from: where };
  }
  if (username !== "" && password !== "") return { kind: "basic", username, password, from: where };
  if (username !== "") env.warn?.(`${where}: ${name} has a user name but no password; ignored`);
  return null;
}

// ---- credential helpers ----

async function askHelper(
  name: string,
  serverUrl: string,
  t: Target,
  setting: "credHelpers" | "credsStore",
  file: string,
  env: CredentialEnv,
  signal?: AbortSignal,
): Promise<Credential | null> {
  const program = `docker-credential-${name}`;
  const origin = `${setting} in ${file}`;
  // The name becomes a program name: a path in it would run something that is not a helper.
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/.test(name)) {
    throw new UserError(
      `${origin} names ${showKey(name)}, which is not a credential helper name`,
      `Use a helper suffix like "pass" or "desktop" (for docker-credential-pass), or remove it from ${file}`,
    );
  }
  let result: { stdout: string; stderr: string; code: number };
  try {
    result = await env.runHelper(name, serverUrl, signal);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === "ENOENT") {
      throw new UserError(
        `credential helper ${program} (${origin}) is not installed, so there are no credentials for ${t.registry}`,
        `Install ${program} on PATH, or remove it from ${file}`,
      );
    }
    const why = code ?? (err instanceof Error ? err.message : "it could not be started");
    throw new UserError(
      `credential helper ${program} (${origin}) failed for ${t.registry}: ${why}`,
      `Check that \`${program} get\` works, or remove it from ${file}`,
    );
  }
  if (
    result.stdout.includes(NOT_FOUND_MESSAGE) ||
    (result.code !== 0 && result.stderr.includes(NOT_FOUND_MESSAGE))
  ) {
    return null;
  }
  const helperHint = `Check that \`${program} get\` works (an unlocked keychain, a gpg agent), or log in to ${t.registry} again`;
  if (result.code !== 0) {
    // Helpers print their error on stdout, which could hold anything: only stderr's first line is shown.
    const line = result.stderr
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "");
    const detail = line === undefined ? "" : `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
    throw new UserError(
      `credential helper ${program} (${origin}) failed for ${t.registry} with exit code ${result.code}${detail}`,
      helperHint,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(result.stdout);
  } catch {
    doc = undefined;
  }
  const username = isObject(doc) ? field(doc, "Username") : undefined;
  const secret = isObject(doc) ? field(doc, "Secret") : undefined;
  if (!isObject(doc) || (username != null && typeof username !== "string") || typeof secret !== "string") {
    throw new UserError(
      `credential helper ${program} (${origin}) answered for ${t.registry} with something other than {"Username","Secret"} JSON`,
      helperHint,
    );
  }
  if (secret === "") return null;
  if (username === "<token>") return { kind: "identity-token", username: "", token: secret, from: program };
  return {
    kind: "basic",
    username: typeof username === "string" ? username : "",
    password: secret,
    from: program,
  };
}
