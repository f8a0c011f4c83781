import { createHash } from "node:crypto";
import type { BaseAnnotations } from "../model/base-image.js";
import { type Diagnostic, UserError } from "../model/diagnostics.js";
import { type ArchiveStore, blobPath, digestFromPath, normalizeArchivePath } from "./archive-store.js";
import { baseAnnotationsOf } from "./base-annotations.js";
import { decodeImageConfig, MAX_IMAGE_LAYERS } from "./image-config.js";
import { familiarName, hasTagOrDigest, normalizeName, repoOf } from "./image-ref.js";
import {
  formatPlatform,
  hostPlatform,
  isAttestation,
  isObject,
  type Platform,
  parsePlatform,
  platformMatches,
  platformOf,
} from "./platform.js";
import type { ImageInfo, LayerDescriptor, ReadOptions } from "./types.js";

/**
 * Turns an archive's manifest.json and/or OCI index into the one image to read: follows the
 * manifests (never guesses from file names), chooses the image by name and the platform, reads the
 * config, and says which archive path holds each layer blob.
 */

export interface PlannedLayer {
  descriptor: LayerDescriptor;
  /** Archive path of the blob; null when the manifest gives no usable location. */
  path: string | null;
  /** Why the blob cannot be read, known before reading (not in the archive, foreign layer…). */
  missing: string | null;
}

export interface ImagePlan {
  info: ImageInfo;
  layers: PlannedLayer[];
  diagnostics: Diagnostic[];
}

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);
const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
const ANNOTATION_IMAGE_NAME = "io.containerd.image.name";
const MAX_INDEX_DEPTH = 4;

interface LayerRef {
  path: string | null;
  digest: string | null;
  mediaType: string | null;
  size: number | null;
  urls: string[] | null;
}

interface Variant {
  platform: Platform | null;
  attestation: boolean;
  /** Why this platform's image is not in the archive (manifest blob missing…), or null. */
  absent: string | null;
  configPath: string | null;
  configDigest: string | null;
  layers: LayerRef[];
  /** org.opencontainers.image.base.* on the manifest or the index entry pointing at it. */
  baseAnnotations?: BaseAnnotations | null;
  /** manifest.json's LayerSources (keyed by DiffID): foreign or Docker 25+ layer descriptors. */
  layerSources?: Record<string, unknown>;
}

interface Candidate {
  names: string[];
  /** Manifest/index digest or config path: what makes two listings the same image. */
  key: string;
  variants: Variant[];
}

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  urls?: unknown;
  platform?: unknown;
  annotations?: unknown;
}

export async function planImage(store: ArchiveStore, opts: ReadOptions, source: string): Promise<ImagePlan> {
  const reader = new JsonReader(store);
  const hasManifest = store.size("manifest.json") !== null;
  const hasIndex = store.size("index.json") !== null;
  if (!hasManifest && !hasIndex) {
    throw new UserError(
      `${store.label}: no manifest.json or index.json: this is not a container image archive`,
      "make one with 'docker save IMAGE -o image.tar' (or podman/skopeo); a layer or rootfs tarball is not enough",
    );
  }
  const candidates: Candidate[] = [];
  if (hasIndex) await readOciIndex(reader, candidates);
  if (hasManifest) await readDockerManifest(reader, candidates);
  if (candidates.length === 0) {
    throw new UserError(
      `${store.label}: the archive's ${hasManifest ? "manifest.json" : "index.json"} lists no images`,
      "save the image again; the archive holds no image to read",
    );
  }

  const { candidate, matchedName } = chooseCandidate(candidates, opts.image, store.label);
  const variant = await chooseVariant(candidate, opts.platform, reader, store.label);
  return buildPlan(reader, candidate, variant, matchedName, source);
}

/**
 * The platforms of an archive's image, from its index and manifests (and, for a manifest.json image
 * that names none, its config) — never a layer: what shell completion offers for --platform.
 * Attestations are left out, and platforms whose blobs were never pulled when others are there.
 * When `image` picks no single image, the platforms of every image.
 */
