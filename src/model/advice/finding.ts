/** What the advisor reports: the kinds of finding, their categories and severities, and the options. */

export type FindingKind =
  /** Files a layer added that a later layer deletes: the bytes still ship in the lower layer. */
  | "deleted-later"
  /** Files a later layer writes again with the same content (chmod/chown -R, touch, identical copy). */
  | "rewritten-unchanged"
  /** Files a later layer replaces with different content: only the last version is used. */
  | "overwritten"
  /** Package-manager caches (apt, apk, yum/dnf, pip, npm, yarn, Go) left in a layer. */
  | "package-cache"
  /** Waste inside the base image's own layers, and the package caches it leaves: a slimmer base removes it. */
  | "base-image"
  /** Files the base image brought that an own layer deletes: saves nothing, adds whiteouts. */
  | "deletes-base-files"
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
  | "secret-env"
  /** The packages a layer installed, biggest first (information, from the package databases). */
  | "package-install";

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
  "base-image": "size",
  "deletes-base-files": "size",
  "large-file": "info",
  "secret-file": "exposure",
  "secret-build-arg": "exposure",
  "build-arg": "info",
  "secret-env": "exposure",
  "package-install": "info",
};

export function findingCategory(kind: FindingKind): FindingCategory {
  return CATEGORY[kind];
}

/** Findings sort high first. */
export const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

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
