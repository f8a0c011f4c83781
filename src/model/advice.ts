/**
 * The advisor: what to change in the Dockerfile, with the bytes each change would save and the layer
 * (and instruction) responsible. Pure: reads the model only.
 *
 * Size findings never count a byte twice. Every regular-file version that is not visible at the top
 * (the image's wasted bytes) lands in exactly one of: package-cache, deleted-later,
 * rewritten-unchanged, overwritten. Package-cache also counts cache bytes still visible at the top,
 * and duplicate-content counts only visible copies, so the savings of all findings can be added up.
 * Exposures (secret-looking files, build args, ENV values) save no bytes: they are reported whether
 * or not a later layer deleted the file, because every layer blob ships with the image.
 */

import { formatBytes } from "./format-bytes.js";
import type { ImageModel } from "./image-model.js";
import { EntryType } from "./layer-contents.js";
import { type PathTable, ROOT } from "./path-table.js";
import { HiddenReason, NOT_HIDDEN } from "./stack.js";
import { runToEnd, type Steps } from "./steps.js";

export type FindingKind =
  /** Files a layer added that a later layer deletes: the bytes still ship in the lower layer. */
  | "deleted-later"
  /** Files a later layer writes again with the same content (chmod/chown -R, touch, identical copy). */
  | "rewritten-unchanged"
  /** Files a later layer replaces with different content: only the last version is used. */
  | "overwritten"
  /** Package-manager caches (apt, apk, yum/dnf, pip, npm, yarn, Go) left in a layer. */
  | "package-cache"
  /** The same content at several visible paths. */
  | "duplicate-content"
  /** A visible file over the large-file threshold (information: nothing to save by itself). */
  | "large-file"
  /** A file whose name or path says it holds a credential or private key, in any layer. */
  | "secret-file"
  /** A build argument recorded in the image history whose name looks like a secret. */
  | "secret-build-arg"
  /** A build argument recorded in the image history (readable by anyone with the image). */
  | "build-arg"
  /** An environment variable in the image config whose name looks like a secret. */
  | "secret-env";

export type FindingCategory = "size" | "exposure" | "info";
export type Severity = "high" | "medium" | "low";

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** Bytes the image would shrink by if the suggestion were followed (0 for exposures and information). */
  bytesSaved: number;
  /** Bytes of the files concerned (for a large file, its size). */
  bytes: number;
  /** The layer responsible (bottom = 0): the one to change. Null for the image config. */
  layer: number | null;
  /** That layer's instruction as a person wrote it (build args left out), or null. */
  instruction: string | null;
  /**
   * The other layers involved: for deleted-later and overwritten the layer that deletes/replaces,
   * for rewritten-unchanged the layers that first wrote the files, for duplicates the other copies'
   * layers, for a secret file every other layer holding a copy.
   */
  relatedLayers: number[];
  /** The paths concerned, most bytes first, at most `maxPaths`; `pathCount` says how many there are. */
  paths: string[];
  pathCount: number;
  /** Node ids of `paths` (same order), for the explorer to jump to. */
  nodes: number[];
  /** One or two sentences: what happened, where, how many bytes. */
  message: string;
  /** What to change. */
  suggestion: string;
}

export interface AdviceOptions {
  /** Visible files at least this big are listed as large files (default 10 MB = 10,000,000 B; 0 disables). */
  largeFileBytes?: number;
  /** Identical visible files smaller than this are not reported as duplicates (default 1 kB = 1,000 B). */
  minDuplicateBytes?: number;
  /** Size findings saving at least this many bytes are "medium", smaller ones "low" (default 1 MB). */
  mediumBytes?: number;
  /** How many paths a finding lists (default 20). */
  maxPaths?: number;
}

export const DEFAULT_LARGE_FILE_BYTES = 10_000_000;
export const DEFAULT_MIN_DUPLICATE_BYTES = 1_000;
export const DEFAULT_MEDIUM_BYTES = 1_000_000;

const CATEGORY: Record<FindingKind, FindingCategory> = {
  "deleted-later": "size",
  "rewritten-unchanged": "size",
  overwritten: "size",
  "package-cache": "size",
  "duplicate-content": "size",
  "large-file": "info",
  "secret-file": "exposure",
  "secret-build-arg": "exposure",
  "build-arg": "info",
  "secret-env": "exposure",
};

