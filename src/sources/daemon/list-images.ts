/**
 * Image names a daemon holds, for shell completion: quick, quiet, and never an error. One GET with
 * node:http — loading dockerode would take most of the half second a Tab may take.
 */
import { type Engine, engineConfigured, findEndpoint } from "../endpoint.js";
import { getJson } from "./quick-get.js";

interface ImageSummary {
  RepoTags?: unknown;
}

/** Names are capped: a completion menu of more is no help, and the answer is untrusted. */
const MAX_NAMES = 2000;

/**
 * "name:tag" of every image of each configured engine, sorted and without duplicates. An engine
 * that is not configured, does not answer within `timeoutMs` or answers nonsense adds nothing.
 */
export async function listImageNames(
  engines: readonly Engine[] = ["docker", "podman"],
  timeoutMs = 1500,
): Promise<string[]> {
  const names = new Set<string>();
  await Promise.all(
    engines.map(async (engine) => {
      try {
        if (!engineConfigured(engine)) return;
        const list = await getJson(findEndpoint(engine), "/images/json", timeoutMs);
        if (!Array.isArray(list)) return;
        for (const image of list as ImageSummary[]) {
          if (!Array.isArray(image?.RepoTags)) continue;
          for (const tag of image.RepoTags) {
            if (typeof tag !== "string" || tag.includes("<none>") || !/^[\w./:@-]{1,255}$/.test(tag))
              continue;
            if (names.size < MAX_NAMES) names.add(tag);
          }
        }
      } catch {
        // Completion offers what it can find; a daemon that is down just offers nothing.
      }
    }),
  );
  return [...names].sort();
}