export async function archivePlatforms(store: ArchiveStore, image?: string): Promise<Platform[]> {
  const reader = new JsonReader(store);
  const candidates: Candidate[] = [];
  if (store.size("index.json") !== null) await readOciIndex(reader, candidates);
  if (store.size("manifest.json") !== null) await readDockerManifest(reader, candidates);
  let chosen = candidates;
  try {
    if (candidates.length > 0) chosen = [chooseCandidate(candidates, image, store.label).candidate];
  } catch {
    // No image or an ambiguous one named: offer what any image of the archive has.
  }
  const variants = chosen.flatMap((c) => c.variants.filter((v) => !v.attestation));
  for (const v of variants) await variantPlatform(reader, v);
  const present = variants.filter((v) => v.absent === null && layersPresent(reader, v));
  const seen = new Map<string, Platform>();
  for (const v of present.length > 0 ? present : variants)
    if (v.platform !== null) seen.set(formatPlatform(v.platform), v.platform);
  return [...seen.values()];
}

/** Reads and parses the small JSON files of an archive, once each. */
class JsonReader {
  private readonly cache = new Map<string, { bytes: Buffer; value: unknown } | null>();
  constructor(readonly store: ArchiveStore) {}

  get label(): string {
    return this.store.label;
  }

  async read(path: string): Promise<{ bytes: Buffer; value: unknown } | null> {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    const bytes = await this.store.readSmall(path);
    let result: { bytes: Buffer; value: unknown } | null = null;
    if (bytes !== null) {
      try {
        result = { bytes, value: JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, "")) };
      } catch (e) {
        throw new UserError(
          `${this.label}: ${path} is not valid JSON (${(e as Error).message})`,
          "the archive is damaged or was edited; save the image again",
        );
      }
    }
    this.cache.set(path, result);
    return result;
  }

  has(path: string): boolean {
    return this.store.size(path) !== null;
  }
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

function malformed(label: string, path: string, what: string): UserError {
  return new UserError(
    `${label}: ${path} is not ${what}`,
    "the archive is damaged or not an image archive; save the image again",
  );
}

async function readOciIndex(reader: JsonReader, out: Candidate[]): Promise<void> {
  const index = await reader.read("index.json");
  if (!index || !isObject(index.value) || !Array.isArray(index.value.manifests)) {
    throw malformed(reader.label, "index.json", "an OCI image index (no 'manifests' list)");
  }
  for (const d of index.value.manifests as Descriptor[]) {
    if (!isObject(d) || typeof d.digest !== "string") continue;
    const annotations = stringRecord(d.annotations);
    const names: string[] = [];
    const full = annotations?.[ANNOTATION_IMAGE_NAME];
    const ref = annotations?.[ANNOTATION_REF_NAME];
    if (full) names.push(familiarName(full));
    if (ref && !names.some((n) => n.endsWith(`:${ref}`) || n === ref)) names.push(ref);
    const existing = out.find((c) => c.key === d.digest);
    if (existing) {
      for (const n of names) if (!existing.names.includes(n)) existing.names.push(n);
      continue;
    }
    const variants: Variant[] = [];
    await expandDescriptor(reader, d, "index.json", variants, 0);
    out.push({ names, key: d.digest, variants });
  }
}

