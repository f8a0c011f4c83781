/**
 * The platforms an image has, asked of wherever layerview would read it from — cheaply, for shell
 * completion of --platform: an archive's index and manifests (never a layer), the daemon's inspect,
 * the registry's index (never a blob). Bounded in time; every failure is "unknown" ([]).
 */
import { locate } from "./archive-path.js";
import { DirStore } from "./dir-store.js";
import type { EndpointEnv, Engine } from "./endpoint.js";
import { findEndpoint } from "./endpoint.js";
import { archivePlatforms } from "./image-plan.js";
import { inspectName, parseImageRef } from "./image-ref.js";
import { formatPlatform, isAttestation, isObject, type Platform, platformOf } from "./platform.js";
import type { ClientSetup } from "./registry/connect.js";
import { resolveSource, type SourceKind } from "./resolve.js";
import { TarFileStore } from "./tar-file-store.js";

export interface PlatformQuery extends ClientSetup {
  /** `--source`. */
  source?: SourceKind;
  /** `--image`: which image of a multi-image archive. */
  image?: string;
  endpointEnv?: EndpointEnv;
  /** The whole look-up gives up after this long: a Tab must not hang. */
  timeoutMs?: number;
}

/** Platforms are words a shell expands: only these characters, and not too many of them. */
const PLATFORM_WORD = /^[a-z0-9][a-z0-9._-]{0,40}(\/[a-z0-9][a-z0-9._-]{0,40}){1,2}$/i;
const MAX_PLATFORMS = 64;

/** "os/arch[/variant]" of each platform that is safe to hand to a shell, without duplicates. */
export function completionWords(platforms: readonly Platform[]): string[] {
  const words = new Set<string>();
  for (const p of platforms) {
    const w = formatPlatform(p);
    if (PLATFORM_WORD.test(w) && words.size < MAX_PLATFORMS) words.add(w);
  }
  return [...words];
}

/**
 * The runnable platforms an image index (OCI index or Docker manifest list) names, attestations
 * left out; null when `value` is not an index.
 */
export function indexPlatforms(value: unknown): Platform[] | null {
  if (!isObject(value) || !Array.isArray(value.manifests) || "config" in value) return null;
  const out: Platform[] = [];
  for (const m of value.manifests.slice(0, 10_000)) {
    if (!isObject(m)) continue;
    const p = platformOf(m.platform);
    const annotations = isObject(m.annotations) ? (m.annotations as Record<string, string>) : undefined;
    if (p !== null && !isAttestation(p, annotations)) out.push(p);
  }
  return out;
}

/**
 * The platforms of what `GET /images/{name}/json?manifests=1` answered: with the containerd image
 * store, each image manifest of the index (the ones pulled, when any was); otherwise the image's own.
 */
export function inspectPlatforms(answer: unknown): Platform[] {
  if (!isObject(answer)) return [];
  if (Array.isArray(answer.Manifests)) {
    const images = answer.Manifests.filter((m) => isObject(m) && m.Kind === "image") as Record<
      string,
      unknown
    >[];
    const pulled = images.filter((m) => m.Available === true);
    const found = (pulled.length > 0 ? pulled : images)
      .map((m) => {
        const data = isObject(m.ImageData) ? m.ImageData : {};
        const descriptor = isObject(m.Descriptor) ? m.Descriptor : {};
        return platformOf(data.Platform) ?? platformOf(descriptor.platform);
      })
      .filter((p): p is Platform => p !== null);
    if (found.length > 0) return found;
  }
  const own = platformOf({ os: answer.Os, architecture: answer.Architecture, variant: answer.Variant });
  return own === null ? [] : [own];
}

/** The platforms of IMAGE as completion words; [] when they cannot be learnt within the time. */
export async function imagePlatforms(target: string, q: PlatformQuery = {}): Promise<string[]> {
  const signal = AbortSignal.timeout(q.timeoutMs ?? 1500);
  const gaveUp = new Promise<Platform[]>((resolve) =>
    signal.addEventListener("abort", () => resolve([]), { once: true }),
  );
  const found = lookUp(target, q, signal).catch(() => []);
  return completionWords(await Promise.race([found, gaveUp]));
}

async function lookUp(target: string, q: PlatformQuery, signal: AbortSignal): Promise<Platform[]> {
  const resolved = resolveSource(target, { source: q.source, endpointEnv: q.endpointEnv });
  if (resolved.kind === "archive") return archiveFilePlatforms(resolved.path, q.image);
  if (resolved.kind === "registry") return registryPlatforms(resolved.ref, q, signal);
  const fromDaemon = await daemonPlatforms(resolved.engine, resolved.ref, q.endpointEnv, signal);
  if (fromDaemon !== null) return fromDaemon;
  // As openImage does: a name the daemon does not have is read from its registry.
  return resolved.guessed && parseImageRef(resolved.ref).kind === "name"
    ? registryPlatforms(resolved.ref, q, signal)
    : [];
}

/** An archive file or OCI layout directory: its index and manifests; [] for stdin, pipes and compressed archives. */
async function archiveFilePlatforms(input: string, image: string | undefined): Promise<Platform[]> {
  const { path, image: named, st } = await locate(input);
  if (st === null) return [];
  if (st.isDirectory()) return archivePlatforms(new DirStore(path, path), named ?? image);
  if (!st.isFile()) return [];
  const { open } = await import("node:fs/promises");
  const fh = await open(path, "r");
  try {
    // A compressed archive is no tar here: it would have to be read whole, so it stays unknown.
    const store = await TarFileStore.open(path, path, fh, st.size);
    return await archivePlatforms(store, named ?? image);
  } finally {
    await fh.close();
  }
}

/** What the daemon says the image's platforms are; null when it does not have the image or cannot be asked. */
async function daemonPlatforms(
  engine: Engine,
  ref: string,
  env: EndpointEnv | undefined,
  signal: AbortSignal,
): Promise<Platform[] | null> {
  const parsed = parseImageRef(ref);
  if (parsed.kind === "invalid") return null;
  const { getJson } = await import("./daemon/quick-get.js");
  try {
    const answer = await getJson(
      findEndpoint(engine, env),
      `/images/${inspectName(ref, parsed)}/json?manifests=1`,
      1000,
      signal,
    );
    return inspectPlatforms(answer);
  } catch {
    return null;
  }
}

/** The registry's index for the reference (one manifest request); [] for a single-platform image. */
async function registryPlatforms(ref: string, q: PlatformQuery, signal: AbortSignal): Promise<Platform[]> {
  const [{ parseRegistryReference }, { registryClient }] = await Promise.all([
    import("./registry/reference.js"),
    import("./registry/connect.js"),
  ]);
  const parsed = parseRegistryReference(ref);
  const client = registryClient(parsed, {
    ...q,
    signal,
    timeouts: q.timeouts ?? { connectMs: 1000, stallMs: 1000 },
    retry: q.retry ?? { attempts: 0 },
  });
  try {
    const top = await client.manifest(parsed.manifestRef);
    return indexPlatforms(JSON.parse(top.bytes.toString("utf8"))) ?? [];
  } finally {
    await client.close();
  }
}
