import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import http from "node:http";
import https from "node:https";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, it } from "vitest";
import { realFixture, useRealFixtures } from "../real-fixtures.js";
import { type FaultProxy, startFaultProxy as startProxy } from "./fault-proxy.js";
import { BIG_IMAGE_NAME, bigImageKey, convertToEstargz, writeBigImageLayout } from "./images/big-image.js";
import { startTokenServer, type TokenServer, type TokenServerOptions } from "./token-server.js";

/**
 * A real registry (distribution 2.8, Debian's `docker-registry`) on loopback, in the setups users
 * meet: plain HTTP, TLS with our own CA, htpasswd, token auth (our Node token server), silly auth.
 * Each registry has its own temp root, port, config and logs, and is stopped by its PID.
 * See ../../../shared/notes/real-engines.md for the recipes behind this file.
 */

export type { FaultAction, FaultProxy, FaultRule, ProxiedRequest, RedirectedRequest } from "./fault-proxy.js";
export type { TokenRequest, TokenServer } from "./token-server.js";

export type RegistryAuth =
  | { kind: "none" }
  | { kind: "basic"; username: string; password: string }
  | { kind: "token"; username: string; password: string }
  | { kind: "silly" };

export interface RegistryOptions {
  tls?: boolean;
  auth?: RegistryAuth;
  /** Token auth only: how the JWT names its key, token lifetime, anonymous pull. */
  token?: Pick<TokenServerOptions, "keyId" | "expiresIn" | "anonymousPull">;
}

export interface ServedRequest {
  method: string;
  /** The request path without its query. */
  path: string;
  /** The path with its query, as logged. */
  uri: string;
  status: number;
  /** Body bytes the registry wrote (for a dropped connection: what it wrote before noticing). */
  bytes: number;
  /**
   * For a 206: the range the registry served, rebuilt from its debug log (the offset its storage
   * reader opened at, plus the byte count): "bytes=A-B". For a multipart answer only the starts are
   * known: "bytes=A-,C-". null otherwise. (distribution does not log request headers.)
   */
  range: string | null;
}

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http(s)://127.0.0.1:PORT" */
  url: string;
  /** CA that signed the server certificate (TLS), else null. */
  caFile: string | null;
  /** Laid out like docker's certs.d: <certsDir>/127.0.0.1:PORT/ca.crt (TLS), else null. */
  certsDir: string | null;
  /** The server certificate and key (TLS), for other servers posing as this one (the fault proxy). */
  serverCert: { certFile: string; keyFile: string } | null;
  auth: RegistryAuth;
  /** Token and silly auth: the realm's server (counts token requests, can fail on demand). */
  token: TokenServer | null;
  /** The registry's PID, its root (config, storage, logs). */
  pid: number;
  root: string;
  logFiles: { access: string; server: string };
  /** Every request since start, from the access log, oldest first (waits until the logs are quiet). */
  served(): Promise<ServedRequest[]>;
  /**
   * Push with skopeo (src "docker-archive:…", "oci-archive:…", "oci:DIR"; dest "repo:tag"). Returns
   * the manifest digest. Blob-reuse trap: skopeo's machine-wide blob cache reuses any blob of the same
   * content already in this registry, whatever the format flags say — a docker archive pushed after
   * the zstd variants comes out as an OCI manifest with zstd layers. Push variants into a fresh
   * registry, or push prepared OCI dirs with ["--preserve-digests"].
   */
  push(src: string, dest: string, flags?: string[]): Promise<string>;
  /** PUT a raw manifest or index; returns the registry's digest for it. */
  putManifest(repo: string, ref: string, body: Buffer, mediaType: string): Promise<string>;
  /** Monolithic blob upload (POST then PUT ?digest=); returns the digest. */
  putBlob(repo: string, body: Buffer): Promise<string>;
  /** DELETE a manifest by digest (storage.delete is enabled). */
  deleteManifest(repo: string, digest: string): Promise<void>;
  /** Flip one byte of a stored blob on disk: the registry then serves bytes that do not match the digest. */
  corruptStoredBlob(digest: string, at: number): void;
  /** An HTTP request to the registry with the harness's own credentials for `scope` (derived from the path when omitted). */
  request(path: string, init?: HarnessRequestInit): Promise<HttpResult>;
  /** GET a manifest with every manifest Accept type; body and the registry's digest and type. */
  manifest(repo: string, ref: string): Promise<{ digest: string; mediaType: string; body: Buffer }>;
  /** skopeo flags for this registry: TLS (or its absence) and credentials; prefix "src"/"dest" or "" (inspect). */
  skopeoFlags(prefix: "src" | "dest" | ""): string[];
  stop(): Promise<void>;
}