/** Follow one descriptor of an index: an image index (several platforms) or a single manifest. */
async function expandDescriptor(
  reader: JsonReader,
  d: Descriptor,
  from: string,
  out: Variant[],
  depth: number,
): Promise<void> {
  const digest = typeof d.digest === "string" ? d.digest : "";
  const platform = platformOf(d.platform);
  const annotations = stringRecord(d.annotations);
  const attestation = isAttestation(platform, annotations);
  const path = blobPath(digest);
  const absent = (why: string): Variant => ({
    platform,
    attestation,
    absent: why,
    configPath: null,
    configDigest: null,
    layers: [],
  });
  if (path === null) {
    out.push(absent(`${from} names a malformed digest '${digest}'`));
    return;
  }
  const blob = await reader.read(path);
  if (blob === null) {
    out.push(absent(`its manifest ${digest.slice(0, 19)}… is not in the archive`));
    return;
  }
  const value = blob.value;
  const isIndex =
    (typeof d.mediaType === "string" && INDEX_TYPES.has(d.mediaType)) ||
    (isObject(value) && Array.isArray(value.manifests) && !("config" in value));
  if (isIndex) {
    if (!isObject(value) || !Array.isArray(value.manifests))
      throw malformed(reader.label, path, "an image index");
    if (depth >= MAX_INDEX_DEPTH) throw malformed(reader.label, path, "an image index (nested too deeply)");
    for (const child of value.manifests as Descriptor[]) {
      if (isObject(child)) await expandDescriptor(reader, child, path, out, depth + 1);
    }
    return;
  }
  if (attestation) {
    out.push({ ...absent("it is an attestation"), attestation: true });
    return;
  }
  if (!isObject(value) || !isObject(value.config) || typeof value.config.digest !== "string") {
    throw malformed(reader.label, path, "an image manifest (no config descriptor)");
  }
  const layers: LayerRef[] = [];
  if (value.layers !== undefined && !Array.isArray(value.layers)) {
    throw malformed(reader.label, path, "an image manifest ('layers' is not a list)");
  }
  for (const l of (value.layers ?? []) as Descriptor[]) {
    if (!isObject(l)) throw malformed(reader.label, path, "an image manifest (a layer is not an object)");
    const ld = typeof l.digest === "string" ? l.digest : null;
    layers.push({
      path: ld === null ? null : blobPath(ld),
      digest: ld,
      mediaType: typeof l.mediaType === "string" ? l.mediaType : null,
      size: typeof l.size === "number" ? l.size : null,
      urls: Array.isArray(l.urls) ? l.urls.filter((u): u is string => typeof u === "string") : null,
    });
  }
  out.push({
    platform,
    attestation: false,
    absent: null,
    configPath: blobPath(value.config.digest),
    configDigest: value.config.digest,
    layers,
    baseAnnotations: baseAnnotationsOf(stringRecord(value.annotations), annotations),
  });
}

async function readDockerManifest(reader: JsonReader, out: Candidate[]): Promise<void> {
  const manifest = await reader.read("manifest.json");
  const what = "a docker image manifest (expected a list of {Config, RepoTags, Layers})";
  if (!manifest || !Array.isArray(manifest.value)) throw malformed(reader.label, "manifest.json", what);
  for (const e of manifest.value as unknown[]) {
    if (!isObject(e) || typeof e.Config !== "string" || !Array.isArray(e.Layers)) {
      throw malformed(reader.label, "manifest.json", what);
    }
    const names = Array.isArray(e.RepoTags)
      ? e.RepoTags.filter((t): t is string => typeof t === "string")
      : [];
    const configPath = normalizeArchivePath(e.Config);
    const configDigest = configPath === null ? null : digestFromPath(configPath);
    // Docker 25+ writes the same images in index.json: merge names into that listing.
    const twin =
      configDigest === null
        ? undefined
        : out.find((c) => c.variants.some((v) => v.configDigest === configDigest && v.absent === null));
    if (twin) {
      twin.names = [...names, ...twin.names.filter((n) => !names.includes(n))];
      continue;
    }
    const sources = isObject(e.LayerSources) ? e.LayerSources : {};
    const layers: LayerRef[] = (e.Layers as unknown[]).map((p) => {
      const path = typeof p === "string" ? normalizeArchivePath(p) : null;
      return {
        path,
        digest: path === null ? null : digestFromPath(path),
        mediaType: null,
        size: null,
        urls: null,
      };
    });
    out.push({
      names,
      key: `manifest.json:${e.Config}`,
      variants: [
        {
          platform: null,
          attestation: false,
          absent: null,
          configPath,
          configDigest,
          layers,
          layerSources: sources,
        },
      ],
    });
  }
}

function candidateId(c: Candidate): string | null {
  const real = c.variants.filter((v) => !v.attestation);
  if (real.length === 1 && real[0]!.configDigest) return real[0]!.configDigest;
  return c.key.startsWith("manifest.json:") ? null : c.key;
}

function describeCandidate(c: Candidate): string {
  const id = candidateId(c);
  const short = id ? id.replace(/^sha256:/, "").slice(0, 12) : "?";
  if (c.names.length === 0) return `<untagged> ${short}`;
  const [first, ...rest] = c.names;
  return rest.length ? `${first} (also ${rest.join(", ")})` : first!;
}

