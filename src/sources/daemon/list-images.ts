/**
 * Image names a daemon holds, for shell completion: quick, quiet, and never an error. One GET with
 * node:http — loading dockerode would take most of the half second a Tab may take.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { dockerodeOptions, type Endpoint, type Engine, engineConfigured, findEndpoint } from "../endpoint.js";

interface ImageSummary {
  RepoTags?: unknown;
}

/** Names are capped: a completion menu of more is no help, and the answer is untrusted. */
const MAX_NAMES = 2000;
const MAX_ANSWER_BYTES = 16 * 2 ** 20;

/** GET `path` of the daemon's API as JSON, within `timeoutMs`. */
function getJson(endpoint: Endpoint, path: string, timeoutMs: number): Promise<unknown> {
  const o = dockerodeOptions(endpoint);
  const base = { path, method: "GET", timeout: timeoutMs, headers: { host: "docker" } };
  return new Promise((resolve, reject) => {
    const onAnswer = (res: import("node:http").IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error("answer too long"));
        else chunks.push(c);
      });
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (e) {
          reject(e);
        }
      });
      res.on("error", reject);
    };
    const req =
      o.protocol === "https"
        ? httpsRequest({ ...base, host: o.host, port: o.port, agent: o.agent }, onAnswer)
        : o.socketPath !== undefined
          ? httpRequest({ ...base, socketPath: o.socketPath, agent: false }, onAnswer)
          : httpRequest({ ...base, host: o.host, port: o.port, agent: false }, onAnswer);
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

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