export interface HarnessRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** e.g. "repository:foo:pull"; defaults from the path and method. */
  scope?: string;
  /** Send no credentials at all. */
  anonymous?: boolean;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Accept header with every manifest type: asking with fewer gives 404s or schema 1 (see the notes). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

const run = promisify(execFile);

/** True when LAYERVIEW_REQUIRE_ENGINES=1: missing tools then fail tests instead of skipping them. */
export function requireRegistry(): boolean {
  return process.env.LAYERVIEW_REQUIRE_ENGINES === "1";
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d !== "" && existsSync(join(d, cmd)));
}

/** Which of the tools a setup needs are missing: [] when all are there. */
export function missingTools(
  opts: { tls?: boolean; auth?: RegistryAuth["kind"]; estargz?: boolean } = {},
): string[] {
  const need = ["docker-registry", "skopeo"];
  if (opts.tls || opts.auth === "token") need.push("openssl");
  if (opts.auth === "basic") need.push("htpasswd");
  if (opts.estargz) need.push("containerd", "ctr-remote");
  const missing = need.filter((c) => !onPath(c));
  // The test images are pushed from ../shared/fixtures/real: without it there is nothing to serve.
  if (!useRealFixtures) missing.push(REAL_FIXTURES);
  return missing;
}

const APT_PACKAGE: Record<string, string> = {
  "docker-registry": "docker-registry",
  skopeo: "skopeo",
  openssl: "openssl",
  htpasswd: "apache2-utils",
  containerd: "containerd",
  "ctr-remote": "stargz-snapshotter",
};

const REAL_FIXTURES = "../shared/fixtures/real";

/** Why tests needing these tools cannot run here ("" when they can). */
export function missingReason(missing: string[]): string {
  if (missing.length === 0) return "";
  const tools = missing.filter((m) => m !== REAL_FIXTURES);
  const apt =
    tools.length > 0
      ? ` (apt-get install -y ${[...new Set(tools.map((m) => APT_PACKAGE[m] ?? m))].join(" ")})`
      : "";
  return `missing ${missing.join(", ")}${apt}`;
}

/**
 * describe() when the tools are here; otherwise a skipped suite whose title says why, or (with
 * LAYERVIEW_REQUIRE_ENGINES=1) a suite with one failing test.
 */
export function describeRegistry(
  title: string,
  body: () => void,
  need: Parameters<typeof missingTools>[0] = { tls: true, auth: "basic" },
): void {
  const reason = missingReason(missingTools(need));
  if (reason === "") describe(title, body);
  else if (requireRegistry())
    describe(title, () => {
      it(`needs a real registry (LAYERVIEW_REQUIRE_ENGINES=1): ${reason}`, () => {
        throw new Error(`registry tests cannot run: ${reason}`);
      });
    });
  else describe.skip(`${title} — SKIPPED: ${reason}`, body);
}

// ---------------------------------------------------------------------------------------------
// Processes and temp dirs of this test file: stopped / removed after its tests (an afterAll this
// module registers in the file that imports it), and at process exit as a fallback.

const liveChildren = new Map<number, ChildProcess>();
const tempDirs = new Set<string>();
const openRegistries = new Set<RunningRegistry>();
const openProxies = new Set<FaultProxy>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pid of liveChildren.keys()) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {}
    }
    if (process.env.LAYERVIEW_KEEP_REGISTRY === "1") return;
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}

/** Stop every registry (and so its token server) still running, remove the TLS and signing material. */
export async function stopAllRegistries(): Promise<void> {
  await Promise.all([...openProxies].map((p) => p.stop()));
  await Promise.all([...openRegistries].map((r) => r.stop()));
  await Promise.all([...liveChildren.values()].map((c) => stopChild(c)));
  if (process.env.LAYERVIEW_KEEP_REGISTRY !== "1")
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
  tlsPromise = null;
  signingPromise = null;
}

// The bench imports the harness outside vitest: there is no suite to hook into, and it stops its own.
if (process.env.VITEST !== undefined) afterAll(stopAllRegistries);