function chooseCandidate(
  candidates: Candidate[],
  query: string | undefined,
  label: string,
): { candidate: Candidate; matchedName: string | null } {
  const listing = () => candidates.map(describeCandidate).join("; ");
  if (query === undefined || query === "") {
    if (candidates.length === 1) return { candidate: candidates[0]!, matchedName: null };
    throw new UserError(
      `${label} holds ${candidates.length} images: ${listing()}`,
      `name one, e.g. '${label}:${candidates.find((c) => c.names[0])?.names[0] ?? "NAME:TAG"}'`,
    );
  }
  const q = normalizeName(query.trim());
  const tiers: Array<(c: Candidate) => string | null | undefined> = [
    (c) => c.names.find((n) => normalizeName(n) === q),
    (c) => (hasTagOrDigest(q) ? null : c.names.find((n) => normalizeName(n) === `${q}:latest`)),
    (c) => (hasTagOrDigest(q) ? null : c.names.find((n) => repoOf(normalizeName(n)) === q)),
    (c) => {
      const m = /^(?:sha256:)?([0-9a-f]{4,64})$/.exec(query.trim());
      if (!m) return null;
      const ids = [candidateId(c), c.key, ...c.variants.map((v) => v.configDigest)];
      return ids.some((id) => id?.replace(/^sha256:/, "").startsWith(m[1]!)) ? (c.names[0] ?? "") : null;
    },
  ];
  for (const tier of tiers) {
    const hits: Array<{ candidate: Candidate; matchedName: string | null }> = [];
    for (const c of candidates) {
      const n = tier(c);
      if (n !== null && n !== undefined) hits.push({ candidate: c, matchedName: n === "" ? null : n });
    }
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) {
      throw new UserError(
        `${label}: '${query}' matches ${hits.length} images: ${hits.map((h) => describeCandidate(h.candidate)).join("; ")}`,
        "name the image with its full name:tag, or an image ID prefix",
      );
    }
  }
  throw new UserError(`${label} has no image '${query}'; it holds: ${listing()}`, "name one of those images");
}

async function variantPlatform(reader: JsonReader, v: Variant): Promise<Platform | null> {
  if (v.platform !== null || v.configPath === null || v.absent !== null) return v.platform;
  const config = await reader.read(v.configPath);
  if (config && isObject(config.value)) v.platform = platformOf(config.value);
  return v.platform;
}

async function chooseVariant(
  candidate: Candidate,
  platformText: string | undefined,
  reader: JsonReader,
  label: string,
): Promise<Variant> {
  const variants = candidate.variants.filter((v) => !v.attestation);
  const name = candidate.names[0] ?? "the image";
  if (variants.length === 0) {
    throw new UserError(
      `${label}: ${name} has no runnable image (only attestations)`,
      "save the image itself, not only its attestations",
    );
  }
  for (const v of variants) await variantPlatform(reader, v);
  const listing = () =>
    variants.map((v) => (v.platform ? formatPlatform(v.platform) : "unknown platform")).join(", ");
  const available = (v: Variant) => v.absent === null && layersPresent(reader, v);

  if (platformText !== undefined && platformText !== "") {
    const wanted = parsePlatform(platformText);
    // A single image without a platform in its config cannot be checked: accept it.
    if (variants.length === 1 && variants[0]!.platform === null) return variants[0]!;
    const hits = variants.filter((v) => v.platform !== null && platformMatches(wanted, v.platform));
    if (hits.length === 0) {
      throw new UserError(
        `${label}: ${name} has no ${formatPlatform(wanted)} image; platforms: ${listing()}`,
        "choose one of those platforms",
      );
    }
    const present = hits.filter(available);
    if (present.length === 1 || (present.length === 0 && hits.length === 1)) return present[0] ?? hits[0]!;
    if (present.length === 0) return hits[0]!;
    throw new UserError(
      `${label}: platform ${formatPlatform(wanted)} matches several images of ${name}: ${present
        .map((v) => formatPlatform(v.platform!))
        .join(", ")}`,
      "add the variant, e.g. linux/arm/v7",
    );
  }
  if (variants.length === 1) return variants[0]!;
  const present = variants.filter(available);
  const host = hostPlatform();
  const hostHits = present.filter((v) => v.platform !== null && platformMatches(host, v.platform));
  if (hostHits.length === 1) return hostHits[0]!;
  if (hostHits.length === 0 && present.length === 1) return present[0]!;
  throw new UserError(
    `${label}: ${name} has images for several platforms: ${listing()}`,
    `choose one with a platform such as ${formatPlatform(variants.find((v) => v.platform)?.platform ?? host)}`,
  );
}

/** True when the variant's config and at least one layer blob (or no layers at all) are present. */
function layersPresent(reader: JsonReader, v: Variant): boolean {
  if (v.configPath === null || !reader.has(v.configPath)) return false;
  return v.layers.length === 0 || v.layers.some((l) => l.path !== null && reader.has(l.path));
}

