import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/**
 * A registry token server (Docker "token authentication" spec + its OAuth2 form), in Node only.
 * distribution's `auth.token` trusts a JWT signed RS256 by the key of a certificate in its
 * `rootcertbundle`, naming that certificate either by `x5c` (its DER, base64) or by `kid` (its
 * libtrust key ID). In "silly" mode it answers any request with an opaque token, which is all
 * `auth.silly` needs.
 */
export interface TokenServerOptions {
  mode: "jwt" | "silly";
  service: string;
  issuer: string;
  /** The one user that may log in (Basic on GET, form fields on POST). */
  username?: string;
  password?: string;
  /** PEM files: the RSA signing key and the certificate given to the registry as rootcertbundle. */
  signingKeyFile?: string;
  signingCertFile?: string;
  /** How the JWT header names the signing certificate. Default "x5c". */
  keyId?: "x5c" | "kid";
  /** Lifetime of access tokens in seconds (default 300; distribution allows ±60 s of clock skew). */
  expiresIn?: number;
  /** Anonymous requests get `pull` (a public repository). Default false: they get a token granting nothing. */
  anonymousPull?: boolean;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string } | null;
}

export interface TokenRequest {
  method: "GET" | "POST";
  /** "basic" (GET with credentials), "anonymous" (GET without), "password" / "refresh_token" (POST grant_type). */
  grant: "basic" | "anonymous" | "password" | "refresh_token" | "other";
  username: string | null;
  service: string | null;
  scopes: string[];
  /** What the token allows, as `repository:NAME:a,b` strings. */
  granted: string[];
  /** A refresh token was asked for (GET offline_token=true, POST access_type=offline). */
  offline: boolean;
  clientId: string | null;
  status: number;
  /** Injected by failNext(). */
  injected: boolean;
}

export interface TokenServer {
  /** Base URL, e.g. "http://127.0.0.1:PORT". */
  url: string;
  /** The realm the registry advertises: `${url}/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** Every request the token endpoint answered, oldest first. */
  requests(): TokenRequest[];
  /** The next `times` token requests answer `status` (default 1 time) — e.g. 500, 503, 401. */
  failNext(status: number, times?: number, body?: string): void;
  /** A token for these scopes, made directly (no HTTP, not recorded): what the harness itself uses. */
  mint(subject: string, scopes: string[]): string;
  /**
   * Change the lifetime of tokens issued from now on (seconds; negative gives tokens that are
   * already expired — distribution refuses them with error="invalid_token" only beyond its 60 s leeway).
   */
  setExpiresIn(seconds: number): void;
  /** Refresh tokens handed out so far (identity tokens, as `docker login` stores them). */
  refreshTokens(): string[];
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

/** libtrust key ID: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32 without padding, 4-char groups. */
export function libtrustKeyId(certPem: string): string {
  const spki = createPublicKey(certPem).export({ type: "spki", format: "der" });
  const hash = createHash("sha256").update(spki).digest().subarray(0, 30);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join(":");
}

/** "repository:NAME:pull,push" → {type, name, actions}; the name may itself hold ':' only in the type part. */
export function parseScope(scope: string): Access | null {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last <= first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(",")
      .filter((a) => a !== ""),
  };
}

