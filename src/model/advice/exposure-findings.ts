/** One builder per exposure finding: secrets anyone with the image can read, in files, build args and ENV. */
import type { ImageModel } from "../image-model.js";
import { EntryType } from "../layer-contents.js";
import type { SecretFile } from "./classify.js";
import { type FindingContext, sorted } from "./context.js";
import type { Finding } from "./finding.js";
import { isSecretName, redact } from "./secrets.js";

export function secretFileFinding(ctx: FindingContext, s: SecretFile): Finding {
  const { stack, versions: vs, paths } = ctx.model;
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
  return {
    kind: "secret-file",
    severity: s.match.strong ? "high" : "medium",
    bytesSaved: 0,
    bytes,
    layer: first,
    instruction: ctx.instructionOf(first),
    relatedLayers: sorted(new Set(layers.filter((L) => L !== first))),
    paths: [path],
    pathCount: 1,
    nodes: [s.node],
    message: `${path} looks like ${s.match.what}; ${ctx.layerText(first)} writes it${layers.length > 1 ? ` (copies in ${where})` : ""} and ${fate}.`,
    suggestion:
      "Keep it out of every layer: exclude it in .dockerignore, and pass secrets with `RUN --mount=type=secret,id=…` (or `--mount=type=ssh`) or at run time. Deleting it in a later layer does not help. If the image was pushed, rotate the secret.",
  };
}

/** Build arguments recorded in the history: a secret-looking one is an exposure, the others information. */
export function buildArgFindings(ctx: FindingContext): Finding[] {
  const { model, instructionOf } = ctx;
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

/** Secret-looking ENV values in the image config. */
export function envFindings(model: ImageModel): Finding[] {
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