export function findingCategory(kind: FindingKind): FindingCategory {
  return CATEGORY[kind];
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Totals for a list of findings: savings add up because size findings never share a byte. */
export function summarizeAdvice(findings: readonly Finding[]) {
  let bytesSaved = 0;
  let exposures = 0;
  const bySeverity: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const f of findings) {
    bytesSaved += f.bytesSaved;
    if (findingCategory(f.kind) === "exposure") exposures++;
    bySeverity[f.severity]++;
  }
  return { count: findings.length, bytesSaved, exposures, bySeverity };
}

// ---------------------------------------------------------------------------------------------
// Package-manager caches

interface CacheRule {
  /** Path segments; "~" stands for /root or /home/NAME. */
  pattern: string[];
  label: string;
  suggestion: string;
}

const CACHE_RULES: CacheRule[] = [
  {
    pattern: ["var", "lib", "apt", "lists"],
    label: "apt package lists",
    suggestion:
      "Run `rm -rf /var/lib/apt/lists/*` in the same RUN as `apt-get update && apt-get install …`, or use a cache mount: `RUN --mount=type=cache,target=/var/lib/apt/lists …`.",
  },
  {
    pattern: ["var", "cache", "apt"],
    label: "apt package archives",
    suggestion:
      "Run `apt-get clean` in the same RUN as `apt-get install` (and install with `--no-install-recommends`), or use `RUN --mount=type=cache,target=/var/cache/apt …`.",
  },
  {
    pattern: ["var", "cache", "apk"],
    label: "apk cache",
    suggestion: "Install with `apk add --no-cache …` so the index and packages are never stored.",
  },
  {
    pattern: ["etc", "apk", "cache"],
    label: "apk cache",
    suggestion: "Install with `apk add --no-cache …` so the index and packages are never stored.",
  },
  {
    pattern: ["var", "cache", "yum"],
    label: "yum cache",
    suggestion: "Run `yum clean all && rm -rf /var/cache/yum` in the same RUN as `yum install`.",
  },
  {
    pattern: ["var", "cache", "dnf"],
    label: "dnf cache",
    suggestion: "Run `dnf clean all && rm -rf /var/cache/dnf` in the same RUN as `dnf install`.",
  },
  {
    pattern: ["var", "cache", "zypp"],
    label: "zypper cache",
    suggestion: "Run `zypper clean --all` in the same RUN as `zypper install`.",
  },
  {
    pattern: ["~", ".cache", "pip"],
    label: "pip cache",
    suggestion:
      "Install with `pip install --no-cache-dir …` (or set PIP_NO_CACHE_DIR=1), or use `RUN --mount=type=cache,target=/root/.cache/pip …`.",
  },
  {
    pattern: ["~", ".npm"],
    label: "npm cache",
    suggestion:
      "Run `npm cache clean --force` in the same RUN as `npm ci`/`npm install`, or use `RUN --mount=type=cache,target=/root/.npm …`.",
  },
  {
    pattern: ["usr", "local", "share", ".cache", "yarn"],
    label: "yarn cache",
    suggestion:
      "Run `yarn cache clean` in the same RUN as `yarn install`, or use `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn …`.",
  },
  {
    pattern: ["~", ".cache", "yarn"],
    label: "yarn cache",
    suggestion:
      "Run `yarn cache clean` in the same RUN as `yarn install`, or use a cache mount for the yarn cache directory.",
  },
  {
    pattern: ["~", ".cache", "go-build"],
    label: "Go build cache",
    suggestion:
      "Use `RUN --mount=type=cache,target=/root/.cache/go-build go build …`, or build in an earlier stage and copy only the binary.",
  },
];

function matchesPattern(segments: readonly string[], pattern: readonly string[]): boolean {
  let i = 0;
  for (const p of pattern) {
    if (p === "~") {
      if (segments[i] === "root") i += 1;
      else if (segments[i] === "home" && segments[i + 1] !== undefined) i += 2;
      else return false;
      continue;
    }
    if (segments[i] !== p) return false;
    i++;
  }
  return i === segments.length;
}

function segmentsOf(paths: PathTable, node: number): string[] {
  const parts: string[] = [];
  for (let n = node; n !== ROOT; n = paths.parent(n)) parts.push(paths.name(n));
  return parts.reverse();
}

/**
 * For every node: the index of the cache rule whose directory holds it, or -1. Node ids are
 * created parent first, so one forward pass inherits the parent's answer.
 */
