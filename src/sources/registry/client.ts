import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher, Agent as UndiciAgent } from "undici";
import { UserError } from "../../model/diagnostics.js";
import { basicHeader, type Challenge, decodeTokenAnswer, parseChallenges, pullScope } from "./auth.js";
import type { Credential } from "./credentials.js";
import type { RegistryReference } from "./reference.js";
import type { RegistryTls } from "./tls-config.js";

/**
 * An HTTP client for one repository of one registry (OCI distribution spec), on undici: the
 * challenge → token → retry flow, tokens cached per scope, redirects followed without sending
 * credentials to another host, 429/5xx retried with backoff, blobs verified as they stream and
 * resumed with Range after a dropped connection. Secrets never reach a message.
 */

export interface RegistryClientOptions {
  ref: RegistryReference;
  /** Looked up on the first challenge only: anonymous pulls never read credential stores. */
  credential: () => Promise<Credential | null>;
  tls: RegistryTls;
  /** Plain HTTP may be used when HTTPS fails (loopback, or --insecure-registry), as dockerd does. */
  plainHttp: boolean;
  signal?: AbortSignal;
  timeouts?: { connectMs?: number; stallMs?: number };
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; resumes?: number };
}

export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];
/** distribution refuses manifests over 4 MiB; an index of many platforms stays far below. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_ERROR_BODY = 64 * 1024;
const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 60_000;
const USER_AGENT = "layerview";

type Response = Dispatcher.ResponseData;

// undici's index loads every client it has (fetch, websockets, caches, mocks): ~80 ms of start-up
// here, against ~30 ms for the agent and request API alone. A changed layout fails the registry tests.
const requireCjs = createRequire(import.meta.url);
const Agent = requireCjs("undici/lib/dispatcher/agent.js") as typeof UndiciAgent;
const api = requireCjs("undici/lib/api/index.js") as {
  request: (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Response>;
};

type RequestInit = Omit<Dispatcher.RequestOptions, "origin" | "path" | "method"> & {
  method: Dispatcher.HttpMethod;
  dispatcher: Dispatcher;
};

function request(url: string | URL, init: RequestInit): Promise<Response> {
  const u = typeof url === "string" ? new URL(url) : url;
  const { dispatcher, ...rest } = init;
  return api.request.call(dispatcher, { ...rest, origin: u.origin, path: `${u.pathname}${u.search}` });
}

interface Token {
  header: string;
  expiresAt: number;
}

const TRANSIENT = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
/** Errors that mean "this port does not speak TLS" or "nothing listens on https": plain HTTP may be tried. */
const NOT_TLS =
  /^(ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG|EPROTO|ECONNREFUSED|ECONNRESET)$/;

export class RegistryClient {
  readonly ref: RegistryReference;
  /** Bytes of response bodies received (blobs, manifests, tokens): what the registry served us. */
  bytesReceived = 0;
  private readonly dispatcher: UndiciAgent;
  private base: string | null = null;
  private readonly tokens = new Map<string, Token>();
  /** The Authorization header for the registry's own origin once a challenge was answered. */
  private authorization: string | null = null;
  private credential: Promise<Credential | null> | null = null;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly resumes: number;
  private readonly stallMs: number;

  constructor(private readonly opts: RegistryClientOptions) {
    this.ref = opts.ref;
    this.stallMs = opts.timeouts?.stallMs ?? 30_000;
    const tls = opts.tls;
    this.dispatcher = new Agent({
      connect: {
        timeout: opts.timeouts?.connectMs ?? 15_000,
        ...(tls.ca !== null ? { ca: tls.ca } : {}),
        ...(tls.cert !== null && tls.key !== null ? { cert: tls.cert, key: tls.key } : {}),
      },
      headersTimeout: this.stallMs,
      bodyTimeout: this.stallMs,
    });
    this.attempts = opts.retry?.attempts ?? 5;
    this.baseDelayMs = opts.retry?.baseDelayMs ?? 250;
    this.maxDelayMs = opts.retry?.maxDelayMs ?? 8_000;
    this.resumes = opts.retry?.resumes ?? 5;
  }

