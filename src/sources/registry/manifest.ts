import { UserError } from "../../model/diagnostics.js";
import { MAX_IMAGE_LAYERS } from "../image-config.js";
import {
  formatPlatform,
  hostPlatform,
  isAttestation,
  isObject,
  type Platform,
  parsePlatform,
  platformMatches,
  platformOf,
} from "../platform.js";

/**
 * Registry manifests and indexes decoded once, with limits, into what the reader uses. Anything of
 * the wrong shape is one UserError naming the manifest and the field.
 */

export interface BlobDescriptor {
  mediaType: string | null;
  digest: string;
  size: number | null;
  annotations: Record<string, string>;
  urls: string[];
}

export interface IndexEntry extends BlobDescriptor {
  platform: Platform | null;
  attestation: boolean;
}

export type DecodedManifest =
  | { kind: "index"; manifests: IndexEntry[]; annotations: Record<string, string> }
  | { kind: "image"; config: BlobDescriptor; layers: BlobDescriptor[]; annotations: Record<string, string> };

/** More layers than any engine can stack (overlayfs stops at 128; this leaves room for odd images). */
export const MAX_LAYERS = MAX_IMAGE_LAYERS;
const MAX_INDEX_ENTRIES = 10_000;
const MAX_ANNOTATIONS = 256;

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);
const SCHEMA1 = /vnd\.docker\.distribution\.manifest\.v1/;
const IMAGE_CONFIG_TYPES = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

function strings(v: unknown, max: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") continue;
    if (++n > max) break;
    out[k] = x;
  }
  return out;
}

export function decodeManifest(bytes: Buffer, contentType: string | null, what: string): DecodedManifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new UserError(
      `${what} is not valid JSON (${(e as Error).message})`,
      "the registry served a damaged manifest",
    );
  }
  const bad = (field: string) =>
    new UserError(
      `${what} is not a usable image manifest: ${field}`,
      "the image in the registry is damaged or not a container image",
    );
  if (!isObject(value)) throw bad("it is not a JSON object");
  const mediaType = typeof value.mediaType === "string" ? value.mediaType : contentType;
  if (value.schemaVersion === 1 || (mediaType !== null && SCHEMA1.test(mediaType))) {
    throw new UserError(
      `${what} is a Docker schema 1 manifest, a format registries deprecated in 2017 that holds no layer sizes or config`,
      "push the image again with a current docker or skopeo (they write schema 2 or OCI)",
    );
  }
  const annotations = strings(value.annotations, MAX_ANNOTATIONS);
  const isIndex =
    (mediaType !== null && INDEX_TYPES.has(mediaType)) ||
    (Array.isArray(value.manifests) && !("config" in value));
  if (isIndex) {
    if (!Array.isArray(value.manifests)) throw bad("'manifests' is not a list");
    if (value.manifests.length > MAX_INDEX_ENTRIES)
      throw bad(`it lists ${value.manifests.length} manifests (limit ${MAX_INDEX_ENTRIES})`);
    const manifests: IndexEntry[] = [];
    value.manifests.forEach((m, i) => {
      const d = descriptor(m, `manifests[${i}]`, bad);
      const platform = platformOf(isObject(m) ? m.platform : undefined);
      manifests.push({ ...d, platform, attestation: isAttestation(platform, d.annotations) });
    });
    return { kind: "index", manifests, annotations };
  }
  if (!isObject(value.config)) throw bad("no 'config' descriptor");
  const config = descriptor(value.config, "config", bad);
  if (config.mediaType !== null && !IMAGE_CONFIG_TYPES.has(config.mediaType)) {
    throw new UserError(
      `${what} is not a container image: its config is ${config.mediaType.slice(0, 100)}`,
      "this artifact (a Helm chart, signature, SBOM…) has no filesystem layers to explore",
    );
  }
  const rawLayers = value.layers ?? [];
  if (!Array.isArray(rawLayers)) throw bad("'layers' is not a list");
  if (rawLayers.length > MAX_LAYERS) throw bad(`it lists ${rawLayers.length} layers (limit ${MAX_LAYERS})`);
  const layers = rawLayers.map((l, i) => descriptor(l, `layers[${i}]`, bad));
  return { kind: "image", config, layers, annotations };
}

function descriptor(v: unknown, field: string, bad: (f: string) => UserError): BlobDescriptor {
  if (!isObject(v)) throw bad(`${field} is not an object`);
  if (typeof v.digest !== "string" || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/.test(v.digest)) {
    throw bad(`${field}.digest is missing or malformed`);
  }
  let size: number | null = null;
  if (v.size !== undefined) {
    if (typeof v.size !== "number" || !Number.isSafeInteger(v.size) || v.size < 0)
      throw bad(`${field}.size is not a byte count`);
    size = v.size;
  }
  const urls = Array.isArray(v.urls)
    ? v.urls.filter((u): u is string => typeof u === "string").slice(0, 16)
    : [];
  return {
    mediaType: typeof v.mediaType === "string" ? v.mediaType : null,
    digest: v.digest,
    size,
    annotations: strings(v.annotations, MAX_ANNOTATIONS),
    urls,
  };
}

/**
 * The index entry to read: the platform asked for, else the host's, else the only image. Attestation
 * manifests are never chosen. The error lists the platforms there are.
 */
export function choosePlatform(
  entries: IndexEntry[],
  wantedText: string | undefined,
  what: string,
): IndexEntry {
  const images = entries.filter((e) => !e.attestation);
  const listing = () =>
    images.map((e) => (e.platform ? formatPlatform(e.platform) : "unknown platform")).join(", ") || "none";
  if (images.length === 0) {
    throw new UserError(
      `${what} holds no runnable image (only attestations)`,
      "name the image itself, not its attestations",
    );
  }
  const explicit = wantedText !== undefined && wantedText !== "";
  const wanted = explicit ? parsePlatform(wantedText) : hostPlatform();
  const hits = images.filter((e) => e.platform !== null && platformMatches(wanted, e.platform));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) {
    // linux/arm64 without a variant matches v8 only when the index says so; prefer an exact variant.
    const exact = hits.filter((e) => (e.platform!.variant ?? "") === (wanted.variant ?? ""));
    if (exact.length === 1) return exact[0]!;
    throw new UserError(
      `${what}: platform ${formatPlatform(wanted)} matches several images: ${hits.map((e) => formatPlatform(e.platform!)).join(", ")}`,
      "add the variant, e.g. --platform linux/arm/v7",
    );
  }
  if (!explicit && images.length === 1) return images[0]!;
  throw new UserError(
    `${what} has no ${formatPlatform(wanted)} image; platforms: ${listing()}`,
    explicit
      ? "choose one of those platforms with --platform"
      : "choose one of them with --platform OS/ARCH[/VARIANT]",
  );
}