function tempDir(prefix: string): string {
  installExitHook();
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

async function stopChild(child: ChildProcess, ms = 10_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(pid, "SIGTERM");
    } catch {}
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((r) => {
      timer = setTimeout(() => r("late"), ms);
    });
    if ((await Promise.race([exited, late])) === "late") {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
      await exited;
    }
    clearTimeout(timer);
  }
  liveChildren.delete(pid);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One HTTP(S) request with node:http, the body read whole (bounded by timeoutMs). */
export function httpRequest(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    ca?: Buffer | string;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: init.method ?? "GET",
        headers: { ...(init.body ? { "Content-Length": String(init.body.length) } : {}), ...init.headers },
        ca: init.ca,
        agent: false,
        timeout: init.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

// ---------------------------------------------------------------------------------------------
// TLS and token-signing material: generated once per test process with openssl.

export interface TlsMaterial {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
}

let tlsPromise: Promise<TlsMaterial> | null = null;
let signingPromise: Promise<{ keyFile: string; certFile: string }> | null = null;
/** Milliseconds each one-time setup took in this process (for reports). */
export const setupTimings: Record<string, number> = {};

const openssl = (args: string[], cwd: string) => run("openssl", args, { cwd, timeout: 60_000 });

/** A CA and a server certificate it signs (SAN IP:127.0.0.1, DNS:localhost), once per process. */
export function tlsMaterial(): Promise<TlsMaterial> {
  tlsPromise ??= (async () => {
    const t = performance.now();
    const dir = tempDir("lv-registry-tls-");
    await openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3",
        "-subj",
        "/CN=layerview test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      dir,
    );
    await openssl(
      [
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
      ],
      dir,
    );
    writeFileSync(
      join(dir, "server.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    await openssl(
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "3",
        "-extfile",
        "server.ext",
      ],
      dir,
    );
    setupTimings.tlsGenerate = performance.now() - t;
    return {
      dir,
      caFile: join(dir, "ca.crt"),
      certFile: join(dir, "server.crt"),
      keyFile: join(dir, "server.key"),
      ca: readFileSync(join(dir, "ca.crt")),
    };
  })();
  return tlsPromise;
}

/** The token server's RSA signing key and the self-signed certificate the registry trusts. */
function signingMaterial(): Promise<{ keyFile: string; certFile: string }> {
  signingPromise ??= (async () => {
    const t = performance.now();
    const dir = tempDir("lv-registry-signing-");
    await openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "token.key",
        "-out",
        "token.crt",
        "-days",
        "3",
        "-subj",
        "/CN=layerview token signer",
      ],
      dir,
    );
    setupTimings.tokenKeyGenerate = performance.now() - t;
    return { keyFile: join(dir, "token.key"), certFile: join(dir, "token.crt") };
  })();
  return signingPromise;
}

// ---------------------------------------------------------------------------------------------
// The registry.

const SERVICE = "layerview-registry";
const ISSUER = "layerview-token-issuer";

interface Completion {
  method: string;
  uri: string;
  status: number;
  written: number;
  multipart: boolean;
  offsets: number[];
  used: boolean;
}

const FIELD = /([\w.]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  FIELD.lastIndex = 0;
  for (let m = FIELD.exec(line); m; m = FIELD.exec(line)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith('"') ? (JSON.parse(v) as string) : v;
  }
  return out;
}

const ACCESS = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-)/;