function readBody(req: http.IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("token request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const log: TokenRequest[] = [];
  const failures: Array<{ status: number; body: string | undefined }> = [];
  const refresh = new Map<string, string>(); // refresh token → username
  let expiresIn = opts.expiresIn ?? 300;
  let signer: { key: ReturnType<typeof createPrivateKey>; header: Record<string, unknown> } | null = null;
  if (opts.mode === "jwt") {
    if (!opts.signingKeyFile || !opts.signingCertFile)
      throw new Error("jwt token server needs a signing key and cert");
    const certPem = readFileSync(opts.signingCertFile, "utf8");
    const header: Record<string, unknown> = { typ: "JWT", alg: "RS256" };
    if ((opts.keyId ?? "x5c") === "x5c") header.x5c = [new X509Certificate(certPem).raw.toString("base64")];
    else header.kid = libtrustKeyId(certPem);
    signer = { key: createPrivateKey(readFileSync(opts.signingKeyFile)), header };
  }

  const mint = (subject: string, access: Access[], lifetime = expiresIn): string => {
    if (!signer) return `silly-${randomBytes(8).toString("hex")}`;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: opts.issuer,
      sub: subject,
      aud: opts.service,
      exp: now + lifetime,
      nbf: Math.min(now, now + lifetime) - 1,
      iat: now,
      jti: randomBytes(12).toString("hex"),
      access,
    };
    const data = `${b64url(JSON.stringify(signer.header))}.${b64url(JSON.stringify(claims))}`;
    return `${data}.${b64url(sign("sha256", Buffer.from(data), signer.key))}`;
  };

  /** Grant every requested action to the user, `pull` to anonymous when public, nothing otherwise. */
  const grant = (user: string | null, scopes: string[]): Access[] => {
    const out: Access[] = [];
    for (const s of scopes) {
      const a = parseScope(s);
      if (!a) continue;
      if (user !== null) out.push(a);
      else if (opts.anonymousPull && a.type === "repository" && a.actions.includes("pull"))
        out.push({ ...a, actions: ["pull"] });
    }
    return out;
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(text);
      return status;
    };
    const rec: TokenRequest = {
      method: req.method === "POST" ? "POST" : "GET",
      grant: "other",
      username: null,
      service: u.searchParams.get("service"),
      scopes: u.searchParams.getAll("scope").flatMap((s) => s.split(" ").filter((x) => x !== "")),
      granted: [],
      offline: u.searchParams.get("offline_token") === "true",
      clientId: u.searchParams.get("client_id"),
      status: 0,
      injected: false,
    };
    log.push(rec);
    if (u.pathname !== "/token") {
      rec.status = send(404, { errors: [{ code: "NOT_FOUND", message: "token server serves /token only" }] });
      return;
    }
    const fail = failures.shift();
    if (fail) {
      rec.injected = true;
      if (req.method === "POST") await readBody(req).catch(() => "");
      rec.status = send(
        fail.status,
        fail.body ?? { errors: [{ code: "INJECTED", message: "injected failure" }] },
      );
      return;
    }
    const issue = (user: string | null, offline: boolean, post: boolean) => {
      const access = grant(user, rec.scopes);
      rec.granted = access.map((a) => `${a.type}:${a.name}:${a.actions.join(",")}`);
      const token = mint(user ?? "", access);
      const body: Record<string, unknown> = post
        ? { access_token: token, scope: rec.scopes.join(" ") }
        : { token, access_token: token };
      body.expires_in = expiresIn;
      body.issued_at = new Date().toISOString();
      if (offline && user !== null) {
        const r = `refresh-${randomBytes(16).toString("hex")}`;
        refresh.set(r, user);
        body.refresh_token = r;
      }
      rec.status = send(200, body);
    };
    if (opts.mode === "silly") {
      rec.grant = "anonymous";
      rec.status = send(200, { token: mint("", []), access_token: mint("", []) });
      return;
    }
    const unauthorized = () =>
      send(
        401,
        { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
        { "WWW-Authenticate": 'Basic realm="layerview-token-server"' },
      );
    if (req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      rec.service = form.get("service");
      rec.scopes = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
      rec.clientId = form.get("client_id");
      rec.offline = form.get("access_type") === "offline";
      const type = form.get("grant_type");
      if (type === "password") {
        rec.grant = "password";
        rec.username = form.get("username");
        if (rec.username !== opts.username || form.get("password") !== opts.password) {
          rec.status = unauthorized();
          return;
        }
        issue(rec.username, rec.offline, true);
      } else if (type === "refresh_token") {
        rec.grant = "refresh_token";
        const user = refresh.get(form.get("refresh_token") ?? "");
        if (user === undefined) {
          rec.status = send(400, { error: "invalid_grant", error_description: "unknown refresh token" });
          return;
        }
        rec.username = user;
        // The old refresh token stays valid (the spec lets a server rotate it; this one does not).
        issue(user, false, true);
      } else {
        rec.status = send(400, { error: "unsupported_grant_type" });
      }
      return;
    }
    const authz = req.headers.authorization;
    if (authz === undefined) {
      rec.grant = "anonymous";
      issue(null, false, false);
      return;
    }
    rec.grant = "basic";
    const m = /^Basic\s+(\S+)$/i.exec(authz);
    const decoded = m ? Buffer.from(m[1]!, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    rec.username = colon >= 0 ? decoded.slice(0, colon) : null;
    if (colon < 0 || rec.username !== opts.username || decoded.slice(colon + 1) !== opts.password) {
      rec.status = unauthorized();
      return;
    }
    issue(rec.username, rec.offline, false);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`token server error: ${err.message}`);
    });
  };
  const server = opts.tls
    ? https.createServer(
        { cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) },
        listener,
      )
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    url,
    realm: `${url}/token`,
    service: opts.service,
    issuer: opts.issuer,
    requests: () => log.map((r) => ({ ...r, scopes: [...r.scopes], granted: [...r.granted] })),
    failNext: (status, times = 1, body) => {
      for (let i = 0; i < times; i++) failures.push({ status, body });
    },
    mint: (subject, scopes) => mint(subject, grant(subject, scopes), 300),
    setExpiresIn: (seconds) => {
      expiresIn = seconds;
    },
    refreshTokens: () => [...refresh.keys()],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
