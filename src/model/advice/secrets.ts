/** Secret-looking files (by name and path only: the model holds no file contents) and variable names (build args, ENV). */

export interface SecretMatch {
  what: string;
  /** Strong names (keys, credential files) are high severity; generic extensions medium. */
  strong: boolean;
}

const SSH_PUBLIC_NAMES: ReadonlySet<string> = new Set([
  "known_hosts",
  "known_hosts.old",
  "authorized_keys",
  "authorized_keys2",
  "config",
  "environment",
  "rc",
]);
const PRIVATE_KEY_NAMES: ReadonlySet<string> = new Set([
  "id_rsa",
  "id_dsa",
  "id_ecdsa",
  "id_ed25519",
  "id_ecdsa_sk",
  "id_ed25519_sk",
  "identity",
]);
const CREDENTIAL_NAMES: Record<string, string> = {
  ".npmrc": "an npm config (may hold an auth token)",
  ".netrc": "a .netrc (machine passwords)",
  _netrc: "a .netrc (machine passwords)",
  ".git-credentials": "stored git credentials",
  ".pypirc": "a PyPI config (may hold an upload token)",
  ".pgpass": "a PostgreSQL password file",
  ".vault-token": "a Vault token",
  credentials: "a credentials file",
  "credentials.json": "a credentials file",
  "application_default_credentials.json": "cloud application-default credentials",
};
const ENV_TEMPLATES: ReadonlySet<string> = new Set([
  "example",
  "sample",
  "template",
  "dist",
  "defaults",
  "default",
  "schema",
]);
const GENERIC_EXTENSIONS: Record<string, string> = {
  ".pem": "a PEM file (may hold a private key)",
  ".key": "a key file",
  ".p12": "a PKCS#12 key store",
  ".pfx": "a PKCS#12 key store",
  ".jks": "a Java key store",
  ".keystore": "a key store",
};
/** Where .pem/.crt files are public certificates, not keys. */
const CERT_PLACES =
  /(^|\/)(certs?|ca-certificates|certificates|ssl\/certs|pki\/ca-trust|share\/doc|share\/keyrings)(\/|$)/;

/** Directories whose files may all be secrets. */
export const SECRET_DIRS: ReadonlySet<string> = new Set([".ssh", ".docker", ".kube"]);

/** Whether a file of this name (in any directory) may hold a secret: worth the full check. */
export function mayBeSecretName(name: string): boolean {
  // Every strong name starts with ".", "_", "a", "c", "i" or "s" (any case); the rest are extensions.
  const first = name.charCodeAt(0) | 0x20;
  if (
    first === 0x2e ||
    first === 0x7f ||
    first === 0x61 ||
    first === 0x63 ||
    first === 0x69 ||
    first === 0x73
  ) {
    const lower = name.toLowerCase();
    if (PRIVATE_KEY_NAMES.has(lower) || CREDENTIAL_NAMES[lower] !== undefined) return true;
    if (lower.startsWith(".env") || lower.startsWith("ssh_host_") || lower === ".htpasswd") return true;
  }
  const dot = name.lastIndexOf(".");
  return dot > 0 && name.length - dot <= 9 && GENERIC_EXTENSIONS[name.slice(dot).toLowerCase()] !== undefined;
}

/** Whether a path looks like it holds a secret; null when it does not. */
export function secretPathMatch(path: string): SecretMatch | null {
  const segments = path.split("/").filter(Boolean);
  const name = segments[segments.length - 1];
  if (name === undefined) return null;
  const lower = name.toLowerCase();
  const parent = segments[segments.length - 2]?.toLowerCase();
  if (PRIVATE_KEY_NAMES.has(lower)) return { what: "a private SSH key", strong: true };
  if (parent === ".ssh" && !lower.endsWith(".pub") && !SSH_PUBLIC_NAMES.has(lower)) {
    return { what: "a file in a .ssh directory (likely a private key)", strong: true };
  }
  if (/^ssh_host_.*_key$/.test(lower)) return { what: "an SSH host private key", strong: true };
  if (lower === ".env" || (lower.startsWith(".env.") && !ENV_TEMPLATES.has(lower.slice(5)))) {
    return { what: "a .env file (application secrets)", strong: true };
  }
  const credential = CREDENTIAL_NAMES[lower];
  if (credential !== undefined) return { what: credential, strong: true };
  if (parent === ".docker" && lower === "config.json") {
    return { what: "a Docker client config (registry credentials)", strong: true };
  }
  if (parent === ".kube" && lower === "config")
    return { what: "a kubeconfig (cluster credentials)", strong: true };
  if (lower === ".htpasswd") return { what: "an htpasswd file (password hashes)", strong: false };
  const dot = lower.lastIndexOf(".");
  if (dot > 0) {
    const ext = lower.slice(dot);
    const generic = GENERIC_EXTENSIONS[ext];
    if (generic !== undefined) {
      if (CERT_PLACES.test(path.toLowerCase())) return null;
      if (/(cert|chain|ca-bundle|cacert|fullchain|\.pub\.|public)/.test(lower)) return null;
      return { what: generic, strong: false };
    }
  }
  return null;
}

const SECRET_NAME =
  /(TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|KEY|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|_PASS$|^PASS$|_PWD$)/i;
/** Names that match the pattern but hold public or harmless values (key fingerprints, file paths). */
const NOT_SECRET_NAME =
  /(GPG_KEYS?$|PUBLIC_?KEY|KEY_?ID$|KEYRING|KEYSERVER|_PATH$|_FILE$|_DIR$|_URL$|_HOST$|_USER(NAME)?$)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/** `TOKEN=abcdef` → `TOKEN=<redacted, 6 chars>`: advice output goes to CI logs. */
export function redact(name: string, value: string): string {
  return value === "" ? `${name}=` : `${name}=<redacted, ${value.length} chars>`;
}