/** Parse the access log (stdout) and the debug log (stderr) into per-request records. */
function parseServed(access: string, server: string): ServedRequest[] {
  const byId = new Map<string, Completion>();
  const completions: Completion[] = [];
  const offsets = new Map<string, number[]>();
  for (const line of server.split("\n")) {
    if (line.includes('msg="filesystem.Reader(')) {
      const f = fields(line);
      const m = /, (\d+)\)$/.exec(f.msg ?? "");
      const id = f["http.request.id"];
      if (m && id) {
        const list = offsets.get(id) ?? [];
        list.push(Number(m[1]));
        offsets.set(id, list);
      }
    } else if (line.includes('msg="response completed')) {
      const f = fields(line);
      const id = f["http.request.id"] ?? "";
      const c: Completion = {
        method: f["http.request.method"] ?? "",
        uri: f["http.request.uri"] ?? "",
        status: Number(f["http.response.status"] ?? 0),
        written: Number(f["http.response.written"] ?? 0),
        multipart: (f["http.response.contenttype"] ?? "").startsWith("multipart/"),
        offsets: offsets.get(id) ?? [],
        used: false,
      };
      offsets.delete(id);
      byId.set(id, c);
      completions.push(c);
    }
  }
  const out: ServedRequest[] = [];
  for (const line of access.split("\n")) {
    const m = ACCESS.exec(line);
    if (!m) continue;
    const [, method, uri, status, bytes] = m;
    const s = Number(status);
    const n = bytes === "-" ? 0 : Number(bytes);
    let range: string | null = null;
    if (s === 206) {
      const c = completions.find(
        (x) => !x.used && x.method === method && x.uri === uri && x.status === s && x.written === n,
      );
      if (c) {
        c.used = true;
        if (c.multipart) range = `bytes=${c.offsets.map((o) => `${o}-`).join(",")}`;
        else if (c.offsets.length > 0) range = `bytes=${c.offsets[0]}-${c.offsets[0]! + n - 1}`;
      }
    }
    out.push({ method: method!, path: uri!.split("?")[0]!, uri: uri!, status: s, bytes: n, range });
  }
  return out;
}

function fileSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/** Default actions for a path: GET/HEAD pull, DELETE delete, others pull,push. */
function defaultScope(path: string, method: string): string | null {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path);
  if (!m) return null;
  const actions =
    method === "GET" || method === "HEAD" ? "pull" : method === "DELETE" ? "delete" : "pull,push";
  return `repository:${m[1]}:${actions}`;
}

function yamlConfig(c: {
  root: string;
  port: number;
  tls: TlsMaterial | null;
  auth: RegistryAuth;
  htpasswd: string | null;
  token: TokenServer | null;
  rootCert: string | null;
}): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    "version: 0.1",
    "log:",
    "  level: debug",
    "  formatter: text",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(join(c.root, "data"))}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: ${q(`127.0.0.1:${c.port}`)}`,
    `  secret: ${q(randomBytes(16).toString("hex"))}`,
  ];
  if (c.tls) lines.push("  tls:", `    certificate: ${q(c.tls.certFile)}`, `    key: ${q(c.tls.keyFile)}`);
  if (c.auth.kind === "basic")
    lines.push("auth:", "  htpasswd:", `    realm: ${q(SERVICE)}`, `    path: ${q(c.htpasswd!)}`);
  if (c.auth.kind === "token")
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${q(c.token!.realm)}`,
      `    service: ${q(SERVICE)}`,
      `    issuer: ${q(ISSUER)}`,
      `    rootcertbundle: ${q(c.rootCert!)}`,
    );
  if (c.auth.kind === "silly")
    lines.push("auth:", "  silly:", `    realm: ${q(c.token!.realm)}`, `    service: ${q(SERVICE)}`);
  return `${lines.join("\n")}\n`;
}