function classifyCaches(paths: PathTable): { ruleOf: Int16Array; roots: Map<number, number> } {
  const lastNames = new Set(CACHE_RULES.map((r) => r.pattern[r.pattern.length - 1]!));
  // Names are interned: mark the ids of the names a rule can end with, then look ids up per path.
  const { parents, nameIds, nameCount } = paths.columns();
  const lastName = new Uint8Array(nameCount);
  for (let id = 0; id < nameCount; id++) if (lastNames.has(paths.nameById(id))) lastName[id] = 1;
  const ruleOf = new Int16Array(paths.size).fill(-1);
  const roots = new Map<number, number>();
  for (let node = 1; node < paths.size; node++) {
    const inherited = ruleOf[parents[node]!]!;
    if (inherited >= 0) {
      ruleOf[node] = inherited;
      continue;
    }
    if (lastName[nameIds[node]!] === 0) continue;
    const segments = segmentsOf(paths, node);
    const rule = CACHE_RULES.findIndex((r) => matchesPattern(segments, r.pattern));
    if (rule >= 0) {
      ruleOf[node] = rule;
      roots.set(node, rule);
    }
  }
  return { ruleOf, roots };
}

// ---------------------------------------------------------------------------------------------
// Secret-looking files (by name and path only: the model holds no file contents)

interface SecretMatch {
  what: string;
  /** Strong names (keys, credential files) are high severity; generic extensions medium. */
  strong: boolean;
}

