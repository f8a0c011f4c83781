/** Package-manager caches (apt, apk, yum/dnf, pip, npm, yarn, Go): which directories they are, and which paths lie in one. */
import { type PathTable, ROOT } from "../path-table.js";

export interface CacheRule {
  /** Path segments; "~" stands for /root or /home/NAME. */
  pattern: string[];
  label: string;
  suggestion: string;
}

export const CACHE_RULES: CacheRule[] = [
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
export function classifyCaches(paths: PathTable): { ruleOf: Int16Array; roots: Map<number, number> } {
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

export function cacheRootOf(paths: PathTable, node: number, ruleOf: Int16Array): number {
  let n = node;
  while (n !== ROOT && ruleOf[paths.parent(n)]! >= 0) n = paths.parent(n);
  return n;
}

/**
 * The rule a group of cache paths (grouped by layer and label) is reported with: the first rule of
 * that label, whichever of the label's directories the paths are in.
 */
export function cacheRuleOf(byNode: ReadonlyMap<number, number>, ruleOf: Int16Array): CacheRule {
  const node = byNode.keys().next().value as number;
  const label = CACHE_RULES[ruleOf[node]!]!.label;
  return CACHE_RULES.find((r) => r.label === label)!;
}