/** Start a registry on a free loopback port. Several may run at once. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const t0 = performance.now();
  const auth: RegistryAuth = opts.auth ?? { kind: "none" };
  const root = tempDir("lv-registry-");
  const tls = opts.tls ? await tlsMaterial() : null;
  const ca = tls?.ca;
  let htpasswd: string | null = null;
  if (auth.kind === "basic") {
    const { stdout } = await run("htpasswd", ["-Bbn", auth.username, auth.password], { timeout: 30_000 });
    htpasswd = join(root, "htpasswd");
    writeFileSync(htpasswd, stdout);
  }
  let token: TokenServer | null = null;
  let rootCert: string | null = null;
  if (auth.kind === "token") {
    const signing = await signingMaterial();
    rootCert = signing.certFile;
    token = await startTokenServer({
      mode: "jwt",
      service: SERVICE,
      issuer: ISSUER,
      username: auth.username,
      password: auth.password,
      signingKeyFile: signing.keyFile,
      signingCertFile: signing.certFile,
      tls: tls ? { certFile: tls.certFile, keyFile: tls.keyFile } : null,
      ...opts.token,
    });
  } else if (auth.kind === "silly") {
    token = await startTokenServer({
      mode: "silly",
      service: SERVICE,
      issuer: ISSUER,
      tls: tls ? { certFile: tls.certFile, keyFile: tls.keyFile } : null,
    });
  }
  const accessLog = join(root, "access.log");
  const serverLog = join(root, "registry.log");
  const config = join(root, "config.yml");
  let child: ChildProcess | null = null;
  let port = 0;
  let lastError = "";
  for (let attempt = 0; attempt < 5 && child === null; attempt++) {
    port = await freePort();
    writeFileSync(config, yamlConfig({ root, port, tls, auth, htpasswd, token, rootCert }));
    const out = openSync(accessLog, "a");
    const err = openSync(serverLog, "a");
    const c = spawn("docker-registry", ["serve", config], { stdio: ["ignore", out, err] });
    closeSync(out);
    closeSync(err);
    if (c.pid === undefined) {
      await new Promise((r) => c.once("error", r));
      throw new Error("could not start docker-registry");
    }
    liveChildren.set(c.pid, c);
    const url = `${tls ? "https" : "http"}://127.0.0.1:${port}/v2/`;
    let up = false;
    for (let i = 0; i < 400 && !up && c.exitCode === null; i++) {
      try {
        const r = await httpRequest(url, { ca, timeoutMs: 2000 });
        up = r.status === 200 || r.status === 401;
      } catch {
        await sleep(25);
      }
    }
    if (up) child = c;
    else {
      lastError = readFileSync(serverLog, "utf8").split("\n").slice(-5).join("\n");
      await stopChild(c);
      if (!/address already in use/.test(lastError)) break;
    }
  }
  if (!child) {
    await token?.stop();
    throw new Error(`docker-registry did not start (see ${serverLog}):\n${lastError}`);
  }
  const running = child;
  const host = `127.0.0.1:${port}`;
  const url = `${tls ? "https" : "http"}://${host}`;
  let certsDir: string | null = null;
  if (tls) {
    certsDir = join(root, "certs.d");
    mkdirSync(join(certsDir, host), { recursive: true });
    writeFileSync(join(certsDir, host, "ca.crt"), tls.ca);
  }
  const authFile = join(root, "auth.json");
  writeFileSync(authFile, '{"auths":{}}\n');
  let pushes = 0;
  let stopped = false;

  const authorization = (scope: string | null): string | undefined => {
    if (auth.kind === "basic")
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
    if (auth.kind === "token") return `Bearer ${token!.mint(auth.username, scope ? [scope] : [])}`;
    if (auth.kind === "silly") return "Bearer layerview-harness";
    return undefined;
  };

  const request = (path: string, init: HarnessRequestInit = {}): Promise<HttpResult> => {
    const method = init.method ?? "GET";
    const headers: Record<string, string> = { ...init.headers };
    const a = init.anonymous ? undefined : authorization(init.scope ?? defaultScope(path, method));
    if (a && headers.Authorization === undefined) headers.Authorization = a;
    return httpRequest(path.startsWith("http") ? path : `${url}${path}`, {
      method,
      headers,
      body: init.body,
      ca,
    });
  };

  const expect = (r: HttpResult, want: number, what: string) => {
    if (r.status !== want)
      throw new Error(`${what}: HTTP ${r.status} ${r.body.toString("utf8").slice(0, 500)}`);
  };

  const skopeoFlags = (prefix: "src" | "dest" | ""): string[] => {
    const p = prefix === "" ? "--" : `--${prefix}-`;
    const flags = certsDir ? [`${p}cert-dir`, join(certsDir, host)] : [`${p}tls-verify=false`];
    if (auth.kind === "basic" || auth.kind === "token")
      flags.push(`${p}creds`, `${auth.username}:${auth.password}`);
    return flags;
  };

  const registry: RunningRegistry = {
    host,
    url,
    caFile: tls?.caFile ?? null,
    certsDir,
    serverCert: tls ? { certFile: tls.certFile, keyFile: tls.keyFile } : null,
    auth,
    token,
    pid: running.pid!,
    root,
    logFiles: { access: accessLog, server: serverLog },
    served: async () => {
      let last = -1;
      for (let i = 0; i < 50; i++) {
        const size = fileSize(accessLog) + fileSize(serverLog);
        if (size === last) break;
        last = size;
        await sleep(40);
      }
      return parseServed(readFileSync(accessLog, "utf8"), readFileSync(serverLog, "utf8"));
    },
    push: async (src, dest, flags = []) => {
      const digestFile = join(root, `push-${++pushes}.digest`);
      try {
        await run(
          "skopeo",
          [
            "copy",
            "-q",
            "--digestfile",
            digestFile,
            ...skopeoFlags("dest"),
            ...flags,
            src,
            `docker://${host}/${dest}`,
          ],
          { timeout: 600_000, maxBuffer: 1 << 24, env: { ...process.env, REGISTRY_AUTH_FILE: authFile } },
        );
      } catch (err) {
        const e = err as Error & { stderr?: string };
        throw new Error(`skopeo copy ${src} → ${host}/${dest} failed: ${e.stderr?.trim() || e.message}`);
      }
      return readFileSync(digestFile, "utf8").trim();
    },
    putManifest: async (repo, ref, body, mediaType) => {
      const r = await request(`/v2/${repo}/manifests/${ref}`, {
        method: "PUT",
        headers: { "Content-Type": mediaType },
        body,
      });
      expect(r, 201, `PUT manifest ${repo}:${ref}`);
      return String(r.headers["docker-content-digest"]);
    },
    putBlob: async (repo, body) => {
      const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      const start = await request(`/v2/${repo}/blobs/uploads/`, { method: "POST", body: Buffer.alloc(0) });
      expect(start, 202, `start upload to ${repo}`);
      const loc = new URL(String(start.headers.location), url);
      loc.searchParams.set("digest", digest);
      const r = await request(loc.toString(), {
        method: "PUT",
        headers: { "Content-Type": "application/octet-stream" },
        body,
        scope: `repository:${repo}:pull,push`,
      });
      expect(r, 201, `PUT blob ${digest} to ${repo}`);
      return digest;
    },
    deleteManifest: async (repo, digest) => {
      const r = await request(`/v2/${repo}/manifests/${digest}`, { method: "DELETE" });
      expect(r, 202, `DELETE ${repo}@${digest}`);
    },
    corruptStoredBlob: (digest, at) => {
      const hex = digest.replace(/^sha256:/, "");
      const file = join(
        root,
        "data",
        "docker",
        "registry",
        "v2",
        "blobs",
        "sha256",
        hex.slice(0, 2),
        hex,
        "data",
      );
      const fd = openSync(file, "r+");
      try {
        const b = Buffer.alloc(1);
        if (readSync(fd, b, 0, 1, at) !== 1) throw new Error(`blob ${digest} has no byte ${at}`);
        b[0] = b[0]! ^ 0xff;
        writeSync(fd, b, 0, 1, at);
      } finally {
        closeSync(fd);
      }
    },
    request,
    manifest: async (repo, ref) => {
      const r = await request(`/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT } });
      expect(r, 200, `GET manifest ${repo}:${ref}`);
      return {
        digest: String(r.headers["docker-content-digest"]),
        mediaType: String(r.headers["content-type"]),
        body: r.body,
      };
    },
    skopeoFlags,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      openRegistries.delete(registry);
      await stopChild(running);
      await token?.stop();
      if (process.env.LAYERVIEW_KEEP_REGISTRY !== "1") {
        rmSync(root, { recursive: true, force: true });
        tempDirs.delete(root);
      }
    },
  };
  openRegistries.add(registry);
  setupTimings.registryStartLast = performance.now() - t0;
  return registry;
}

/** A fault-injecting proxy in front of a registry (see fault-proxy.ts). */
export async function startFaultProxy(upstream: RunningRegistry): Promise<FaultProxy> {
  const proxy = await startProxy(upstream);
  openProxies.add(proxy);
  return {
    ...proxy,
    stop: async () => {
      openProxies.delete(proxy);
      await proxy.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Multi-platform indexes.

export interface IndexMember {
  /** skopeo source, e.g. "docker-archive:/…tar". */
  src: string;
  flags?: string[];
  platform: { architecture: string; os: string; variant?: string };
}

/**
 * Push each member into `repo` (as tag `${tag}-member-N`), then PUT an index of them under `tag`.
 * The index is OCI unless mediaType says Docker's manifest list.
 */
export async function pushIndex(
  registry: RunningRegistry,
  repo: string,
  tag: string,
  members: IndexMember[],
  mediaType = "application/vnd.oci.image.index.v1+json",
): Promise<{
  digest: string;
  body: Buffer;
  members: Array<{ digest: string; mediaType: string; size: number }>;
}> {
  const out: Array<{ digest: string; mediaType: string; size: number }> = [];
  for (const [i, m] of members.entries()) {
    const digest = await registry.push(m.src, `${repo}:${tag}-member-${i}`, m.flags);
    const got = await registry.manifest(repo, digest);
    out.push({ digest, mediaType: got.mediaType, size: got.body.length });
  }
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: out.map((m, i) => ({ ...m, platform: members[i]!.platform })),
    }),
  );
  const digest = await registry.putManifest(repo, tag, body, mediaType);
  return { digest, body, members: out };
}

