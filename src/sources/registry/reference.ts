import { UserError } from "../../model/diagnostics.js";
import { parseImageRef } from "../image-ref.js";

/** An image reference resolved the way `docker pull` resolves it. */
export interface RegistryReference {
  /** Registry as named (lowercased host, port kept): "docker.io", "ghcr.io", "127.0.0.1:5000". */
  registry: string;
  /** Host the API lives at: Docker Hub's is registry-1.docker.io. */
  apiHost: string;
  /** Repository path: "library/nginx", "org/app". */
  repository: string;
  tag: string | null;
  digest: string | null;
  /** What to ask the manifests endpoint for: the digest when given (it pins the image), else the tag. */
  manifestRef: string;
  /** The full canonical name, e.g. "docker.io/library/nginx:latest". */
  canonical: string;
  /** The name as the docker CLI shows it, e.g. "nginx:latest", "ghcr.io/org/app:1.2". */
  familiar: string;
}

export const DOCKER_HUB = "docker.io";
const DOCKER_HUB_API = "registry-1.docker.io";
const HUB_ALIASES = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/**
 * Parse what `docker pull` accepts: `nginx` = docker.io/library/nginx:latest, `host:5000/team/app@sha256:…`,
 * `localhost/x`, a tag and a digest together (the digest is what is fetched). Throws UserError.
 */
export function parseRegistryReference(input: string): RegistryReference {
  const text = input.trim();
  const parsed = parseImageRef(text);
  if (parsed.kind === "id") {
    throw new UserError(
      `'${input}' is an image ID, which a registry cannot look up`,
      "name the image as NAME[:TAG] or NAME@sha256:DIGEST",
    );
  }
  if (parsed.kind === "invalid") {
    throw new UserError(
      `'${input}' is not a valid image reference: ${parsed.reason}`,
      "write NAME[:TAG] or NAME@sha256:DIGEST, e.g. nginx:latest or ghcr.io/org/app:1.2",
    );
  }
  if (parsed.digest !== null && !/^sha256:[0-9a-f]{64}$/.test(parsed.digest)) {
    throw new UserError(
      `'${input}': only sha256 digests of 64 lowercase hex digits can be verified (got ${parsed.digest.slice(0, 80)})`,
      "copy the digest as the registry or `docker images --digests` shows it",
    );
  }
  const name = parsed.name;
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  // As the docker CLI decides: a first component with a dot or a port, or "localhost", is a registry host.
  const hasHost =
    first !== "" &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["));
  let registry = hasHost ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (/[A-Z]/.test(repository)) {
    throw new UserError(
      `'${input}': repository names must be lowercase`,
      "write the repository in lowercase",
    );
  }
  const tag = parsed.tag ?? (parsed.digest === null ? "latest" : null);
  const suffix = `${tag !== null ? `:${tag}` : ""}${parsed.digest !== null ? `@${parsed.digest}` : ""}`;
  const canonical = `${registry}/${repository}${suffix}`;
  const familiarRepo =
    registry === DOCKER_HUB ? repository.replace(/^library\/(?=[^/]+$)/, "") : `${registry}/${repository}`;
  return {
    registry,
    apiHost: registry === DOCKER_HUB ? DOCKER_HUB_API : registry,
    repository,
    tag,
    digest: parsed.digest,
    manifestRef: parsed.digest ?? tag!,
    canonical,
    familiar: `${familiarRepo}${suffix}`,
  };
}
