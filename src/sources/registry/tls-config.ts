/**
 * Per-registry TLS settings from certs.d directories, as dockerd and podman read them, and the
 * rule for when a registry may be spoken to over plain HTTP.
 *
 * certs.d directories, all that exist contribute, in this order:
 *   /etc/docker/certs.d/HOST[:PORT]            (dockerd)
 *   ~/.docker/certs.d/HOST[:PORT]              (Docker Desktop)
 *   $XDG_CONFIG_HOME/docker/certs.d/HOST[:PORT] (rootless dockerd; default ~/.config)
 *   /etc/containers/certs.d/HOST[:PORT]        (podman)
 *   ~/.config/containers/certs.d/HOST[:PORT], $XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT] (rootless podman)
 * In each: every `*.crt` is a CA; `NAME.cert` + `NAME.key` is a client pair (either one alone is an
 * error, as in dockerd); the first pair found is used. Docker Hub's names all use the "docker.io"
 * directory (podman's choice; dockerd reads no certs.d for Docker Hub).
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readdirSync } from "node:fs";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { UserError } from "../../model/diagnostics.js";
import { MAX_CONFIG_BYTES, readFileCapped } from "./credentials.js";

export interface TlsEnv {
  env: Record<string, string | undefined>;
  home: string;
  /** File names in a directory, null when it is missing or unreadable. */
  readDir(path: string): string[] | null;
  /** A file's bytes, null when it is missing or unreadable. */
  readFile(path: string): Buffer | null;
  /** Told about files skipped the way the engines skip them. */
  warn?(message: string): void;
}

export function processTlsEnv(): TlsEnv {
  return {
    env: process.env,
    home: homedir(),
    readDir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return null;
      }
    },
    readFile: (path) => readFileCapped(path, MAX_CONFIG_BYTES),
  };
}

export interface RegistryTls {
  /** CA certificates to trust for this registry, PEM: Node's bundled roots + the system bundle + NODE_EXTRA_CA_CERTS + the certs.d CAs. Null when nothing registry-specific was found (use Node's defaults then). */
  ca: string[] | null;
  /** Client certificate pair from certs.d (*.cert + matching *.key), PEM. */
  cert: string | null;
  key: string | null;
  /** Directories that contributed (for messages), e.g. "/etc/docker/certs.d/127.0.0.1:5000". */
  from: string[];
  /** The certs.d CA files used, for messages. */
  caFiles: string[];
  /** The client pair's files, for messages. */
  certFile: string | null;
  keyFile: string | null;
}

/** Go's crypto/x509 list of Linux bundles: the first one that exists is the system's. */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
] as const;

const HUB_HOSTS: ReadonlySet<string> = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** The certs.d directories for `registry` (host[:port]), in reading order, without duplicates. */
export function certsDirs(registry: string, env: Pick<TlsEnv, "env" | "home">): string[] {
  const name = HUB_HOSTS.has(registry.toLowerCase()) ? "docker.io" : registry;
  const configHome = nonEmpty(env.env.XDG_CONFIG_HOME) ?? join(env.home, ".config");
  const bases = [
    "/etc/docker/certs.d",
    join(env.home, ".docker", "certs.d"),
    join(configHome, "docker", "certs.d"),
    "/etc/containers/certs.d",
    join(env.home, ".config", "containers", "certs.d"),
    join(configHome, "containers", "certs.d"),
  ];
  return [...new Set(bases.map((b) => join(b, name)))];
}

function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