function isForeign(mediaType: string | null): boolean {
  return mediaType !== null && /foreign|nondistributable/.test(mediaType);
}

async function buildPlan(
  reader: JsonReader,
  candidate: Candidate,
  variant: Variant,
  matchedName: string | null,
  source: string,
): Promise<ImagePlan> {
  const label = reader.label;
  const name = matchedName ?? candidate.names[0] ?? null;
  const what = `${name ?? "the image"}${variant.platform ? ` (${formatPlatform(variant.platform)})` : ""}`;
  if (variant.absent !== null) {
    throw new UserError(
      `${label}: ${what} is not in the archive: ${variant.absent}`,
      "the archive was saved without this image or platform; choose another or save it again",
    );
  }
  if (variant.configPath === null) {
    throw new UserError(`${label}: the manifest of ${what} names no usable config`, "save the image again");
  }
  if (variant.layers.length > MAX_IMAGE_LAYERS) {
    throw new UserError(
      `${label}: the manifest of ${what} lists ${variant.layers.length} layers, more than layerview reads (${MAX_IMAGE_LAYERS})`,
      "the archive is damaged or not from a real build",
    );
  }
  const config = await reader.read(variant.configPath);
  if (config === null) {
    throw new UserError(
      `${label}: the manifest names config ${variant.configPath}, which is not in the archive`,
      "the archive is incomplete; save the image again",
    );
  }
  const decoded = decodeImageConfig(config.value, `${label}: ${variant.configPath}`);
  const raw = decoded.config;
  const diffIds = raw.rootfs?.diff_ids ?? [];
  const sources = variant.layerSources ?? {};
  const diagnostics: Diagnostic[] = decoded.warnings.map((message) => ({ severity: "warning", message }));
  if (diffIds.length !== variant.layers.length) {
    diagnostics.push({
      severity: "warning",
      message: `${label}: the config lists ${diffIds.length} layer DiffIDs but the manifest lists ${variant.layers.length} layers`,
    });
  }
  const layers: PlannedLayer[] = variant.layers.map((ref, index) => {
    const diffId = typeof diffIds[index] === "string" ? diffIds[index] : null;
    const src = diffId !== null && isObject(sources[diffId]) ? (sources[diffId] as Descriptor) : null;
    const mediaType = ref.mediaType ?? (typeof src?.mediaType === "string" ? src.mediaType : null);
    const digest = ref.digest ?? (typeof src?.digest === "string" ? src.digest : null);
    const declaredSize = ref.size ?? (typeof src?.size === "number" ? src.size : null);
    const urls = ref.urls ?? (Array.isArray(src?.urls) ? (src.urls as string[]) : null);
    const size = ref.path === null ? null : reader.store.size(ref.path);
    let missing: string | null = null;
    if (ref.path === null) missing = "the manifest gives no usable location for its blob";
    else if (size === null) {
      missing = isForeign(mediaType)
        ? `it is a foreign layer (${mediaType}) whose blob is not in the archive${urls?.[0] ? `; it lives at ${urls[0]}` : ""}`
        : `its blob ${ref.path} is not in the archive`;
    }
    return {
      path: ref.path,
      missing,
      descriptor: {
        index,
        diffId,
        digest,
        mediaType,
        blobSize: size ?? declaredSize,
        compression: null,
      },
    };
  });
  const lost = layers.filter((l) => l.missing !== null && !isForeign(l.descriptor.mediaType));
  if (layers.length > 0 && lost.length === layers.length) {
    throw new UserError(
      `${label}: none of the ${layers.length} layer blobs of ${what} are in the archive (first missing: ${layers[0]!.path ?? "?"})`,
      "the archive is incomplete or was saved without this platform; save the image again",
    );
  }
  const platform = platformOf(raw) ?? variant.platform ?? null;
  const tags = [...candidate.names];
  const info: ImageInfo = {
    source,
    reference: name,
    id: `sha256:${createHash("sha256").update(config.bytes).digest("hex")}`,
    config: raw,
    layers: layers.map((l) => l.descriptor),
    platform: platform ? formatPlatform(platform) : null,
    tags,
    baseAnnotations: variant.baseAnnotations ?? null,
  };
  return { info, layers, diagnostics };
}