const SSH_PUBLIC_NAMES = new Set([
  "known_hosts",
  "known_hosts.old",
  "authorized_keys",
  "authorized_keys2",
  "config",
  "environment",
  "rc",
]);
const PRIVATE_KEY_NAMES = new Set([
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
const ENV_TEMPLATES = new Set(["example", "sample", "template", "dist", "defaults", "default", "schema"]);
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

/** A cheap test on the base name (and its directory's) before the full path is built. */
/** Directories whose files may all be secrets. */
const SECRET_DIRS = new Set([".ssh", ".docker", ".kube"]);

/** Whether a file of this name (in any directory) may hold a secret: worth the full check. */
function mayBeSecretName(name: string): boolean {
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

// ---------------------------------------------------------------------------------------------
// Secret-looking variable names (build args, ENV)

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

// ---------------------------------------------------------------------------------------------

interface Group {
  layer: number;
  related: Set<number>;
  bytes: number;
  files: number;
  /** Path node → bytes, for listing the paths concerned. */
  byNode: Map<number, number>;
  /** Extra facts the message needs. */
  visibleBytes: number;
  deletedBytes: number;
  overwrittenBytes: number;
  attrsChanged: number;
}

function newGroup(layer: number): Group {
  return {
    layer,
    related: new Set(),
    bytes: 0,
    files: 0,
    byNode: new Map(),
    visibleBytes: 0,
    deletedBytes: 0,
    overwrittenBytes: 0,
    attrsChanged: 0,
  };
}

function groupOf(map: Map<string, Group>, key: string, layer: number): Group {
  let g = map.get(key);
  if (!g) {
    g = newGroup(layer);
    map.set(key, g);
  }
  return g;
}

/** Everything the advisor finds in an image, exposures first, then the biggest savings. */
export function adviseImage(model: ImageModel, opts: AdviceOptions = {}): Finding[] {
  return runToEnd(adviseSteps(model, opts));
}

/** Paths (or keys) handled between two pauses of `adviseSteps`: a few milliseconds of work. */
const STEP_WORK = 16_384;

/**
 * adviseImage as resumable work: each `next()` does a slice (a few milliseconds on a large image)
 * and the last returns the findings, so an interactive caller can run it in idle time.
 */
export function* adviseSteps(model: ImageModel, opts: AdviceOptions = {}): Steps<Finding[]> {
  const largeFileBytes = opts.largeFileBytes ?? DEFAULT_LARGE_FILE_BYTES;
  const minDuplicateBytes = Math.max(1, opts.minDuplicateBytes ?? DEFAULT_MIN_DUPLICATE_BYTES);
  const mediumBytes = opts.mediumBytes ?? DEFAULT_MEDIUM_BYTES;
  const maxPaths = Math.max(1, opts.maxPaths ?? 20);
  const paths = model.paths;
  const stack = model.stack;
  const vs = model.versions;

  const layerText = (L: number): string => {
    const l = model.layers[L];
    if (!l) return `layer ${L}`;
    const text = l.instruction.text.replace(/\s+/g, " ").trim();
    return text === "" ? `layer ${L}` : `layer ${L} (${clip(text, 80)})`;
  };
  const instructionOf = (L: number | null): string | null => {
    if (L === null) return null;
    const text = model.layers[L]?.instruction.text ?? "";
    return text === "" ? null : text;
  };
  const sizeSeverity = (bytes: number): Severity => (bytes >= mediumBytes ? "medium" : "low");
  const listPaths = (byNode: Map<number, number>) => {
    // Groups can hold 100,000 paths: keep the largest few in one pass (bytes, then node id, as a
    // sort of them all would), then order those by path too.
    const top: [number, number][] = [];
    const before = (a: [number, number], b: [number, number]) => b[1] - a[1] || a[0] - b[0];
    for (const e of byNode) {
      if (top.length === maxPaths && before(e, top[top.length - 1]!) >= 0) continue;
      let i = top.length;
      while (i > 0 && before(e, top[i - 1]!) < 0) i--;
      top.splice(i, 0, e);
      if (top.length > maxPaths) top.pop();
    }
    const shown = top
      .map(([n, bytes]) => ({ n, bytes, path: paths.path(n) }))
      .sort((a, b) => b.bytes - a.bytes || cmp(a.path, b.path));
    return { nodes: shown.map((x) => x.n), paths: shown.map((x) => x.path), pathCount: byNode.size };
  };

  const { ruleOf } = classifyCaches(paths);
  yield;
  const removalNodes = model.layers.map((_, L) => new Set(model.removals(L).map((r) => r.node)));
  /** The whiteout target, opaque directory or replaced directory that hid `node` at layer D. */
  const removalRoot = (node: number, D: number): number => {
    const roots = removalNodes[D];
    if (!roots) return node;
    for (let n = node; n !== -1; n = n === ROOT ? -1 : paths.parent(n)) if (roots.has(n)) return n;
    return node;
  };

  const caches = new Map<string, Group>();
  const deleted = new Map<string, Group>();
  const rewritten = new Map<string, Group>();
  const overwritten = new Map<string, Group>();
  /** Visible files worth comparing; bucketed later by 53 bits of their content hash (sorted, not a Map of arrays). */
  const duplicateCandidates: number[] = [];
  const large: number[] = [];
  const secrets: { node: number; match: SecretMatch; versions: number[] }[] = [];

  // Names are interned: judge each distinct name once, not once per path.
  yield;
  const { parents, nameIds, nameCount } = paths.columns();
  const secretName = new Uint8Array(nameCount);
  const secretDir = new Uint8Array(nameCount);
  for (let id = 0; id < nameCount; id++) {
    const name = paths.nameById(id);
    secretName[id] = mayBeSecretName(name) ? 1 : 0;
    secretDir[id] = SECRET_DIRS.has(name) ? 1 : 0;
  }

  for (let node = 1; node < paths.size; node++) {
    if (node % STEP_WORK === 0) yield;
    const versions = model.versionsOf(node);
    if (versions.length === 0) continue;
    const cacheRule = ruleOf[node]!;
    let secretMatch: SecretMatch | null | undefined;
    const secretCandidate = secretName[nameIds[node]!] === 1 || secretDir[nameIds[parents[node]!]!] === 1;
    let secretVersions: number[] | null = null;
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      if (stack.type(v) !== EntryType.File) continue;
      const size = stack.size(v);
      const L = vs.layer[v]!;
      const hiddenAt = vs.hiddenAt[v]!;
      const reason = vs.hiddenReason[v] as HiddenReason;
      const visible = hiddenAt === NOT_HIDDEN;

      if (size > 0 && secretCandidate) {
        if (secretMatch === undefined) secretMatch = secretPathMatch(paths.path(node));
        if (secretMatch !== null) {
          secretVersions ??= [];
          secretVersions.push(v);
        }
      }
      if (size === 0) continue;

      if (cacheRule >= 0) {
        const g = groupOf(caches, `${L}:${CACHE_RULES[cacheRule]!.label}`, L);
        g.bytes += size;
        g.files++;
        const root = cacheRootOf(paths, node, ruleOf);
        g.byNode.set(root, (g.byNode.get(root) ?? 0) + size);
        if (visible) g.visibleBytes += size;
        else if (reason === HiddenReason.Overwritten) g.overwrittenBytes += size;
        else {
          g.deletedBytes += size;
          g.related.add(hiddenAt);
        }
        continue;
      }
      if (visible) {
        if (size >= minDuplicateBytes) duplicateCandidates.push(v);
        if (largeFileBytes > 0 && size >= largeFileBytes) large.push(v);
        continue;
      }
      if (reason === HiddenReason.Overwritten) {
        const w = versions[i + 1];
        const same = w !== undefined && stack.type(w) === EntryType.File && stack.sameContent(v, w);
        if (same) {
          const g = groupOf(rewritten, String(hiddenAt), hiddenAt);
          g.bytes += size;
          g.files++;
          g.related.add(L);
          g.byNode.set(node, (g.byNode.get(node) ?? 0) + size);
          if (
            stack.mode(v) !== stack.mode(w) ||
            stack.uid(v) !== stack.uid(w) ||
            stack.gid(v) !== stack.gid(w)
          ) {
            g.attrsChanged++;
          }
        } else {
          const g = groupOf(overwritten, `${L}:${hiddenAt}`, L);
          g.bytes += size;
          g.files++;
          g.related.add(hiddenAt);
          g.byNode.set(node, (g.byNode.get(node) ?? 0) + size);
        }
        continue;
      }
      const g = groupOf(deleted, `${L}:${hiddenAt}`, L);
      g.bytes += size;
      g.files++;
      g.related.add(hiddenAt);
      const root = removalRoot(node, hiddenAt);
      g.byNode.set(root, (g.byNode.get(root) ?? 0) + size);
    }
    if (secretVersions !== null && secretMatch)
      secrets.push({ node, match: secretMatch, versions: secretVersions });
  }

  const findings: Finding[] = [];

  for (const g of caches.values()) {
    yield;
    const label = cacheLabelOf(g, paths, ruleOf);
    const rule = CACHE_RULES.find((r) => r.label === label)!;
    const parts: string[] = [];
    if (g.visibleBytes > 0) parts.push(`${formatBytes(g.visibleBytes)} still in the final image`);
    if (g.deletedBytes > 0)
      parts.push(`${formatBytes(g.deletedBytes)} deleted by a later layer but still shipped`);
    if (g.overwrittenBytes > 0) parts.push(`${formatBytes(g.overwrittenBytes)} replaced by a later layer`);
    const listed = listPaths(g.byNode);
    findings.push({
      kind: "package-cache",
      severity: sizeSeverity(g.bytes),
      bytesSaved: g.bytes,
      bytes: g.bytes,
      layer: g.layer,
      instruction: instructionOf(g.layer),
      relatedLayers: sorted(g.related),
      ...listed,
      message: `${cap(layerText(g.layer))} leaves ${formatBytes(g.bytes)} of ${label} (${count(g.files, "file")}) in ${listed.paths.join(", ")}: ${parts.join(", ")}.`,
      suggestion: rule.suggestion,
    });
  }

  for (const g of deleted.values()) {
    yield;
    const D = [...g.related][0]!;
    const listed = listPaths(g.byNode);
    const addedBy = model.layers[g.layer]?.instruction.text ?? "";
    findings.push({
      kind: "deleted-later",
      severity: sizeSeverity(g.bytes),
      bytesSaved: g.bytes,
      bytes: g.bytes,
      layer: g.layer,
      instruction: instructionOf(g.layer),
      relatedLayers: [D],
      ...listed,
      message: `${cap(layerText(g.layer))} adds ${formatBytes(g.bytes)} (${count(g.files, "file")}) that ${layerText(D)} deletes; the bytes still ship in layer ${g.layer}: ${describePaths(listed)}.`,
      suggestion: /^(COPY|ADD)\b/.test(addedBy)
        ? `Leave these files out of the ${addedBy.split(" ")[0]} (narrow the source or add them to .dockerignore) instead of deleting them in layer ${D}.`
        : `Delete them in the same RUN that creates them (layer ${g.layer}), or create them in a build stage and copy only what the image needs (multi-stage build).`,
    });
  }

  for (const g of rewritten.values()) {
    yield;
    const R = g.layer;
    const listed = listPaths(g.byNode);
    const origins = sorted(g.related);
    const copyOrigin = origins.find((L) => /^(COPY|ADD)\b/.test(model.layers[L]?.instruction.text ?? ""));
    const what =
      g.attrsChanged === 0
        ? "nothing about them changed"
        : g.attrsChanged === g.files
          ? `only the mode or owner changed`
          : `${g.attrsChanged} of them got a new mode or owner, the rest did not change at all`;
    const suggestion =
      g.attrsChanged > 0
        ? copyOrigin !== undefined
          ? `Set mode and owner where the files are copied: \`COPY --chmod=… --chown=…\` in layer ${copyOrigin}, and drop the chmod/chown from layer ${R}.`
          : `Set mode and owner in the step that creates the files (layer ${origins.join(", ")}), or use \`COPY --chmod=… --chown=…\`, instead of chmod/chown -R in a later layer.`
        : `Layer ${R} copies files without changing them (touch, chmod/chown to the same value, an identical copy): remove that step or narrow it to the files that really change.`;
    findings.push({
      kind: "rewritten-unchanged",
      severity: sizeSeverity(g.bytes),
      bytesSaved: g.bytes,
      bytes: g.bytes,
      layer: R,
      instruction: instructionOf(R),
      relatedLayers: origins,
      ...listed,
      message: `${cap(layerText(R))} writes ${count(g.files, "file")} (${formatBytes(g.bytes)}) again that ${origins.length === 1 ? `layer ${origins[0]}` : `layers ${origins.join(", ")}`} already wrote with the same content; ${what}: ${describePaths(listed)}.`,
      suggestion,
    });
  }

  for (const g of overwritten.values()) {
    yield;
    const R = [...g.related][0]!;
    const listed = listPaths(g.byNode);
    findings.push({
      kind: "overwritten",
      severity: sizeSeverity(g.bytes),
      bytesSaved: g.bytes,
      bytes: g.bytes,
      layer: g.layer,
      instruction: instructionOf(g.layer),
      relatedLayers: [R],
      ...listed,
      message: `${cap(layerText(g.layer))} writes ${count(g.files, "file")} (${formatBytes(g.bytes)}) that ${layerText(R)} replaces with different content: ${describePaths(listed)}.`,
      suggestion: `Produce the final version in one step (merge the RUNs, or build in a stage and copy the result) so layer ${g.layer} does not ship a version nobody sees.`,
    });
  }

  const groups: number[][] = [];
  yield;
  const { keys, low } = bucketKeys(model, duplicateCandidates);
  yield;
  let grouped = 0;
  for (const bucket of sameKeyRuns(duplicateCandidates, keys, low)) {
    if (bucket === null) {
      yield;
      continue;
    }
    grouped += bucket.length;
    if (grouped >= STEP_WORK) {
      grouped = 0;
      yield;
    }
    const exact = new Map<string, number[]>();
    for (const v of bucket) {
      const key = `${stack.size(v)}:${layerHash(model, v)}`;
      const list = exact.get(key);
      if (list) list.push(v);
      else exact.set(key, [v]);
    }
    for (const g of exact.values()) if (g.length >= 2) groups.push(g);
  }
  for (const copies of groups) {
    // Keep the oldest copy; the others are redundant.
    copies.sort((a, b) => vs.layer[a]! - vs.layer[b]! || vs.node[a]! - vs.node[b]!);
    const size = stack.size(copies[0]!);
    const saved = size * (copies.length - 1);
    const layers = copies.map((v) => vs.layer[v]!);
    const newest = layers[layers.length - 1]!; // copies are sorted by layer
    const byNode = new Map<number, number>();
    for (const v of copies) byNode.set(vs.node[v]!, size);
    const listed = listPaths(byNode);
    // Equal sizes: list in the order kept-first.
    listed.nodes = copies.slice(0, maxPaths).map((v) => vs.node[v]!);
    listed.paths = listed.nodes.map((n) => paths.path(n));
    findings.push({
      kind: "duplicate-content",
      severity: sizeSeverity(saved),
      bytesSaved: saved,
      bytes: size * copies.length,
      layer: newest,
      instruction: instructionOf(newest),
      relatedLayers: sorted(new Set(layers.filter((L) => L !== newest))),
      ...listed,
      message: `${copies.length} visible files have the same ${formatBytes(size)} content (${describePaths(listed)}); ${layerText(newest)} wrote the latest copy.`,
      suggestion:
        "Keep one copy and hard-link or symlink the others (`ln` instead of `cp`), or copy the file only to where it is needed.",
    });
  }

  for (const v of large) {
    const node = vs.node[v]!;
    const L = vs.layer[v]!;
    const size = stack.size(v);
    findings.push({
      kind: "large-file",
      severity: "low",
      bytesSaved: 0,
      bytes: size,
      layer: L,
      instruction: instructionOf(L),
      relatedLayers: [],
      paths: [paths.path(node)],
      pathCount: 1,
      nodes: [node],
      message: `${paths.path(node)} is ${formatBytes(size)}, added by ${layerText(L)}.`,
      suggestion:
        "Check the image needs it at run time; archives, build outputs and test data belong in a build stage of a multi-stage build.",
    });
  }

  for (const s of secrets) {
    const layers = s.versions.map((v) => vs.layer[v]!);
    const first = layers[0]!;
    const top = stack.top(s.node);
    const visibleAtTop = top >= 0 && stack.type(top) === EntryType.File;
    const last = s.versions[s.versions.length - 1]!;
    const path = paths.path(s.node);
    const where = `${layers.length === 1 ? `layer ${first}` : `layers ${layers.join(", ")}`}`;
    const fate = visibleAtTop
      ? "it is in the final image"
      : `layer ${vs.hiddenAt[last]} deletes it, but it can still be read from ${where === `layer ${first}` ? `layer ${first}'s` : "those layers'"} blob`;
    const bytes = s.versions.reduce((sum, v) => sum + stack.size(v), 0);
    findings.push({
      kind: "secret-file",
      severity: s.match.strong ? "high" : "medium",
      bytesSaved: 0,
      bytes,
      layer: first,
      instruction: instructionOf(first),
      relatedLayers: sorted(new Set(layers.filter((L) => L !== first))),
      paths: [path],
      pathCount: 1,
      nodes: [s.node],
      message: `${path} looks like ${s.match.what}; ${layerText(first)} writes it${layers.length > 1 ? ` (copies in ${where})` : ""} and ${fate}.`,
      suggestion:
        "Keep it out of every layer: exclude it in .dockerignore, and pass secrets with `RUN --mount=type=secret,id=…` (or `--mount=type=ssh`) or at run time. Deleting it in a later layer does not help. If the image was pushed, rotate the secret.",
    });
  }

  findings.push(...buildArgFindings(model, instructionOf));
  findings.push(...envFindings(model));

  return findings.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.bytesSaved - a.bytesSaved ||
      cmp(a.kind, b.kind) ||
      (a.layer ?? -1) - (b.layer ?? -1) ||
      cmp(a.paths[0] ?? "", b.paths[0] ?? ""),
  );
}

function buildArgFindings(model: ImageModel, instructionOf: (L: number | null) => string | null): Finding[] {
  const byArg = new Map<string, { name: string; value: string; layers: number[]; history: number[] }>();
  model.history.forEach((h, i) => {
    for (const arg of h.instruction.buildArgs) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg : arg.slice(0, eq);
      const value = eq < 0 ? "" : arg.slice(eq + 1);
      let item = byArg.get(arg);
      if (!item) {
        item = { name, value, layers: [], history: [] };
        byArg.set(arg, item);
      }
      item.history.push(i);
      if (h.layerIndex !== null) item.layers.push(h.layerIndex);
    }
  });
  const out: Finding[] = [];
  for (const a of byArg.values()) {
    const secret = isSecretName(a.name) && a.value !== "";
    const first = a.layers[0] ?? null;
    const shown = secret ? redact(a.name, a.value) : `${a.name}=${a.value}`;
    const where =
      a.layers.length > 0
        ? `the history of ${a.layers.length === 1 ? `layer ${a.layers[0]}` : `layers ${a.layers.join(", ")}`}`
        : "the image history";
    out.push({
      kind: secret ? "secret-build-arg" : "build-arg",
      severity: secret ? "high" : "low",
      bytesSaved: 0,
      bytes: 0,
      layer: first,
      instruction: instructionOf(first),
      relatedLayers: a.layers.slice(1),
      paths: [],
      pathCount: 0,
      nodes: [],
      message: secret
        ? `Build argument ${shown} looks like a secret and is recorded in ${where}: anyone with the image can read it.`
        : `Build argument ${shown} is recorded in ${where}.`,
      suggestion: secret
        ? "Pass secrets with `RUN --mount=type=secret,id=…` (BuildKit) instead of ARG; build args are stored in the image history. Rotate the value if the image was shared."
        : "Build args are readable by anyone with the image; keep only non-sensitive values in ARG.",
    });
  }
  return out;
}

