/**
 * The advisor: what to change in the Dockerfile, with the bytes each change would save and the layer
 * (and instruction) responsible. Pure: reads the model only.
 *
 * Size findings never count a byte twice. Every regular-file version that is not visible at the top
 * (the image's wasted bytes) lands in exactly one of: package-cache, deleted-later,
 * rewritten-unchanged, overwritten, base-image, deletes-base-files (the last two only when the base
 * image boundary is known; waste that ships with the base saves nothing in this Dockerfile). Package-cache also counts cache bytes still visible at the top,
 * and duplicate-content counts only visible copies, so the savings of all findings can be added up.
 * Exposures (secret-looking files, build args, ENV values) save no bytes: they are reported whether
 * or not a later layer deleted the file, because every layer blob ships with the image.
 */
import type { ImageModel } from "../image-model.js";
import { runToEnd, type Steps } from "../steps.js";
import { classifyVersions } from "./classify.js";
import { cmp, findingContext } from "./context.js";
import { duplicateGroups } from "./duplicates.js";
import { buildArgFindings, envFindings, secretFileFinding } from "./exposure-findings.js";
import { type AdviceOptions, DEFAULT_MEDIUM_BYTES, type Finding, SEVERITY_RANK } from "./finding.js";
import { packageInstallFindings } from "./package-findings.js";
import {
  baseImageFinding,
  deletedLaterFinding,
  deletesBaseFilesFinding,
  duplicateContentFinding,
  largeFileFinding,
  overwrittenFinding,
  packageCacheFinding,
  rewrittenUnchangedFinding,
} from "./size-findings.js";

export {
  type AdviceOptions,
  DEFAULT_LARGE_FILE_BYTES,
  DEFAULT_MEDIUM_BYTES,
  DEFAULT_MIN_DUPLICATE_BYTES,
  type Finding,
  type FindingCategory,
  type FindingKind,
  findingCategory,
  type Severity,
  summarizeAdvice,
} from "./finding.js";
export { isSecretName, redact, secretPathMatch } from "./secrets.js";

/** Everything the advisor finds in an image, exposures first, then the biggest savings. */
export function adviseImage(model: ImageModel, opts: AdviceOptions = {}): Finding[] {
  return runToEnd(adviseSteps(model, opts));
}

/**
 * adviseImage as resumable work: each `next()` does a slice (a few milliseconds on a large image)
 * and the last returns the findings, so an interactive caller can run it in idle time.
 */
export function* adviseSteps(model: ImageModel, opts: AdviceOptions = {}): Steps<Finding[]> {
  const ctx = findingContext(model, opts);
  const found = yield* classifyVersions(model, opts);
  const findings: Finding[] = [];
  for (const g of found.caches.values()) {
    yield;
    findings.push(packageCacheFinding(ctx, g, found.ruleOf));
  }
  for (const g of found.deleted.values()) {
    yield;
    findings.push(deletedLaterFinding(ctx, g));
  }
  for (const g of found.rewritten.values()) {
    yield;
    findings.push(rewrittenUnchangedFinding(ctx, g));
  }
  for (const g of found.overwritten.values()) {
    yield;
    findings.push(overwrittenFinding(ctx, g));
  }
  if (found.baseWaste !== null) findings.push(baseImageFinding(ctx, found.baseWaste));
  for (const g of found.baseDeleted.values()) findings.push(deletesBaseFilesFinding(ctx, g));
  for (const copies of yield* duplicateGroups(model, found.duplicateCandidates)) {
    findings.push(duplicateContentFinding(ctx, copies));
  }
  for (const v of found.large) findings.push(largeFileFinding(ctx, v));
  for (const s of found.secrets) findings.push(secretFileFinding(ctx, s));
  findings.push(...buildArgFindings(ctx));
  findings.push(...envFindings(model));
  yield;
  findings.push(...packageInstallFindings(ctx, opts.mediumBytes ?? DEFAULT_MEDIUM_BYTES));

  return findings.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.bytesSaved - a.bytesSaved ||
      cmp(a.kind, b.kind) ||
      (a.layer ?? -1) - (b.layer ?? -1) ||
      cmp(a.paths[0] ?? "", b.paths[0] ?? ""),
  );
}