  /** "127.0.0.1:5000/team/app", for messages. */
  get label(): string {
    return `${this.ref.registry}/${this.ref.repository}`;
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => {});
  }

  /** GET a manifest or index by tag or digest: its exact bytes, media type and digest (checked when asked by digest). */
  async manifest(reference: string): Promise<{ bytes: Buffer; mediaType: string | null; digest: string }> {
    const what = reference.startsWith("sha256:") ? `manifest ${short(reference)}` : `tag ${reference}`;
    const res = await this.send(
      `/v2/${this.ref.repository}/manifests/${encodeURIComponent(reference)}`,
      what,
      {
        accept: MANIFEST_TYPES.join(", "),
      },
    );
    if (res.statusCode !== 200) throw await this.failure(res, what);
    const bytes = await this.readAll(res, MAX_MANIFEST_BYTES, what);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new UserError(
        `${this.label}: the registry served ${what} with the wrong content (its sha256 is ${short(digest)})`,
        "the registry or a proxy in between altered it; try again, or report it to the registry's operator",
      );
    }
    const type = headerValue(res.headers["content-type"])?.split(";")[0]?.trim() ?? null;
    return { bytes, mediaType: type, digest };
  }

  /** A small blob (a config) read whole and verified; refused above `max` bytes. */
  async smallBlob(digest: string, max: number, what: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.blob(digest, null, what)) {
      total += chunk.length;
      if (total > max) {
        throw new UserError(
          `${this.label}: ${what} is over ${max} bytes, too large to be an image config`,
          "the image is damaged or not a container image",
        );
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts);
  }

  /**
   * Stream a blob, checking its size (when known) and digest as it goes. Chunks are yielded as they
   * come and the generator throws at the end when the digest does not match: nothing read may be
   * trusted before it finished. A dropped connection is resumed with `Range` from the byte reached,
   * a bounded number of times.
   */
  async *blob(
    digest: string,
    size: number | null,
    what: string,
    onBytes?: (received: number) => void,
    signal?: AbortSignal,
  ): AsyncGenerator<Buffer> {
    const algorithm = digestAlgorithm(digest, this.label, what);
    const hash = createHash(algorithm);
    let got = 0;
    let drops = 0;
    for (;;) {
      const headers: Record<string, string> = got > 0 ? { range: `bytes=${got}-` } : {};
      const res = await this.send(`/v2/${this.ref.repository}/blobs/${digest}`, what, headers, signal);
      if (res.statusCode !== 200 && res.statusCode !== 206) throw await this.failure(res, what);
      let skip = 0;
      if (got > 0) {
        const start = /^bytes (\d+)-/.exec(headerValue(res.headers["content-range"]) ?? "");
        if (res.statusCode === 206 && start !== null && Number(start[1]) !== got) {
          res.body.destroy();
          throw new UserError(
            `${this.label}: resuming ${what} at byte ${got}, the registry sent bytes from ${start[1]}`,
            "try again; the registry's Range support is broken",
          );
        }
        // A 200 to a Range request is the whole blob again: skip what was read.
        if (res.statusCode === 200) skip = got;
      }
      let dropped: unknown = null;
      try {
        for await (const c of res.body) {
          let chunk = c as Buffer;
          this.bytesReceived += chunk.length;
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          got += chunk.length;
          if (size !== null && got > size) {
            throw new UserError(
              `${this.label}: ${what} is longer than the ${size} bytes its descriptor says`,
              "the registry serves a different blob than the manifest names; the image cannot be trusted",
            );
          }
          hash.update(chunk);
          onBytes?.(got);
          yield chunk;
        }
      } catch (e) {
        if (this.opts.signal?.aborted) throw abortReason(this.opts.signal);
        if (signal?.aborted) throw abortReason(signal);
        if (e instanceof UserError) throw e;
        dropped = e;
      } finally {
        if (!res.body.destroyed) res.body.destroy();
      }
      if (dropped === null && (size === null || got === size)) break;
      if (drops >= this.resumes) {
        const why = dropped === null ? "the registry ended it early" : describeNetworkError(dropped);
        throw new UserError(
          `${this.label}: the connection dropped ${drops + 1} times while reading ${what} (${why}; ${got}${size !== null ? ` of ${size}` : ""} bytes read)`,
          "check the network and try again",
        );
      }
      drops++;
      await this.pause(
        this.backoff(drops),
        signal === undefined ? this.opts.signal : anySignal(this.opts.signal, signal),
      );
    }
    const actual = `${algorithm}:${hash.digest("hex")}`;
    if (actual !== digest) {
      throw new DigestMismatchError(
        `${this.label}: ${what} does not match its digest (expected ${short(digest)}, got ${short(actual)}); its data was not used`,
      );
    }
  }

  /** Bytes [start, end] of a blob (for TOCs and single files); the caller verifies what it can. */
  async range(
    digest: string,
    start: number,
    end: number,
    what: string,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const want = end - start + 1;
    if (!(want > 0) || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
      throw new RangeError(`invalid byte range ${start}-${end}`);
    }
    signal?.throwIfAborted();
    const res = await this.send(
      `/v2/${this.ref.repository}/blobs/${digest}`,
      what,
      { range: `bytes=${start}-${end}` },
      signal,
    );
    if (res.statusCode === 200 && start > 0) {
      res.body.destroy();
      throw new RangeNotSupportedError(`${this.label}: the registry ignores Range requests`);
    }
    if (res.statusCode !== 206 && res.statusCode !== 200) throw await this.failure(res, what);
    const bytes = await this.readAll(res, want, what, true);
    const total = bytes.length;
    if (total < want) {
      throw new UserError(
        `${this.label}: asked for ${want} bytes of ${what}, got ${total}`,
        "the blob is shorter than its descriptor says",
      );
    }
    return bytes;
  }

  /**
   * One logical request: scheme chosen on first use, the auth challenge answered once, 429/5xx and
   * transient network errors retried, redirects followed. Returns the final response, body unread.
   */
  private async send(
    path: string,
    what: string,
    headers: Record<string, string>,
    callSignal?: AbortSignal,
  ): Promise<Response> {
    let answered = false;
    let retries = 0;
    const signal = callSignal === undefined ? this.opts.signal : anySignal(this.opts.signal, callSignal);
    for (;;) {
      signal?.throwIfAborted();
      let res: Response;
      try {
        res = await this.follow(path, headers, signal);
      } catch (e) {
        if (signal?.aborted) throw abortReason(signal);
        if (e instanceof UserError) throw e;
        const code = errorCode(e);
        if (code !== undefined && TRANSIENT.has(code) && retries < this.attempts) {
          retries++;
          await this.pause(this.backoff(retries), signal);
          continue;
        }
        throw networkError(e, this.ref.registry, what, this.opts.plainHttp);
      }
      if (res.statusCode === 401 && !answered) {
        const challenges = parseChallenges(res.headers["www-authenticate"]);
        await res.body.dump().catch(() => {});
        answered = true;
        if (await this.answer(challenges)) continue;
        throw await this.unauthorized(what, challenges);
      }
      if (res.statusCode === 401) {
        await res.body.dump().catch(() => {});
        throw await this.unauthorized(what, parseChallenges(res.headers["www-authenticate"]));
      }
      if (RETRY_STATUS.has(res.statusCode) && retries < this.attempts) {
        const after = retryAfterMs(res.headers["retry-after"]);
        await res.body.dump().catch(() => {});
        if (after !== null && after > MAX_RETRY_AFTER_MS) {
          throw new UserError(
            `${this.label}: the registry asks to wait ${Math.round(after / 1000)} s before ${what} (HTTP ${res.statusCode})`,
            res.statusCode === 429
              ? "you hit the registry's rate limit; log in (docker login) for a higher one, or try later"
              : "the registry is overloaded or down; try later",
          );
        }
        retries++;
        await this.pause(after ?? this.backoff(retries), signal);
        continue;
      }
      return res;
    }
  }

  /** GET with redirects followed by hand: the Authorization header goes to the registry's origin only. */
  private async follow(
    path: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const base = await this.origin();
    let url = new URL(path, base);
    for (let hop = 0; ; hop++) {
      const own = url.origin === new URL(base).origin;
      const h: Record<string, string> = { "user-agent": USER_AGENT, ...headers };
      const auth = own ? this.authorization : null;
      if (auth !== null) h.authorization = auth;
      const res = await request(url, {
        method: "GET",
        headers: h,
        dispatcher: this.dispatcher,
        signal,
        headersTimeout: this.stallMs,
        bodyTimeout: this.stallMs,
      });
      const location = headerValue(res.headers.location);
      if (res.statusCode >= 300 && res.statusCode < 400 && location !== undefined) {
        await res.body.dump().catch(() => {});
        if (hop >= MAX_REDIRECTS) {
          throw new UserError(
            `${this.label}: more than ${MAX_REDIRECTS} redirects for ${path}`,
            "the registry or its storage redirects in a loop",
          );
        }
        url = new URL(location, url);
        if (url.protocol !== "https:" && url.protocol !== "http:") {
          throw new UserError(`${this.label}: the registry redirects to a ${url.protocol} URL`);
        }
        continue;
      }
      return res;
    }
  }

  /** https:// first; plain http:// when that fails at the TLS or TCP level and plain HTTP is allowed. */
  private async origin(): Promise<string> {
    if (this.base !== null) return this.base;
    const https = `https://${this.ref.apiHost}`;
    if (!this.opts.plainHttp) {
      this.base = https;
      return https;
    }
    try {
      const res = await request(`${https}/v2/`, {
        method: "GET",
        headers: { "user-agent": USER_AGENT },
        dispatcher: this.dispatcher,
        signal: this.opts.signal,
      });
      await res.body.dump().catch(() => {});
      this.base = https;
    } catch (e) {
      if (this.opts.signal?.aborted) throw abortReason(this.opts.signal);
      const code = errorCode(e);
      this.base = code !== undefined && NOT_TLS.test(code) ? `http://${this.ref.apiHost}` : https;
    }
    return this.base;
  }

  /** Answer a 401's challenge; false when there is nothing to answer it with. */
  private async answer(challenges: Challenge[]): Promise<boolean> {
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    this.credential ??= this.opts.credential();
    const credential = await this.credential;
    if (bearer !== undefined && typeof bearer.params.realm === "string") {
      if (credential?.kind === "registry-token") {
        this.authorization = `Bearer ${credential.token}`;
        return true;
      }
      const scope = bearer.params.scope ?? pullScope(this.ref.repository);
      const key = `${bearer.params.realm}\n${bearer.params.service ?? ""}\n${scope}`;
      const cached = this.tokens.get(key);
      if (cached !== undefined && cached.expiresAt > Date.now()) {
        this.authorization = cached.header;
        return this.authorization !== null;
      }
      const token = await this.fetchToken(bearer, scope, credential);
      this.tokens.set(key, token);
      this.authorization = token.header;
      return true;
    }
    if (basic !== undefined && credential?.kind === "basic") {
      this.authorization = basicHeader(credential);
      return true;
    }
    return false;
  }

  private async fetchToken(bearer: Challenge, scope: string, credential: Credential | null): Promise<Token> {
    const realm = parseRealm(bearer.params.realm!, this.label);
    const service = bearer.params.service;
    const started = Date.now();
    const what = `a token from ${realm.host}`;
    let res: Response;
    try {
      if (credential?.kind === "identity-token") {
        // OAuth2 refresh-token grant, as the docker CLI does with an identity token.
        const form = new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: credential.token,
          client_id: USER_AGENT,
          scope,
        });
        if (service !== undefined) form.set("service", service);
        res = await request(realm, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": USER_AGENT },
          body: form.toString(),
          dispatcher: this.dispatcher,
          signal: this.opts.signal,
        });
      } else {
        const url = new URL(realm);
        if (service !== undefined) url.searchParams.set("service", service);
        url.searchParams.set("scope", scope);
        const headers: Record<string, string> = { "user-agent": USER_AGENT };
        if (credential?.kind === "basic") headers.authorization = basicHeader(credential);
        res = await request(url, {
          method: "GET",
          headers,
          dispatcher: this.dispatcher,
          signal: this.opts.signal,
        });
      }
    } catch (e) {
      if (this.opts.signal?.aborted) throw abortReason(this.opts.signal);
      throw networkError(e, realm.host, what);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump().catch(() => {});
      throw new UserError(
        credential === null
          ? `${this.label}: the token server ${realm.host} refuses anonymous access to ${scope}`
          : `${this.label}: the token server ${realm.host} refused the credentials from ${credential.from} (HTTP ${res.statusCode})`,
        credential === null
          ? `log in first (docker login ${this.ref.registry}), or pass --creds USER:PASSWORD`
          : `check them, or log in again (docker login ${this.ref.registry})`,
      );
    }
    if (res.statusCode !== 200) throw await this.failure(res, what);
    const body = await this.readAll(res, 256 * 1024, what);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new UserError(`the token server at ${realm.host} answered with something other than JSON`);
    }
    const answer = decodeTokenAnswer(parsed, realm.host);
    // Ten seconds early, so a token never expires between the check and its use.
    const expiresAt = started + Math.max(answer.expiresIn * 1000 - 10_000, 1_000);
    return { header: `Bearer ${answer.token}`, expiresAt };
  }

  private async unauthorized(what: string, challenges: Challenge[]): Promise<UserError> {
    const credential = this.credential === null ? null : await this.credential.catch(() => null);
    const scope =
      challenges.find((c) => c.scheme === "bearer")?.params.scope ?? pullScope(this.ref.repository);
    if (credential === null) {
      return new UserError(
        `${this.label}: the registry needs credentials to read ${what} (HTTP 401, scope ${scope})`,
        `log in with 'docker login ${this.ref.registry}' (or podman login), or pass --creds USER:PASSWORD`,
      );
    }
    return new UserError(
      `${this.label}: the registry refused the credentials from ${credential.from} for ${what} (HTTP 401)`,
      `check them, or log in again with 'docker login ${this.ref.registry}'`,
    );
  }

  /** A final non-success answer as one line, with the registry's own error code when it gives one. */
  async failure(res: Response, what: string): Promise<UserError> {
    const status = res.statusCode;
    const detail = await this.errorDetail(res);
    const codes = detail.codes;
    const said = detail.message !== null ? `: ${detail.message}` : "";
    if (status === 404 || codes.includes("MANIFEST_UNKNOWN") || codes.includes("NAME_UNKNOWN")) {
      const noRepo = codes.includes("NAME_UNKNOWN");
      return new UserError(
        `${this.label}: ${what} not found (${noRepo ? "no such repository" : `HTTP ${status}`}${codes.length > 0 ? `, ${codes.join(", ")}` : ""})`,
        what.startsWith("tag ")
          ? `check the name and tag (skopeo list-tags docker://${this.ref.registry}/${this.ref.repository} lists the tags)`
          : "the registry lacks data the manifest names; the image in the registry is incomplete",
      );
    }
    if (status === 403) {
      return new UserError(
        `${this.label}: access denied to ${what} (HTTP 403${codes.length > 0 ? `, ${codes.join(", ")}` : ""}; scope ${pullScope(this.ref.repository)})${said}`,
        `your credentials lack pull access to ${this.ref.repository}; log in as a user who has it (docker login ${this.ref.registry})`,
      );
    }
    if (status === 429) {
      return new UserError(
        `${this.label}: the registry's rate limit stopped ${what} (HTTP 429)${said}`,
        "log in (docker login) for a higher limit, or try again later",
      );
    }
    return new UserError(
      `${this.label}: the registry answered HTTP ${status} to ${what}${codes.length > 0 ? ` (${codes.join(", ")})` : ""}${said}`,
      status >= 500 ? "the registry has a problem; try again later" : "check the image name",
    );
  }

  private async errorDetail(res: Response): Promise<{ codes: string[]; message: string | null }> {
    let text = "";
    try {
      const buf = await this.readAll(res, MAX_ERROR_BODY, "an error message", true);
      text = buf.toString("utf8");
    } catch {
      return { codes: [], message: null };
    }
    try {
      const v = JSON.parse(text) as unknown;
      const errors = (v as { errors?: unknown })?.errors;
      if (!Array.isArray(errors)) return { codes: [], message: null };
      const codes: string[] = [];
      let message: string | null = null;
      for (const e of errors.slice(0, 8)) {
        const code = (e as { code?: unknown })?.code;
        const msg = (e as { message?: unknown })?.message;
        if (typeof code === "string" && /^[A-Z_]{1,64}$/.test(code)) codes.push(code);
        if (message === null && typeof msg === "string" && msg !== "") message = oneLine(msg, 160);
      }
      return { codes, message };
    } catch {
      return { codes: [], message: null };
    }
  }

  /** Read a body whole, refusing (or, with `truncate`, cutting) it past `max` bytes. */
  private async readAll(res: Response, max: number, what: string, truncate = false): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    try {
      for await (const c of res.body) {
        const chunk = c as Buffer;
        this.bytesReceived += chunk.length;
        total += chunk.length;
        if (total > max) {
          if (truncate) {
            parts.push(chunk.subarray(0, chunk.length - (total - max)));
            total = max;
            break;
          }
          throw new UserError(
            `${this.label}: ${what} is over ${max} bytes`,
            "this is not a registry answer layerview can use",
          );
        }
        parts.push(chunk);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      if (this.opts.signal?.aborted) throw abortReason(this.opts.signal);
      throw networkError(e, this.ref.registry, what);
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
    return Buffer.concat(parts, total);
  }

  private backoff(attempt: number): number {
    const d = Math.min(this.baseDelayMs * 2 ** (attempt - 1), this.maxDelayMs);
    return d / 2 + Math.random() * (d / 2);
  }

  private async pause(ms: number, signal = this.opts.signal): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw abortReason(signal!);
    }
  }
}

