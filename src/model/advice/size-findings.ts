/** One builder per size finding: bytes the image ships that a different Dockerfile would not. */
import { formatBytes } from "../format-bytes.js";
import { cacheRuleOf } from "./cache-rules.js";
import type { Group } from "./classify.js";
import { cap, count, describePaths, type FindingContext, sorted } from "./context.js";
import type { Finding } from "./finding.js";

export function packageCacheFinding(ctx: FindingContext, g: Group, ruleOf: Int16Array): Finding {
  const rule = cacheRuleOf(g.byNode, ruleOf);
  const parts: string[] = [];
  if (g.visibleBytes > 0) parts.push(`${formatBytes(g.visibleBytes)} still in the final image`);
  if (g.deletedBytes > 0)
    parts.push(`${formatBytes(g.deletedBytes)} deleted by a later layer but still shipped`);
  if (g.overwrittenBytes > 0) parts.push(`${formatBytes(g.overwrittenBytes)} replaced by a later layer`);
  const listed = ctx.listPaths(g.byNode);
  return {
    kind: "package-cache",
    severity: ctx.sizeSeverity(g.bytes),
    bytesSaved: g.bytes,
    bytes: g.bytes,
    layer: g.layer,
    instruction: ctx.instructionOf(g.layer),
    relatedLayers: sorted(g.related),
    ...listed,
    message: `${cap(ctx.layerText(g.layer))} leaves ${formatBytes(g.bytes)} of ${rule.label} (${count(g.files, "file")}) in ${listed.paths.join(", ")}: ${parts.join(", ")}.`,
    suggestion: rule.suggestion,
  };
}

export function deletedLaterFinding(ctx: FindingContext, g: Group): Finding {
  const D = [...g.related][0]!;
  const listed = ctx.listPaths(g.byNode);
  const addedBy = ctx.model.layers[g.layer]?.instruction.text ?? "";
  return {
    kind: "deleted-later",
    severity: ctx.sizeSeverity(g.bytes),
    bytesSaved: g.bytes,
    bytes: g.bytes,
    layer: g.layer,
    instruction: ctx.instructionOf(g.layer),
    relatedLayers: [D],
    ...listed,
    message: `${cap(ctx.layerText(g.layer))} adds ${formatBytes(g.bytes)} (${count(g.files, "file")}) that ${ctx.layerText(D)} deletes; the bytes still ship in layer ${g.layer}: ${describePaths(listed)}.`,
    suggestion: /^(COPY|ADD)\b/.test(addedBy)
      ? `Leave these files out of the ${addedBy.split(" ")[0]} (narrow the source or add them to .dockerignore) instead of deleting them in layer ${D}.`
      : `Delete them in the same RUN that creates them (layer ${g.layer}), or create them in a build stage and copy only what the image needs (multi-stage build).`,
  };
}

export function rewrittenUnchangedFinding(ctx: FindingContext, g: Group): Finding {
  const R = g.layer;
  const listed = ctx.listPaths(g.byNode);
  const origins = sorted(g.related);
  const copyOrigin = origins.find((L) => /^(COPY|ADD)\b/.test(ctx.model.layers[L]?.instruction.text ?? ""));
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
  return {
    kind: "rewritten-unchanged",
    severity: ctx.sizeSeverity(g.bytes),
    bytesSaved: g.bytes,
    bytes: g.bytes,
    layer: R,
    instruction: ctx.instructionOf(R),
    relatedLayers: origins,
    ...listed,
    message: `${cap(ctx.layerText(R))} writes ${count(g.files, "file")} (${formatBytes(g.bytes)}) again that ${origins.length === 1 ? `layer ${origins[0]}` : `layers ${origins.join(", ")}`} already wrote with the same content; ${what}: ${describePaths(listed)}.`,
    suggestion,
  };
}

export function overwrittenFinding(ctx: FindingContext, g: Group): Finding {
  const R = [...g.related][0]!;
  const listed = ctx.listPaths(g.byNode);
  if (ctx.model.isBaseLayer(g.layer)) {
    // The old versions came with the base image: no change to this Dockerfile removes them.
    return {
      kind: "overwritten",
      severity: "low",
      bytesSaved: 0,
      bytes: g.bytes,
      layer: g.layer,
      instruction: ctx.instructionOf(g.layer),
      relatedLayers: [R],
      ...listed,
      message: `${cap(ctx.layerText(R))} replaces ${count(g.files, "file")} (${formatBytes(g.bytes)}) that the base image${baseName(ctx)} brought in layer ${g.layer}; the old versions still ship with the base: ${describePaths(listed)}.`,
      suggestion: `Nothing to save in this Dockerfile: the replaced versions are the base image's (only another base would drop them).`,
    };
  }
  return {
    kind: "overwritten",
    severity: ctx.sizeSeverity(g.bytes),
    bytesSaved: g.bytes,
    bytes: g.bytes,
    layer: g.layer,
    instruction: ctx.instructionOf(g.layer),
    relatedLayers: [R],
    ...listed,
    message: `${cap(ctx.layerText(g.layer))} writes ${count(g.files, "file")} (${formatBytes(g.bytes)}) that ${ctx.layerText(R)} replaces with different content: ${describePaths(listed)}.`,
    suggestion: `Produce the final version in one step (merge the RUNs, or build in a stage and copy the result) so layer ${g.layer} does not ship a version nobody sees.`,
  };
}

