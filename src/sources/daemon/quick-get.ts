/**
 * One GET of a daemon's API with node:http, for shell completion: dockerode would take most of the
 * half second a Tab may take to load. The answer is untrusted JSON, capped in size and time.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { dockerodeOptions, type Endpoint } from "../endpoint.js";

const MAX_ANSWER_BYTES = 16 * 2 ** 20;

/** A status other than 200, kept so that a caller can tell "not there" (404) from a failure. */
export class StatusError extends Error {
  constructor(readonly status: number | undefined) {
    super(`status ${status}`);
  }
}

/** GET `path` of the daemon's API as JSON, within `timeoutMs` of silence (and before `signal`). */
export function getJson(
  endpoint: Endpoint,
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<unknown> {
  const o = dockerodeOptions(endpoint);
  const base = { path, method: "GET", timeout: timeoutMs, headers: { host: "docker" }, signal };
  return new Promise((resolve, reject) => {
    const onAnswer = (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new StatusError(res.statusCode));
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