export function findRegistryTls(registry: string, env: TlsEnv): RegistryTls {
  // The name becomes a directory name: a path in it would read some other directory's keys.
  if (!/^[A-Za-z0-9[\]][A-Za-z0-9.:[\]_-]*$/.test(registry) || registry.length > 255) {
    throw new UserError(
      `${JSON.stringify(registry)} is not a registry host[:port]`,
      "Name a registry like ghcr.io or 127.0.0.1:5000",
    );
  }
  const result: RegistryTls = {
    ca: null,
    cert: null,
    key: null,
    from: [],
    caFiles: [],
    certFile: null,
    keyFile: null,
  };
  const cas: string[] = [];
  for (const dir of certsDirs(registry, env)) {
    const listed = env.readDir(dir);
    if (listed === null) continue;
    // dockerd reads a directory in name order; so the "first" client pair is the same one.
    const names = [...listed].sort();
    const present = new Set(names);
    let contributed = false;
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith(".crt")) {
        const found = readCas(path, env);
        if (found.length > 0) {
          cas.push(...found);
          result.caFiles.push(path);
          contributed = true;
        }
      } else if (name.endsWith(".cert")) {
        const keyName = `${name.slice(0, -".cert".length)}.key`;
        if (!present.has(keyName)) {
          throw new UserError(
            `missing key ${keyName} for client certificate ${path}`,
            "A client certificate NAME.cert needs its key NAME.key beside it; CA certificates must use the extension .crt",
          );
        }
        if (result.cert === null) {
          const pair = readPair(path, join(dir, keyName), env);
          if (pair !== null) {
            result.cert = pair.cert;
            result.key = pair.key;
            result.certFile = path;
            result.keyFile = join(dir, keyName);
            contributed = true;
          }
        }
      } else if (name.endsWith(".key")) {
        const certName = `${name.slice(0, -".key".length)}.cert`;
        if (!present.has(certName)) {
          throw new UserError(
            `missing client certificate ${certName} for key ${path}`,
            "A client key NAME.key needs its certificate NAME.cert beside it",
          );
        }
      }
    }
    if (contributed) result.from.push(dir);
  }
  if (cas.length > 0) result.ca = mergeTrust(cas, env);
  return result;
}

function readCas(path: string, env: TlsEnv): string[] {
  const data = env.readFile(path);
  // A directory named *.crt, or a file that vanished: nothing to trust.
  if (data === null) return [];
  if (data.length > MAX_CONFIG_BYTES) {
    env.warn?.(`${path} is larger than 4 MiB; skipped`);
    return [];
  }
  const blocks = pemCertificates(data.toString("latin1"));
  const good = blocks.filter((pem) => {
    try {
      new X509Certificate(pem);
      return true;
    } catch {
      return false;
    }
  });
  // dockerd ignores a .crt it cannot parse; say so rather than fail the handshake mysteriously later.
  if (blocks.length === 0) env.warn?.(`${path} holds no PEM certificate; skipped`);
  else if (good.length < blocks.length) {
    env.warn?.(
      `${path}: ${blocks.length - good.length} of ${blocks.length} certificates do not parse; skipped`,
    );
  }
  return good;
}

function readPair(certPath: string, keyPath: string, env: TlsEnv): { cert: string; key: string } | null {
  const certData = env.readFile(certPath);
  if (certData === null) return null;
  const keyData = env.readFile(keyPath);
  const hint = "Put a PEM certificate in NAME.cert and its unencrypted PEM private key in NAME.key";
  if (keyData === null)
    throw new UserError(`cannot read key ${keyPath} for client certificate ${certPath}`, hint);
  if (certData.length > MAX_CONFIG_BYTES || keyData.length > MAX_CONFIG_BYTES) {
    throw new UserError(`client certificate ${certPath} or its key is larger than 4 MiB`, hint);
  }
  const cert = certData.toString("latin1");
  const key = keyData.toString("latin1");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new UserError(`client certificate ${certPath} is not a PEM certificate`, hint);
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    // The parser's message is not shown: it is about the key's bytes.
    throw new UserError(`client key ${keyPath} is not a readable PEM private key (or it is encrypted)`, hint);
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new UserError(`client key ${keyPath} does not belong to certificate ${certPath}`, hint);
  }
  return { cert, key };
}