function envFindings(model: ImageModel): Finding[] {
  const cfg = (model.input.config.config ?? {}) as { Env?: unknown };
  const env = Array.isArray(cfg.Env) ? cfg.Env : [];
  const out: Finding[] = [];
  for (const entry of env) {
    if (typeof entry !== "string") continue;
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? "" : entry.slice(eq + 1);
    if (value === "" || !isSecretName(name)) continue;
    out.push({
      kind: "secret-env",
      severity: "high",
      bytesSaved: 0,
      bytes: 0,
      layer: null,
      instruction: null,
      relatedLayers: [],
      paths: [],
      pathCount: 0,
      nodes: [],
      message: `Environment variable ${redact(name, value)} looks like a secret and is set in the image config: anyone with the image can read it.`,
      suggestion:
        "Set secrets at run time (orchestrator secrets, `docker run -e`, a mounted file), not with ENV.",
    });
  }
  return out;
}

function cacheRootOf(paths: PathTable, node: number, ruleOf: Int16Array): number {
  let n = node;
  while (n !== ROOT && ruleOf[paths.parent(n)]! >= 0) n = paths.parent(n);
  return n;
}

function cacheLabelOf(g: Group, _paths: PathTable, ruleOf: Int16Array): string {
  const node = g.byNode.keys().next().value as number;
  return CACHE_RULES[ruleOf[node]!]!.label;
}

