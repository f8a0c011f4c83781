/** What the package databases tell the advisor: the biggest packages each layer installed. */
import { formatBytes } from "../format-bytes.js";
import { EntryType } from "../layer-contents.js";
import { ImagePackages } from "../packages.js";
import type { FindingContext } from "./context.js";
import type { Finding } from "./finding.js";

/** Packages named in a finding's message. */
const NAMED = 5;

/**
 * One finding per layer whose added or upgraded packages own at least `minBytes` of it: the count,
 * their bytes, the biggest by name; its paths are those packages' biggest files.
 */
export function packageInstallFindings(ctx: FindingContext, minBytes: number): Finding[] {
  const model = ctx.model;
  const pk = new ImagePackages(model);
  const out: Finding[] = [];
  for (const l of pk.layers) {
    const installed = l.uses.filter((u) => u.change !== null);
    const bytes = installed.reduce((s, u) => s + u.bytes, 0);
    if (installed.length === 0 || bytes < minBytes) continue;
    const keys = new Set(installed.map((u) => u.pkg.key));
    const c = model.input.readLayers[l.layer]?.contents;
    const byNode = new Map<number, number>();
    if (c) {
      for (let e = 0; e < c.count; e++) {
        const owner = c.type[e] === EntryType.File ? pk.ownerAt(c.node[e]!, l.layer) : null;
        if (owner !== null && keys.has(owner.key)) byNode.set(c.node[e]!, c.size[e]!);
      }
    }
    const listed = ctx.listPaths(byNode);
    const biggest = installed
      .slice(0, NAMED)
      .map((u) => `${u.pkg.name} ${u.pkg.version} (${formatBytes(u.bytes)})`)
      .join(", ");
    const more = installed.length > NAMED ? `, and ${installed.length - NAMED} more` : "";
    const noun = installed.length === 1 ? "package" : "packages";
    out.push({
      kind: "package-install",
      severity: "low",
      bytesSaved: 0,
      bytes,
      layer: l.layer,
      instruction: ctx.instructionOf(l.layer),
      relatedLayers: [],
      ...listed,
      message: `${cap(ctx.layerText(l.layer))} installs ${installed.length} ${noun} holding ${formatBytes(bytes)} of it: ${biggest}${more}.`,
      suggestion:
        "Keep only what the image needs at run time: install without recommended packages (apt-get --no-install-recommends, apk --no-cache --virtual for build deps, pip/npm production installs), and build with compilers and headers in an earlier stage of a multi-stage build.",
    });
  }
  return out;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