/** A blob whose bytes do not hash to its digest. */
export class DigestMismatchError extends UserError {
  constructor(message: string) {
    super(message, "the registry, a proxy or the network altered the data; try again");
    this.name = "DigestMismatchError";
  }
}

export class RangeNotSupportedError extends Error {}

function digestAlgorithm(digest: string, label: string, what: string): "sha256" | "sha512" {
  if (/^sha256:[0-9a-f]{64}$/.test(digest)) return "sha256";
  if (/^sha512:[0-9a-f]{128}$/.test(digest)) return "sha512";
  throw new UserError(
    `${label}: ${what} has a digest layerview cannot verify ('${digest.slice(0, 80)}')`,
    "only sha256 and sha512 digests are supported",
  );
}

export function short(digest: string): string {
  const hex = digest.replace(/^sha(256|512):/, "");
  return hex.length > 12 ? `${hex.slice(0, 12)}` : digest;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(v: string | string[] | undefined, now = Date.now()): number | null {
  const text = headerValue(v)?.trim();
  if (text === undefined || text === "") return null;
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(at - now, 0);
}

function parseRealm(realm: string, label: string): URL {
  try {
    const url = new URL(realm);
    if (url.protocol === "https:" || url.protocol === "http:") return url;
  } catch {}
  throw new UserError(
    `${label}: the registry's auth challenge names a realm that is not an http(s) URL`,
    "the registry is misconfigured",
  );
}

function errorCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = err?.code ?? err?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

function describeNetworkError(e: unknown): string {
  const code = errorCode(e);
  switch (code) {
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
      return "the registry stopped sending";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connecting timed out";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "the connection was reset";
    default:
      return code ?? oneLine((e as Error)?.message ?? String(e), 120);
  }
}

/** A network-level failure as one line naming the registry and what to do. */
export function networkError(e: unknown, host: string, what: string, plainHttp = false): UserError {
  const code = errorCode(e) ?? "";
  if (code === "ECONNREFUSED") {
    return new UserError(
      `cannot reach the registry ${host} (connection refused) while fetching ${what}`,
      "check the host and port, and that the registry is running",
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new UserError(
      `cannot resolve the registry host ${host.replace(/:\d+$/, "")} while fetching ${what}`,
      "check the name, or the network's DNS",
    );
  }
  if (/TIMEOUT/.test(code)) {
    return new UserError(
      `the registry ${host} did not answer in time while fetching ${what} (${describeNetworkError(e)})`,
      "check the network, or try again",
    );
  }
  if (/^ERR_SSL_WRONG_VERSION_NUMBER$|^ERR_SSL_PACKET_LENGTH_TOO_LONG$/.test(code) && !plainHttp) {
    return new UserError(
      `the registry ${host} does not speak TLS (it looks like plain HTTP)`,
      `if you trust the network to it, pass --insecure-registry ${host}`,
    );
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|EPROTO)/.test(code)) {
    return new UserError(
      `TLS to the registry ${host} failed (${code}) while fetching ${what}`,
      `trust its CA: put it in /etc/docker/certs.d/${host}/ca.crt (or ~/.docker/certs.d, /etc/containers/certs.d), or NODE_EXTRA_CA_CERTS`,
    );
  }
  return new UserError(
    `the connection to the registry ${host} failed while fetching ${what} (${describeNetworkError(e)})`,
    "check the network and try again",
  );
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b]);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
