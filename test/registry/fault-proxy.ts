import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";

/**
 * A loopback reverse proxy in front of one registry that injects faults into chosen requests and
 * records what it served. It speaks the upstream's scheme (HTTPS with the harness's server
 * certificate when the registry is TLS, so the same CA verifies it) and forwards the Host header
 * unchanged, so the registry's upload Locations point back at the proxy.
 */
export type FaultAction =
  /** Answer this status without asking the registry (a 401 carries the registry's own challenge). */
  | { kind: "status"; status: number; retryAfter?: number; body?: string; headers?: Record<string, string> }
  /** Send the registry's headers and the first `bytes` bytes of its body, then close the socket. */
  | { kind: "drop-after"; bytes: number }
  /** Flip (xor 0xff) the body byte at offset `at` of this response; length and headers unchanged. */
  | { kind: "corrupt"; at: number }
  /**
   * 307 to a second listener (another port: another origin) that serves the same content, like a
   * blob store's presigned URL. Like S3, it refuses (400) a request that carries an Authorization
   * header unless `acceptAuthorization`; either way it records what reached it.
   */
  | { kind: "redirect"; to: "other-host"; acceptAuthorization?: boolean }
  /** Wait `ms` before answering, or (afterBytes) after sending that many body bytes. */
  | { kind: "stall"; ms: number; afterBytes?: number };

export interface FaultRule {
  /** Tested against the request target (path and query). */
  path: RegExp;
  /** Only this method (e.g. "GET"); any when omitted. */
  method?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  action: FaultAction;
}

export interface ProxiedRequest {
  method: string;
  /** The request target as sent (path and query). */
  path: string;
  status: number;
  /** Body bytes written to the client. */
  bytes: number;
  headers: Record<string, string | undefined>;
  /** The fault applied, if any. */
  fault: FaultAction["kind"] | null;
}

export interface RedirectedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: Record<string, string | undefined>;
  status: number;
}

export interface FaultProxy {
  url: string;
  host: string;
  /** The redirect target's base URL (a different origin). */
  redirectUrl: string;
  /** Add a rule; rules are tried in the order added, the first matching one with uses left applies. */
  fail(rule: FaultRule): void;
  /** Drop all rules and all records. */
  reset(): void;
  /** Rules with uses left. */
  pending(): number;
  requests(): ProxiedRequest[];
  redirectedRequests(): RedirectedRequest[];
  stop(): Promise<void>;
}

/** What the proxy needs of a running registry. */
export interface ProxyUpstream {
  url: string;
  caFile: string | null;
  serverCert: { certFile: string; keyFile: string } | null;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

function plainHeaders(h: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function forwardable(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

const ERROR_CODES: Record<number, string> = {
  400: "UNSUPPORTED",
  401: "UNAUTHORIZED",
  403: "DENIED",
  405: "UNSUPPORTED",
  429: "TOOMANYREQUESTS",
  500: "UNKNOWN",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "UNAVAILABLE",
};

function errorCode(status: number, path: string): string {
  if (status === 404)
    return path.includes("/blobs/")
      ? "BLOB_UNKNOWN"
      : path.includes("/manifests/")
        ? "MANIFEST_UNKNOWN"
        : "NAME_UNKNOWN";
  return ERROR_CODES[status] ?? "UNKNOWN";
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function write(res: http.ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    res.write(chunk, () => resolve());
  });
}

export async function startFaultProxy(upstream: ProxyUpstream): Promise<FaultProxy> {
  const target = new URL(upstream.url);
  const secure = target.protocol === "https:";
  const mod = secure ? https : http;
  const ca = upstream.caFile ? readFileSync(upstream.caFile) : undefined;
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 64, ca })
    : new http.Agent({ keepAlive: true, maxSockets: 64 });
  const rules: Array<FaultRule & { left: number }> = [];
  const log: ProxiedRequest[] = [];
  const redirected: RedirectedRequest[] = [];
  const grants = new Map<string, { authorization: string | undefined }>();
  let stopped = false;