/** Passing `ca` replaces Node's trust store, so the defaults come first: bundled, system, NODE_EXTRA_CA_CERTS. */
function mergeTrust(registryCas: string[], env: TlsEnv): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (pem: string) => {
    const id = pem.replace(/\s+/g, "");
    if (seen.has(id)) return;
    seen.add(id);
    out.push(pem);
  };
  rootCertificates.forEach(add);
  const certFile = nonEmpty(env.env.SSL_CERT_FILE);
  for (const path of certFile !== undefined ? [certFile] : SYSTEM_BUNDLES) {
    const data = env.readFile(path);
    if (data === null) continue;
    pemCertificates(data.toString("latin1")).forEach(add);
    break;
  }
  const extra = nonEmpty(env.env.NODE_EXTRA_CA_CERTS);
  if (extra !== undefined) {
    const data = env.readFile(extra);
    if (data !== null) pemCertificates(data.toString("latin1")).forEach(add);
  }
  registryCas.forEach(add);
  return out;
}

/** host and port of "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address. */
function splitHostPort(s: string): { host: string; port: string | null } {
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(s);
  if (bracketed !== null) return { host: bracketed[1]!.toLowerCase(), port: bracketed[2] ?? null };
  const colons = s.split(":").length - 1;
  if (colons === 1) {
    const [host = "", port = ""] = s.split(":");
    return { host: host.toLowerCase(), port };
  }
  return { host: s.toLowerCase(), port: null };
}

/** "::ffff:127.0.0.1" is the IPv4 address it maps. */
function ipOf(host: string): { address: string; family: "ipv4" | "ipv6" } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped !== null && isIPv4(mapped[1]!)) return { address: mapped[1]!, family: "ipv4" };
  if (isIPv4(host)) return { address: host, family: "ipv4" };
  if (isIPv6(host)) return { address: host, family: "ipv6" };
  return null;
}

/**
 * True when the registry may be reached over plain HTTP: loopback (localhost, 127.0.0.0/8, ::1, any
 * port), which dockerd allows by default, and entries of `insecureRegistries` as dockerd's
 * `insecure-registries` takes them: "host:port" (exactly), "host" (every port), or a CIDR, which
 * matches IP-address registries only (dockerd would also resolve names; this does no DNS).
 */
export function allowsPlainHttp(registry: string, insecureRegistries: readonly string[]): boolean {
  const { host, port } = splitHostPort(registry);
  const ip = ipOf(host);
  if (host === "localhost") return true;
  if (ip !== null) {
    const loopback = new BlockList();
    loopback.addSubnet("127.0.0.0", 8, "ipv4");
    loopback.addAddress("::1", "ipv6");
    if (loopback.check(ip.address, ip.family)) return true;
  }
  for (const raw of insecureRegistries) {
    const entry = raw
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
      .replace(/\/+$/, "");
    if (entry === "") continue;
    if (entry.includes("/")) {
      // Checked even for a host-name registry, so a typo in the list shows at once.
      const net = parseCidr(entry, raw);
      if (ip !== null && net.family === ip.family) {
        const list = new BlockList();
        list.addSubnet(net.address, net.prefix, net.family);
        if (list.check(ip.address, ip.family)) return true;
      }
      continue;
    }
    const want = splitHostPort(entry);
    if (want.host === host && (want.port === null || want.port === port)) return true;
  }
  return false;
}

function parseCidr(cidr: string, raw: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } {
  const bad = () =>
    new UserError(
      `insecure registry ${JSON.stringify(raw)} is neither HOST[:PORT] nor a CIDR like 10.0.0.0/8`,
      "List insecure registries as host, host:port or a network in CIDR form",
    );
  const m = /^(.+)\/(\d{1,3})$/.exec(cidr);
  if (m === null) throw bad();
  const address = m[1]!.replace(/^\[(.*)\]$/, "$1");
  const prefix = Number(m[2]);
  const family = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : null;
  if (family === null || prefix > (family === "ipv4" ? 32 : 128)) throw bad();
  return { address, prefix, family };
}