/**
 * Runs (of two or more) of items with equal keys (non-negative integers below 2^53), in ascending
 * key order, items in their given order (null now and then: a pause for the caller). `low` holds
 * each key's low 21 bits. Items are bucketed by those with a counting sort (typed arrays, ~16 bytes per item); only
 * buckets of two or more are looked at, and only repeated keys make objects.
 */
export function* sameKeyRuns(
  items: readonly number[],
  keys: Float64Array,
  low: Int32Array,
): Generator<number[] | null> {
  const n = keys.length;
  let buckets = 1024;
  while (buckets < n / 2 && buckets < 1 << 21) buckets *= 2;
  const mask = buckets - 1;
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) start[(low[i]! & mask) + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  yield null;
  // Bucket b is order[start[b] .. start[b+1]); filled from its end backwards, keeping item order.
  const order = new Int32Array(n);
  const fill = start.slice(1);
  for (let i = n - 1; i >= 0; i--) order[--fill[low[i]! & mask]!] = i;
  yield null;
  const runs: { key: number; items: number[] }[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = start[b]!;
    const hi = start[b + 1]!;
    if (b % STEP_WORK === STEP_WORK - 1) yield null;
    if (hi - lo < 2) continue;
    const here = Array.from(order.subarray(lo, hi)).sort((x, y) => keys[x]! - keys[y]! || x - y);
    for (let i = 0; i < here.length; ) {
      let j = i + 1;
      while (j < here.length && keys[here[j]!] === keys[here[i]!]) j++;
      if (j - i >= 2) runs.push({ key: keys[here[i]!]!, items: here.slice(i, j).map((x) => items[x]!) });
      i = j;
    }
  }
  runs.sort((x, y) => x.key - y.key);
  for (const run of runs) yield run.items;
}

/** 53 bits of each version's content hash, and the low 21 of them. */
function bucketKeys(model: ImageModel, versions: readonly number[]): { keys: Float64Array; low: Int32Array } {
  const { layer, entry } = model.versions;
  const layers = model.stack.layers;
  const keys = new Float64Array(versions.length);
  const low = new Int32Array(versions.length);
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i]!;
    const c = layers[layer[v]!]!;
    const e = entry[v]!;
    const lo = c.hashLo[e]! & 0x1fffff;
    keys[i] = c.hashHi[e]! * 2097152 + lo;
    low[i] = lo;
  }
  return { keys, low };
}

function layerHash(model: ImageModel, v: number): string {
  const L = model.versions.layer[v]!;
  const e = model.versions.entry[v]!;
  const c = model.stack.layers[L]!;
  return `${c.hashHi[e]}:${c.hashLo[e]}`;
}

function describePaths(listed: { paths: string[]; pathCount: number }): string {
  const shown = listed.paths.slice(0, 3).join(", ");
  return listed.pathCount > 3 ? `${shown} and ${listed.pathCount - 3} more` : shown;
}

function sorted(s: Iterable<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function clip(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, width - 1)}…`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