// ---------------------------------------------------------------------------------------------
// Test images.

export interface TestImages {
  /** Classic `docker save` archive (dive's test image, amd64, 14 layers): push as docker-archive:. */
  dockerArchive: string;
  /** OCI archive, one eStargz layer (arm64): push as oci-archive: with --preserve-digests. */
  estargzArchive: string;
  /** Small OCI archives from the shared fixtures (null when absent). */
  ociGzipArchive: string | null;
  ociZstdArchive: string | null;
  ociUncompressedArchive: string | null;
  /** The docker fixture as OCI dirs (push as oci:DIR with --preserve-digests, see the blob-reuse trap). */
  ociGzip: string | null;
  zstd: string | null;
  zstdChunked: string | null;
  /** The generated big image (2 layers, ~3,500 entries, ~40 MB) as a gzip OCI dir. */
  bigGzip: string | null;
  /** The same converted to eStargz by ctr-remote: an OCI archive (oci-archive:, --preserve-digests). */
  bigEstargz: string | null;
  /** skopeo source references for each of the above that exists. */
  refs: Record<string, string>;
  /** Why a null entry is null. */
  reasons: Record<string, string>;
  /** Build times in ms (taken when built; a cached build reports its original time). */
  timings: Record<string, number>;
}

export function imageCacheDir(): string {
  return process.env.LAYERVIEW_IMAGE_CACHE ?? join(tmpdir(), "layerview-registry-images");
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Build `dir` once per machine: `build(tmp)` fills a fresh temp dir that is renamed into place.
 * A lock dir keeps concurrent test processes from building the same thing twice.
 */
async function cached(dir: string, build: (tmp: string) => Promise<void>, waitMs = 600_000): Promise<void> {
  if (existsSync(join(dir, ".complete"))) return;
  mkdirSync(join(dir, ".."), { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (existsSync(join(dir, ".complete"))) return;
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {}
      if (owner > 0 && !pidAlive(owner)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      else await sleep(250);
    }
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    if (existsSync(join(dir, ".complete"))) return;
    rmSync(tmp, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await build(tmp);
    writeFileSync(join(tmp, ".complete"), new Date().toISOString());
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

const sha256File = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

let imagesPromise: Promise<TestImages> | null = null;
let bigPromise: Promise<{ bigGzip: string; bigEstargz: string; timings: Record<string, number> }> | null =
  null;

async function variants(docker: string): Promise<{ dir: string; timings: Record<string, number> }> {
  const { stdout: version } = await run("skopeo", ["--version"], { timeout: 10_000 });
  const key = createHash("sha256")
    .update(sha256File(docker))
    .update(version)
    .update("variants-v1")
    .digest("hex")
    .slice(0, 16);
  const dir = join(imageCacheDir(), `variants-${key}`);
  await cached(dir, async (tmp) => {
    const timings: Record<string, number> = {};
    for (const [name, flags] of [
      ["oci-gzip", ["--dest-compress-format", "gzip"]],
      ["zstd", ["--dest-compress-format", "zstd"]],
      ["zstd-chunked", ["--dest-compress-format", "zstd:chunked"]],
    ] as const) {
      const t = performance.now();
      await run(
        "skopeo",
        ["copy", "-q", "--format", "oci", ...flags, `docker-archive:${docker}`, `oci:${join(tmp, name)}`],
        {
          timeout: 300_000,
        },
      );
      timings[name] = Math.round(performance.now() - t);
    }
    writeFileSync(join(tmp, "timings.json"), JSON.stringify(timings));
  });
  return { dir, timings: JSON.parse(readFileSync(join(dir, "timings.json"), "utf8")) };
}

/** The big gzip image and its eStargz conversion, built once per machine (cached by content). */
export function bigImages(): Promise<{
  bigGzip: string;
  bigEstargz: string;
  timings: Record<string, number>;
}> {
  bigPromise ??= (async () => {
    const dir = join(imageCacheDir(), `big-${await bigImageKey()}`);
    await cached(dir, async (tmp) => {
      const timings: Record<string, number> = {};
      let t = performance.now();
      const stats = await writeBigImageLayout(join(tmp, "gzip"));
      timings.bigGenerate = Math.round(performance.now() - t);
      t = performance.now();
      await convertToEstargz(join(tmp, "gzip"), join(tmp, "estargz.tar"), join(tmp, "work"));
      timings.bigEstargzConvert = Math.round(performance.now() - t);
      rmSync(join(tmp, "work"), { recursive: true, force: true });
      writeFileSync(join(tmp, "timings.json"), JSON.stringify(timings));
      writeFileSync(join(tmp, "stats.json"), JSON.stringify(stats));
    });
    return {
      bigGzip: join(dir, "gzip"),
      bigEstargz: join(dir, "estargz.tar"),
      timings: JSON.parse(readFileSync(join(dir, "timings.json"), "utf8")),
    };
  })();
  return bigPromise;
}

/** Statistics of the generated big image (files, entries, bytes), once built. */
export function bigImageStats(bigGzip: string): {
  files: number;
  entries: number;
  uncompressedBytes: number;
  compressedBytes: number;
} {
  return JSON.parse(readFileSync(join(bigGzip, "..", "stats.json"), "utf8"));
}

export { BIG_IMAGE_NAME };

/**
 * Prepared images, built once per machine and cached under imageCacheDir() keyed by content.
 * `big: false` skips the big eStargz image (tens of seconds the first time).
 */
export function testImages(opts: { big?: boolean } = {}): Promise<TestImages> {
  const big = opts.big ?? true;
  imagesPromise ??= (async () => {
    const dockerArchive = realFixture("test-docker-image.tar");
    const estargzArchive = realFixture("test-oci-estargz-image.tar");
    const opt = (name: string) => (existsSync(realFixture(name)) ? realFixture(name) : null);
    const images: TestImages = {
      dockerArchive,
      estargzArchive,
      ociGzipArchive: opt("test-oci-gzip-image.tar"),
      ociZstdArchive: opt("test-oci-zstd-image.tar"),
      ociUncompressedArchive: opt("test-oci-uncompressed-image.tar"),
      ociGzip: null,
      zstd: null,
      zstdChunked: null,
      bigGzip: null,
      bigEstargz: null,
      refs: {},
      reasons: {},
      timings: {},
    };
    if (!existsSync(dockerArchive)) images.reasons.dockerArchive = `no ${dockerArchive}`;
    else if (!onPath("skopeo")) images.reasons.zstd = missingReason(["skopeo"]);
    else {
      const v = await variants(dockerArchive);
      images.ociGzip = join(v.dir, "oci-gzip");
      images.zstd = join(v.dir, "zstd");
      images.zstdChunked = join(v.dir, "zstd-chunked");
      Object.assign(images.timings, v.timings);
    }
    return images;
  })();
  return imagesPromise.then(async (b) => {
    const images: TestImages = { ...b, refs: {}, reasons: { ...b.reasons }, timings: { ...b.timings } };
    const missing = missingTools({ estargz: true });
    if (!big) images.reasons.bigEstargz = "not asked for (testImages({ big: false }))";
    else if (missing.length > 0) images.reasons.bigEstargz = missingReason(missing);
    else {
      const bi = await bigImages();
      images.bigGzip = bi.bigGzip;
      images.bigEstargz = bi.bigEstargz;
      Object.assign(images.timings, bi.timings);
    }
    const refs: Record<string, string> = {};
    const put = (k: string, v: string | null, transport: string) => {
      if (v !== null && existsSync(v)) refs[k] = `${transport}:${v}`;
    };
    put("dockerArchive", images.dockerArchive, "docker-archive");
    put("estargzArchive", images.estargzArchive, "oci-archive");
    put("ociGzipArchive", images.ociGzipArchive, "oci-archive");
    put("ociZstdArchive", images.ociZstdArchive, "oci-archive");
    put("ociUncompressedArchive", images.ociUncompressedArchive, "oci-archive");
    put("ociGzip", images.ociGzip, "oci");
    put("zstd", images.zstd, "oci");
    put("zstdChunked", images.zstdChunked, "oci");
    put("bigGzip", images.bigGzip, "oci");
    put("bigEstargz", images.bigEstargz, "oci-archive");
    images.refs = refs;
    return images;
  });
}