/** Visible versions with the same content; sorts `copies` oldest first (that copy is the one kept). */
export function duplicateContentFinding(ctx: FindingContext, copies: number[]): Finding {
  const { stack, versions: vs, paths } = ctx.model;
  copies.sort((a, b) => vs.layer[a]! - vs.layer[b]! || vs.node[a]! - vs.node[b]!);
  const size = stack.size(copies[0]!);
  const saved = size * (copies.length - 1);
  const layers = copies.map((v) => vs.layer[v]!);
  const newest = layers[layers.length - 1]!; // copies are sorted by layer
  const byNode = new Map<number, number>();
  for (const v of copies) byNode.set(vs.node[v]!, size);
  const listed = ctx.listPaths(byNode);
  // Equal sizes: list in the order kept-first.
  listed.nodes = copies.slice(0, ctx.maxPaths).map((v) => vs.node[v]!);
  listed.paths = listed.nodes.map((n) => paths.path(n));
  return {
    kind: "duplicate-content",
    severity: ctx.sizeSeverity(saved),
    bytesSaved: saved,
    bytes: size * copies.length,
    layer: newest,
    instruction: ctx.instructionOf(newest),
    relatedLayers: sorted(new Set(layers.filter((L) => L !== newest))),
    ...listed,
    message: `${copies.length} visible files have the same ${formatBytes(size)} content (${describePaths(listed)}); ${ctx.layerText(newest)} wrote the latest copy.`,
    suggestion:
      "Keep one copy and hard-link or symlink the others (`ln` instead of `cp`), or copy the file only to where it is needed.",
  };
}

export function largeFileFinding(ctx: FindingContext, v: number): Finding {
  const { stack, versions: vs, paths } = ctx.model;
  const node = vs.node[v]!;
  const L = vs.layer[v]!;
  const size = stack.size(v);
  return {
    kind: "large-file",
    severity: "low",
    bytesSaved: 0,
    bytes: size,
    layer: L,
    instruction: ctx.instructionOf(L),
    relatedLayers: [],
    paths: [paths.path(node)],
    pathCount: 1,
    nodes: [node],
    message: `${paths.path(node)} is ${formatBytes(size)}, added by ${ctx.layerText(L)}.`,
    suggestion:
      "Check the image needs it at run time; archives, build outputs and test data belong in a build stage of a multi-stage build.",
  };
}

function baseName(ctx: FindingContext): string {
  const name = ctx.model.base?.name;
  return name ? ` (${name})` : "";
}

/** Waste inside the base image's own layers (and the caches it left): only a slimmer base removes it. */
export function baseImageFinding(ctx: FindingContext, g: Group): Finding {
  const listed = ctx.listPaths(g.byNode);
  const layers = sorted(g.related);
  const top = layers[layers.length - 1]!;
  const parts: string[] = [];
  if (g.deletedBytes > 0) parts.push(`${formatBytes(g.deletedBytes)} its own layers delete`);
  if (g.overwrittenBytes > 0) parts.push(`${formatBytes(g.overwrittenBytes)} they overwrite`);
  if (g.visibleBytes > 0) parts.push(`${formatBytes(g.visibleBytes)} of package caches it leaves`);
  const where = layers.length === 1 ? `layer ${layers[0]}` : `layers ${layers.join(", ")}`;
  return {
    kind: "base-image",
    severity: ctx.sizeSeverity(g.bytes),
    bytesSaved: g.bytes,
    bytes: g.bytes,
    layer: top,
    instruction: ctx.instructionOf(top),
    relatedLayers: layers.filter((L) => L !== top),
    ...listed,
    message: `${formatBytes(g.bytes)} (${count(g.files, "file")}) comes with the base image${baseName(ctx)} in ${where}: ${parts.join(", ")}: ${describePaths(listed)}.`,
    suggestion: `This Dockerfile cannot remove it: a slimmer base such as a -slim variant saves ${formatBytes(g.bytes)}.`,
  };
}

/** An own layer deleting files the base image brought: the bytes still ship; only whiteouts are added. */
export function deletesBaseFilesFinding(ctx: FindingContext, g: Group): Finding {
  const D = g.layer;
  const listed = ctx.listPaths(g.byNode);
  const origins = sorted(g.related);
  const where = origins.length === 1 ? `layer ${origins[0]}` : `layers ${origins.join(", ")}`;
  return {
    kind: "deletes-base-files",
    severity: "low",
    bytesSaved: 0,
    bytes: g.bytes,
    layer: D,
    instruction: ctx.instructionOf(D),
    relatedLayers: origins,
    ...listed,
    message: `${cap(ctx.layerText(D))} deletes ${formatBytes(g.bytes)} (${count(g.files, "file")}) that the base image${baseName(ctx)} brought in ${where}: that saves nothing — the bytes still ship in the base's layers, layer ${D} only adds whiteouts: ${describePaths(listed)}.`,
    suggestion: `Drop the deletion from layer ${D} unless the files must be gone at run time; to be rid of their bytes, pick a base image without them (a -slim variant, or a base of your own).`,
  };
}