  const toUpstream = (
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body: Readable | null,
  ): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      const ureq = mod.request(
        { host: target.hostname, port: target.port, method, path, headers, agent, ca },
        resolve,
      );
      ureq.on("error", reject);
      if (body) body.pipe(ureq);
      else ureq.end();
    });

  /** Copy an upstream response to the client, applying corrupt / drop-after / mid-body stall. */
  const relay = async (
    ures: http.IncomingMessage,
    res: http.ServerResponse,
    rec: { status: number; bytes: number },
    action: FaultAction | null,
  ): Promise<void> => {
    rec.status = ures.statusCode ?? 502;
    res.writeHead(rec.status, forwardable(ures.headers));
    res.flushHeaders();
    let offset = 0;
    const dropAt = action?.kind === "drop-after" ? action.bytes : -1;
    const corruptAt = action?.kind === "corrupt" ? action.at : -1;
    const stallAt = action?.kind === "stall" && action.afterBytes !== undefined ? action.afterBytes : -1;
    let stalled = false;
    if (dropAt === 0) {
      ures.destroy();
      res.socket?.destroy();
      return;
    }
    for await (const piece of ures) {
      let chunk = piece as Buffer;
      if (corruptAt >= offset && corruptAt < offset + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[corruptAt - offset] = chunk[corruptAt - offset]! ^ 0xff;
      }
      if (stallAt >= 0 && !stalled && offset + chunk.length > stallAt) {
        const head = chunk.subarray(0, stallAt - offset);
        await write(res, head);
        rec.bytes += head.length;
        offset += head.length;
        chunk = chunk.subarray(head.length);
        stalled = true;
        await sleep((action as { ms: number }).ms);
      }
      if (dropAt > 0 && offset + chunk.length >= dropAt) {
        const head = chunk.subarray(0, dropAt - offset);
        await write(res, head);
        rec.bytes += head.length;
        ures.destroy();
        res.socket?.destroy();
        return;
      }
      await write(res, chunk);
      rec.bytes += chunk.length;
      offset += chunk.length;
      if (res.destroyed) {
        ures.destroy();
        return;
      }
    }
    res.end();
  };

  const pick = (req: http.IncomingMessage): FaultAction | null => {
    for (const rule of rules) {
      if (rule.left <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== req.method) continue;
      rule.path.lastIndex = 0;
      if (!rule.path.test(req.url ?? "")) continue;
      rule.left--;
      return rule.action;
    }
    return null;
  };

  const answerStatus = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rec: ProxiedRequest,
    action: Extract<FaultAction, { kind: "status" }>,
  ): Promise<void> => {
    req.resume();
    const path = req.url ?? "/";
    const headers: Record<string, string> = {
      "Content-Type": "application/json; charset=utf-8",
      "Docker-Distribution-Api-Version": "registry/2.0",
    };
    if (action.retryAfter !== undefined) headers["Retry-After"] = String(action.retryAfter);
    if (action.status === 401) {
      // The registry's own challenge for this request, as if the credentials had expired.
      const probe = await toUpstream(
        req.method === "HEAD" ? "HEAD" : "GET",
        path,
        { host: req.headers.host },
        null,
      );
      probe.resume();
      const challenge = probe.headers["www-authenticate"];
      headers["WWW-Authenticate"] = typeof challenge === "string" ? challenge : 'Basic realm="fault-proxy"';
    }
    Object.assign(headers, action.headers ?? {});
    const body =
      action.body ??
      JSON.stringify({
        errors: [
          { code: errorCode(action.status, path), message: "injected by the fault proxy", detail: null },
        ],
      });
    rec.status = action.status;
    if (req.method === "HEAD") {
      res.writeHead(action.status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
      res.end();
      return;
    }
    res.writeHead(action.status, headers);
    res.end(body);
    rec.bytes = Buffer.byteLength(body);
  };

  let redirectBase = "";
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const action = pick(req);
    const rec: ProxiedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      status: 0,
      bytes: 0,
      headers: plainHeaders(req.headers),
      fault: action?.kind ?? null,
    };
    log.push(rec);
    if (action?.kind === "status") return answerStatus(req, res, rec, action);
    if (action?.kind === "redirect") {
      req.resume();
      const id = randomBytes(12).toString("hex");
      grants.set(id, { authorization: req.headers.authorization });
      const u = new URL(req.url ?? "/", "http://x");
      u.searchParams.set("lv-signature", id);
      if (action.acceptAuthorization) u.searchParams.set("lv-accept-auth", "1");
      rec.status = 307;
      res.writeHead(307, { Location: `${redirectBase}${u.pathname}${u.search}`, "Content-Length": "0" });
      res.end();
      return;
    }
    if (action?.kind === "stall" && action.afterBytes === undefined) await sleep(action.ms);
    if (stopped) {
      res.socket?.destroy();
      return;
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const ures = await toUpstream(
      req.method ?? "GET",
      req.url ?? "/",
      forwardable(req.headers),
      hasBody ? req : null,
    );
    if (!hasBody) req.resume();
    await relay(ures, res, rec, action);
  };

  /** The other origin: serves what the proxy granted it, with the grant's credentials, never the client's. */
  const handleRedirected = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    req.resume();
    const u = new URL(req.url ?? "/", "http://x");
    const rec: RedirectedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      authorization: req.headers.authorization,
      headers: plainHeaders(req.headers),
      status: 0,
    };
    redirected.push(rec);
    const grant = grants.get(u.searchParams.get("lv-signature") ?? "");
    const refuse = (status: number, code: string, message: string) => {
      rec.status = status;
      res.writeHead(status, { "Content-Type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
      );
    };
    if (!grant) return refuse(403, "AccessDenied", "Request has an invalid or missing signature");
    if (req.headers.authorization !== undefined && u.searchParams.get("lv-accept-auth") !== "1")
      return refuse(
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
      );
    u.searchParams.delete("lv-signature");
    u.searchParams.delete("lv-accept-auth");
    const headers: http.OutgoingHttpHeaders = { host: target.host };
    if (grant.authorization) headers.authorization = grant.authorization;
    for (const h of ["range", "accept", "if-range", "user-agent"]) {
      if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    }
    const ures = await toUpstream(
      req.method === "HEAD" ? "HEAD" : "GET",
      `${u.pathname}${u.search}`,
      headers,
      null,
    );
    const out = { status: 0, bytes: 0 };
    await relay(ures, res, out, null);
    rec.status = out.status;
  };

  const wrap =
    (fn: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) =>
    (req: http.IncomingMessage, res: http.ServerResponse) => {
      fn(req, res).catch((err: Error) => {
        if (!res.headersSent) {
          res.writeHead(502, { "Content-Type": "text/plain" });
          res.end(`fault proxy: upstream failed: ${err.message}`);
        } else res.socket?.destroy();
      });
    };

  const makeServer = (fn: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) =>
    upstream.serverCert && secure
      ? https.createServer(
          {
            cert: readFileSync(upstream.serverCert.certFile),
            key: readFileSync(upstream.serverCert.keyFile),
          },
          wrap(fn),
        )
      : http.createServer(wrap(fn));
  const listen = (server: http.Server) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
  if (secure && !upstream.serverCert)
    throw new Error("a TLS upstream needs its server certificate for the proxy");
  const main = makeServer(handle);
  const other = makeServer(handleRedirected);
  const scheme = secure ? "https" : "http";
  const port = await listen(main);
  const otherPort = await listen(other);
  redirectBase = `${scheme}://127.0.0.1:${otherPort}`;
  const close = (server: http.Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    url: `${scheme}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    redirectUrl: redirectBase,
    fail: (rule) => {
      rules.push({ ...rule, left: rule.times ?? 1 });
    },
    reset: () => {
      rules.length = 0;
      log.length = 0;
      redirected.length = 0;
    },
    pending: () => rules.filter((r) => r.left > 0).length,
    requests: () => log.map((r) => ({ ...r, headers: { ...r.headers } })),
    redirectedRequests: () => redirected.map((r) => ({ ...r, headers: { ...r.headers } })),
    stop: async () => {
      stopped = true;
      await Promise.all([close(main), close(other)]);
      agent.destroy();
    },
  };
}
