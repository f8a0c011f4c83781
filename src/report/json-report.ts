import { type AdviceOptions, adviseImage, type Finding } from "../model/advice/index.js";
import { splitAtBase } from "../model/base-split.js";
import type { Diagnostic } from "../model/diagnostics.js";
import type { ImageModel } from "../model/image-model.js";
import { ImagePackages } from "../model/packages.js";
import { HiddenReason } from "../model/stack.js";
import { adviceJson } from "./advice-report.js";
import { packagesJson } from "./packages-report.js";

export const SCHEMA_VERSION = 1;

const REASONS: Record<number, string> = {
  [HiddenReason.None]: "none",
  [HiddenReason.Overwritten]: "overwritten",
  [HiddenReason.Deleted]: "deleted",
  [HiddenReason.Opaque]: "opaque",
  [HiddenReason.Replaced]: "replaced",
};

export function hiddenReasonName(r: HiddenReason): string {
  return REASONS[r] ?? "none";
}

export interface JsonReportOptions {
  /** Keep only the N most wasteful paths (all when undefined). */
  top?: number;
  diagnostics?: readonly Diagnostic[];
  /** Findings to report; computed with `adviceOptions` when not given. */
  advice?: readonly Finding[];
  adviceOptions?: AdviceOptions;
  /** Packages per layer; computed when not given. */
  packages?: ImagePackages;
}

/** The `--json` document; its shape is documented in the README and versioned by schemaVersion. */
export function buildJsonReport(model: ImageModel, opts: JsonReportOptions = {}) {
  const { input } = model;
  const cfg = (input.config.config ?? {}) as Record<string, unknown>;
  const waste = model.waste();
  const dive = model.dive();
  const inefficiencies = opts.top === undefined ? waste.inefficiencies : waste.topInefficiencies(opts.top);
  return {
    schemaVersion: SCHEMA_VERSION,
    image: {
      reference: input.reference,
      id: input.id,
      source: input.source,
      os: input.config.os ?? null,
      architecture: input.config.architecture ?? null,
      variant: input.config.variant ?? null,
      created: input.config.created ?? null,
      config: {
        Env: cfg.Env ?? null,
        Cmd: cfg.Cmd ?? null,
        Entrypoint: cfg.Entrypoint ?? null,
        WorkingDir: cfg.WorkingDir ?? null,
        User: cfg.User ?? null,
        ExposedPorts: cfg.ExposedPorts ?? null,
        Labels: cfg.Labels ?? null,
      },
      base: baseJson(model),
    },
    layers: model.layers.map((l) => ({
      index: l.index,
      diffId: l.diffId,
      digest: l.digest,
      mediaType: l.mediaType,
      compression: l.compression,
      size: l.size,
      compressedSize: l.compressedSize,
      command: l.command,
      instruction: l.instruction.text,
      buildArgs: l.instruction.buildArgs,
      createdBy: l.createdBy,
      historyMissing: l.historyIndex < 0,
      entryCount: l.entryCount,
      fileCount: l.fileCount,
      added: l.added,
      modified: l.modified,
      removed: l.removed,
      error: l.error,
      base: model.base?.layerCount == null ? null : model.isBaseLayer(l.index),
    })),
    history: model.history.map((h) => ({
      createdBy: h.createdBy,
      command: h.command,
      created: h.created,
      comment: h.comment,
      emptyLayer: h.emptyLayer,
      layerIndex: h.layerIndex,
    })),
    summary: {
      layerCount: model.layerCount,
      totalLayerBytes: waste.totalLayerBytes,
      contentBytes: waste.contentBytes,
      wastedBytes: waste.wastedBytes,
      efficiency: waste.efficiency,
      fileCount: waste.fileCount,
      inefficientPaths: waste.inefficiencyCount,
      dive: {
        efficiency: dive.efficiency,
        wastedBytes: dive.wastedBytes,
        userWastedPercent: dive.userWastedPercent,
        sizeBytes: dive.sizeBytes,
        userSizeBytes: dive.userSizeBytes,
      },
    },
    inefficiencies: inefficiencies.map((i) => ({
      path: i.path,
      copies: i.copies,
      wastedBytes: i.wastedBytes,
      layers: i.layers,
      hiddenBy: i.hiddenBy,
      reason: hiddenReasonName(i.hiddenReason),
      visibleAtTop: i.visibleAtTop,
    })),
    packages: packagesJson(model, opts.packages ?? new ImagePackages(model)),
    advice: adviceJson(opts.advice ?? adviseImage(model, opts.adviceOptions)),
    diagnostics: (opts.diagnostics ?? []).map((d) => ({
      severity: d.severity,
      message: d.message,
      layer: d.layer ?? null,
    })),
  };
}

/** `image.base`: which bottom layers the base image brought, how that was decided, and their bytes. */
function baseJson(model: ImageModel) {
  const b = model.base;
  if (b === null) return null;
  const split = b.layerCount === null ? null : splitAtBase(model, b.layerCount);
  return {
    layerCount: b.layerCount,
    method: b.method,
    reason: b.reason,
    name: b.name,
    digest: b.digest,
    layerBytes: split?.base.layerBytes ?? null,
    wastedBytes: split?.base.wastedBytes ?? null,
    ownLayerBytes: split?.own.layerBytes ?? null,
    ownWastedBytes: split?.own.wastedBytes ?? null,
  };
}

export type JsonReport = ReturnType<typeof buildJsonReport>;
