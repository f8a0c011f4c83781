import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  bigImageStats,
  describeRegistry,
  type FaultProxy,
  httpRequest,
  MANIFEST_ACCEPT,
  pushIndex,
  type RunningRegistry,
  setupTimings,
  startFaultProxy,
  startRegistry,
  testImages,
} from "./harness.js";

/**
 * Proves each registry setup works with independent tools only: skopeo pushes, node:http reads,
 * challenges are followed by hand. Not the project's registry client.
 */

const run = promisify(execFile);
const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const DOCKER = () => testImages({ big: false }).then((i) => i.refs.dockerArchive!);
const USER = { username: "lv-user", password: "s3cret-pass" };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

/** Parse `Scheme k="v",k2="v2"` (one challenge). */
function challenge(header: string | undefined): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s+(.*)$/.exec(header ?? "");
  if (!m) throw new Error(`no challenge in ${JSON.stringify(header)}`);
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!] = p[2]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

const caOf = (reg: RunningRegistry) =>
  reg.certsDir ? readFileSync(join(reg.certsDir, reg.host, "ca.crt")) : undefined;

/** GET a manifest anonymously; on a 401 follow the challenge by hand with these credentials. */
async function getManifestFollowing(
  reg: RunningRegistry,
  repo: string,
  ref: string,
  creds: { username: string; password: string } | null,
) {
  const ca = caOf(reg);
  const url = `${reg.url}/v2/${repo}/manifests/${ref}`;
  const first = await httpRequest(url, { headers: { Accept: MANIFEST_ACCEPT }, ca });
  if (first.status !== 401) return { first, final: first, tokenAnswer: null };
  const ch = challenge(first.headers["www-authenticate"] as string);
  let authorization: string;
  let tokenAnswer: Record<string, unknown> | null = null;
  if (ch.scheme === "basic") {
    authorization = basic(creds!.username, creds!.password);
  } else {
    const realm = new URL(ch.params.realm!);
    realm.searchParams.set("service", ch.params.service!);
    if (ch.params.scope) realm.searchParams.set("scope", ch.params.scope);
    const t = await httpRequest(realm.toString(), {
      headers: creds ? { Authorization: basic(creds.username, creds.password) } : {},
      ca,
    });
    expect(t.status).toBe(200);
    tokenAnswer = JSON.parse(t.body.toString("utf8"));
    authorization = `Bearer ${tokenAnswer!.token ?? tokenAnswer!.access_token}`;
  }
  const final = await httpRequest(url, {
    headers: { Accept: MANIFEST_ACCEPT, Authorization: authorization },
    ca,
  });
  return { first, final, tokenAnswer, challenge: ch };
}

async function pushAndCheck(reg: RunningRegistry, repo: string, creds: typeof USER | null) {
  const digest = await reg.push(await DOCKER(), `${repo}:1`);
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  const r = await getManifestFollowing(reg, repo, "1", creds);
  expect(r.final.status).toBe(200);
  expect(r.final.headers["docker-content-digest"]).toBe(digest);
  expect(sha256(r.final.body)).toBe(digest);
  expect(r.final.headers["content-type"]).toBe("application/vnd.docker.distribution.manifest.v2+json");
  return { digest, ...r, manifest: JSON.parse(r.final.body.toString("utf8")) };
}

/** Stream a GET, keeping what arrived even when the connection breaks. */
function readPartial(url: string, headers: Record<string, string> = {}, ca?: Buffer) {
  const mod = url.startsWith("https:") ? https : http;
  return new Promise<{
    status: number;
    body: Buffer;
    error: string | null;
    headers: http.IncomingHttpHeaders;
  }>((resolve) => {
    const chunks: Buffer[] = [];
    const req = mod.get(url, { headers, ca, agent: false, timeout: 20_000 }, (res) => {
      const done = (error: string | null) =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), error, headers: res.headers });
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(null));
      res.on("error", (e) => done(e.message));
      res.on("aborted", () => done("aborted"));
    });
    req.on("error", (e) =>
      resolve({ status: 0, body: Buffer.concat(chunks), error: e.message, headers: {} }),
    );
  });
}

describeRegistry("registry harness: plain HTTP", () => {
  let reg: RunningRegistry;
  let layer: { digest: string; size: number };
  beforeAll(async () => {
    const t = performance.now();
    reg = await startRegistry();
    console.info(`[registry harness] plain registry up in ${Math.round(performance.now() - t)} ms`);
  });
  afterAll(() => reg?.stop());

  it("pushes the docker fixture with skopeo and serves its manifest and blobs to node:http", async () => {
    expect(reg.url).toBe(`http://${reg.host}`);
    expect(reg.caFile).toBeNull();
    expect(reg.certsDir).toBeNull();
    const { manifest } = await pushAndCheck(reg, "lv/plain", null);
    expect(manifest.layers).toHaveLength(14);
    const config = await httpRequest(`${reg.url}/v2/lv/plain/blobs/${manifest.config.digest}`);
    expect(config.status).toBe(200);
    expect(sha256(config.body)).toBe(manifest.config.digest);
    layer = manifest.layers[0];
  });

  it("served() reports method, path, status and bytes of each request, and the range a 206 served", async () => {
    const path = `/v2/lv/plain/blobs/${layer.digest}`;
    const r = await httpRequest(`${reg.url}${path}`, { headers: { Range: "bytes=10-109" } });
    expect(r.status).toBe(206);
    expect(r.headers["content-range"]).toBe(`bytes 10-109/${layer.size}`);
    expect(r.body).toHaveLength(100);
    const suffix = await httpRequest(`${reg.url}${path}`, { headers: { Range: "bytes=-51" } });
    expect(suffix.status).toBe(206);
    const multi = await httpRequest(`${reg.url}${path}`, { headers: { Range: "bytes=0-9,100-119" } });
    expect(multi.headers["content-type"]).toMatch(/^multipart\/byteranges/);
    const head = await httpRequest(`${reg.url}${path}`, { method: "HEAD" });
    expect(head.headers["content-length"]).toBe(String(layer.size));
    const served = (await reg.served()).filter((s) => s.path === path);
    expect(served.slice(-4)).toEqual([
      { method: "GET", path, uri: path, status: 206, bytes: 100, range: "bytes=10-109" },
      {
        method: "GET",
        path,
        uri: path,
        status: 206,
        bytes: 51,
        range: `bytes=${layer.size - 51}-${layer.size - 1}`,
      },
      { method: "GET", path, uri: path, status: 206, bytes: multi.body.length, range: "bytes=0-,100-" },
      { method: "HEAD", path, uri: path, status: 200, bytes: 0, range: null },
    ]);
    const all = await reg.served();
    expect(
      all.some((s) => s.method === "PUT" && s.path === "/v2/lv/plain/manifests/1" && s.status === 201),
    ).toBe(true);
  });

  it("a manifest that does not exist is a 404 MANIFEST_UNKNOWN", async () => {
    const r = await httpRequest(`${reg.url}/v2/lv/plain/manifests/nope`, {
      headers: { Accept: MANIFEST_ACCEPT },
    });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body.toString()).errors[0].code).toBe("MANIFEST_UNKNOWN");
  });

  it("runs several registries at once, each on its own port and root, each stopped by PID", async () => {
    const t = performance.now();
    const regs = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    const took = performance.now() - t;
    try {
      expect(new Set(regs.map((r) => r.host)).size).toBe(3);
      expect(new Set(regs.map((r) => r.root)).size).toBe(3);
      for (const r of regs) expect((await httpRequest(`${r.url}/v2/`)).status).toBe(200);
    } finally {
      await Promise.all(regs.map((r) => r.stop()));
    }
    for (const r of regs) {
      expect(() => process.kill(r.pid, 0)).toThrow();
      expect(existsSync(r.root)).toBe(false);
    }
    console.info(`[registry harness] 3 registries started concurrently in ${Math.round(took)} ms`);
  });
});

describeRegistry("registry harness: TLS with its own CA", () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ tls: true });
    console.info(
      `[registry harness] TLS material generated in ${Math.round(setupTimings.tlsGenerate ?? 0)} ms`,
    );
  });
  afterAll(() => reg?.stop());

  it("is refused without the CA and trusted with the certs.d CA; skopeo pushes through certs.d", async () => {
    expect(reg.url).toBe(`https://${reg.host}`);
    expect(existsSync(join(reg.certsDir!, reg.host, "ca.crt"))).toBe(true);
    expect(readFileSync(reg.caFile!)).toEqual(readFileSync(join(reg.certsDir!, reg.host, "ca.crt")));
    const err = await httpRequest(`${reg.url}/v2/`).then(
      () => null,
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(err).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect((await httpRequest(`${reg.url}/v2/`, { ca: caOf(reg) })).status).toBe(200);
    expect(reg.skopeoFlags("dest")).toEqual(["--dest-cert-dir", join(reg.certsDir!, reg.host)]);
    await pushAndCheck(reg, "lv/tls", null);
  });

  it("the certificate names IP 127.0.0.1 and DNS localhost", async () => {
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(readFileSync(reg.serverCert!.certFile));
    expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(cert.subjectAltName).toContain("DNS:localhost");
    expect(cert.checkIssued(new X509Certificate(readFileSync(reg.caFile!)))).toBe(true);
  });
});

describeRegistry("registry harness: htpasswd (Basic)", () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ auth: { kind: "basic", ...USER } });
  });
  afterAll(() => reg?.stop());

  it("challenges with Basic, refuses a wrong password, serves with the right one", async () => {
    const { first, challenge: ch } = await pushAndCheck(reg, "lv/basic", USER);
    expect(first.status).toBe(401);
    expect(ch).toEqual({ scheme: "basic", params: { realm: "layerview-registry" } });
    const wrong = await httpRequest(`${reg.url}/v2/lv/basic/manifests/1`, {
      headers: { Accept: MANIFEST_ACCEPT, Authorization: basic(USER.username, "wrong") },
    });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body.toString()).errors[0].code).toBe("UNAUTHORIZED");
    expect((await httpRequest(`${reg.url}/v2/`)).status).toBe(401);
  });
});

describeRegistry(
  "registry harness: token auth",
  () => {
    let reg: RunningRegistry;
    beforeAll(async () => {
      const t = performance.now();
      reg = await startRegistry({ auth: { kind: "token", ...USER } });
      console.info(
        `[registry harness] token registry up in ${Math.round(performance.now() - t)} ms (signing key ${Math.round(setupTimings.tokenKeyGenerate ?? 0)} ms)`,
      );
    });
    afterAll(() => reg?.stop());

    it("challenges with Bearer realm/service/scope; a token from the realm (Basic credentials) opens the manifest", async () => {
      const before = reg.token!.requests().length;
      const { first, challenge: ch, tokenAnswer } = await pushAndCheck(reg, "lv/token", USER);
      expect(first.status).toBe(401);
      expect(ch).toEqual({
        scheme: "bearer",
        params: { realm: reg.token!.realm, service: "layerview-registry", scope: "repository:lv/token:pull" },
      });
      expect(Object.keys(tokenAnswer!).sort()).toEqual(["access_token", "expires_in", "issued_at", "token"]);
      const reqs = reg.token!.requests().slice(before);
      expect(
        reqs.some((r) => r.grant === "basic" && r.scopes.includes("repository:lv/token:pull,push")),
      ).toBe(true);
      expect(reqs.at(-1)).toMatchObject({
        method: "GET",
        grant: "basic",
        username: USER.username,
        service: "layerview-registry",
        scopes: ["repository:lv/token:pull"],
        granted: ["repository:lv/token:pull"],
        status: 200,
      });
    });

    it("/v2/ challenges without a scope; wrong credentials are a 401 at the realm; an anonymous token grants nothing", async () => {
      const v2 = await httpRequest(`${reg.url}/v2/`);
      expect(v2.status).toBe(401);
      expect(challenge(v2.headers["www-authenticate"] as string).params.scope).toBeUndefined();
      const realm = `${reg.token!.realm}?service=layerview-registry&scope=repository:lv/token:pull`;
      expect(
        (await httpRequest(realm, { headers: { Authorization: basic(USER.username, "nope") } })).status,
      ).toBe(401);
      const anon = await httpRequest(realm);
      expect(anon.status).toBe(200);
      const r = await httpRequest(`${reg.url}/v2/lv/token/manifests/1`, {
        headers: {
          Accept: MANIFEST_ACCEPT,
          Authorization: `Bearer ${JSON.parse(anon.body.toString()).token}`,
        },
      });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body.toString()).errors[0].code).toBe("UNAUTHORIZED");
      expect(r.headers["www-authenticate"]).toContain('error="insufficient_scope"');
      expect(reg.token!.requests().at(-1)).toMatchObject({ grant: "anonymous", granted: [] });
    });

    it("OAuth2 POST: password grant with access_type=offline returns a refresh token; the refresh grant gives working tokens", async () => {
      const form = (f: Record<string, string>) => Buffer.from(new URLSearchParams(f).toString());
      const post = (f: Record<string, string>) =>
        httpRequest(reg.token!.realm, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: form(f),
        });
      const scope = "repository:lv/token:pull";
      const pw = await post({
        grant_type: "password",
        username: USER.username,
        password: USER.password,
        service: "layerview-registry",
        scope,
        client_id: "layerview",
        access_type: "offline",
      });
      expect(pw.status).toBe(200);
      const a = JSON.parse(pw.body.toString());
      expect(a.refresh_token).toMatch(/^refresh-/);
      expect(a.token).toBeUndefined();
      expect(reg.token!.refreshTokens()).toContain(a.refresh_token);
      const rt = await post({
        grant_type: "refresh_token",
        refresh_token: a.refresh_token,
        service: "layerview-registry",
        scope,
        client_id: "layerview",
      });
      expect(rt.status).toBe(200);
      const b = JSON.parse(rt.body.toString());
      expect(b.refresh_token).toBeUndefined();
      const m = await httpRequest(`${reg.url}/v2/lv/token/manifests/1`, {
        headers: { Accept: MANIFEST_ACCEPT, Authorization: `Bearer ${b.access_token}` },
      });
      expect(m.status).toBe(200);
      expect(
        (await post({ grant_type: "refresh_token", refresh_token: "refresh-bogus", service: "x" })).status,
      ).toBe(400);
      expect(
        (await post({ grant_type: "password", username: USER.username, password: "x", service: "x" })).status,
      ).toBe(401);
      expect(
        reg
          .token!.requests()
          .slice(-4)
          .map((r) => [r.method, r.grant, r.offline, r.status]),
      ).toEqual([
        ["POST", "password", true, 200],
        ["POST", "refresh_token", false, 200],
        ["POST", "refresh_token", false, 400],
        ["POST", "password", false, 401],
      ]);
    });

    it("an expired token is refused with error=invalid_token (setExpiresIn)", async () => {
      const realm = `${reg.token!.realm}?service=layerview-registry&scope=repository:lv/token:pull`;
      const get = async () => {
        const t = await httpRequest(realm, {
          headers: { Authorization: basic(USER.username, USER.password) },
        });
        return httpRequest(`${reg.url}/v2/lv/token/manifests/1`, {
          headers: {
            Accept: MANIFEST_ACCEPT,
            Authorization: `Bearer ${JSON.parse(t.body.toString()).token}`,
          },
        });
      };
      reg.token!.setExpiresIn(-120);
      try {
        const r = await get();
        expect(r.status).toBe(401);
        expect(r.headers["www-authenticate"]).toContain('error="invalid_token"');
        // Within distribution's 60 s leeway an "expired" token still passes.
        reg.token!.setExpiresIn(-30);
        expect((await get()).status).toBe(200);
      } finally {
        reg.token!.setExpiresIn(300);
      }
    });

    it("failNext makes the realm fail on demand", async () => {
      reg.token!.failNext(503, 1);
      const realm = `${reg.token!.realm}?service=layerview-registry&scope=repository:lv/token:pull`;
      const auth = { Authorization: basic(USER.username, USER.password) };
      expect((await httpRequest(realm, { headers: auth })).status).toBe(503);
      expect((await httpRequest(realm, { headers: auth })).status).toBe(200);
      expect(reg.token!.requests().at(-2)).toMatchObject({ injected: true, status: 503 });
    });

    it("kid-named keys, TLS realm and anonymous pull work too", async () => {
      const other = await startRegistry({
        tls: true,
        auth: { kind: "token", ...USER },
        token: { keyId: "kid", anonymousPull: true },
      });
      try {
        expect(other.token!.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
        await other.push(await DOCKER(), "lv/kid:1");
        const r = await getManifestFollowing(other, "lv/kid", "1", null);
        expect(r.first.status).toBe(401);
        expect(r.final.status).toBe(200);
        expect(other.token!.requests().at(-1)).toMatchObject({
          grant: "anonymous",
          granted: ["repository:lv/kid:pull"],
        });
        const withCreds = await getManifestFollowing(other, "lv/kid", "1", USER);
        expect(withCreds.final.status).toBe(200);
      } finally {
        await other.stop();
      }
    });
  },
  { auth: "token" },
);

describeRegistry(
  "registry harness: silly auth",
  () => {
    let reg: RunningRegistry;
    beforeAll(async () => {
      reg = await startRegistry({ auth: { kind: "silly" } });
    });
    afterAll(() => reg?.stop());

    it("challenges with Bearer; the realm's token (any Authorization) opens it", async () => {
      const { first, challenge: ch } = await pushAndCheck(reg, "lv/silly", null);
      expect(first.status).toBe(401);
      expect(ch!.scheme).toBe("bearer");
      expect(ch!.params.realm).toBe(reg.token!.realm);
      const any = await httpRequest(`${reg.url}/v2/lv/silly/manifests/1`, {
        headers: { Accept: MANIFEST_ACCEPT, Authorization: "Bearer anything" },
      });
      expect(any.status).toBe(200);
    });
  },
  { auth: "none" },
);

describeRegistry("registry harness: fault proxy", () => {
  let reg: RunningRegistry;
  let proxy: FaultProxy;
  let layer: { digest: string; size: number };
  let layerBytes: Buffer;
  const auth = { Authorization: basic(USER.username, USER.password) };
  beforeAll(async () => {
    reg = await startRegistry({ auth: { kind: "basic", ...USER } });
    proxy = await startFaultProxy(reg);
    await reg.push(await DOCKER(), "lv/faults:1");
    const m = JSON.parse((await reg.manifest("lv/faults", "1")).body.toString());
    // The biggest layer, so that body faults land mid-stream.
    layer = [...m.layers].sort((a, b) => b.size - a.size)[0];
    layerBytes = (await reg.request(`/v2/lv/faults/blobs/${layer.digest}`)).body;
    expect(sha256(layerBytes)).toBe(layer.digest);
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });
  const blobPath = () => `/v2/lv/faults/blobs/${layer.digest}`;

  it("passes requests through unchanged and records them", async () => {
    proxy.reset();
    const r = await httpRequest(`${proxy.url}${blobPath()}`, { headers: auth });
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(layer.digest);
    expect(proxy.requests()).toEqual([
      {
        method: "GET",
        path: blobPath(),
        status: 200,
        bytes: layer.size,
        headers: expect.objectContaining({ authorization: auth.Authorization }),
        fault: null,
      },
    ]);
  });

  it("status: 429 with Retry-After, then 503 twice, then passes; 401 carries the registry's challenge", async () => {
    proxy.reset();
    const path = /\/manifests\/1$/;
    proxy.fail({ path, action: { kind: "status", status: 429, retryAfter: 2 } });
    proxy.fail({ path, times: 2, action: { kind: "status", status: 503 } });
    const get = () =>
      httpRequest(`${proxy.url}/v2/lv/faults/manifests/1`, { headers: { ...auth, Accept: MANIFEST_ACCEPT } });
    const a = await get();
    expect(a.status).toBe(429);
    expect(a.headers["retry-after"]).toBe("2");
    expect(JSON.parse(a.body.toString()).errors[0].code).toBe("TOOMANYREQUESTS");
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(200);
    expect(proxy.pending()).toBe(0);
    proxy.fail({ path, action: { kind: "status", status: 401 } });
    const u = await get();
    expect(u.status).toBe(401);
    expect(u.headers["www-authenticate"]).toBe('Basic realm="layerview-registry"');
    proxy.fail({ path: /blobs/, action: { kind: "status", status: 404 } });
    const nf = await httpRequest(`${proxy.url}${blobPath()}`, { headers: auth });
    expect(JSON.parse(nf.body.toString()).errors[0].code).toBe("BLOB_UNKNOWN");
    expect(proxy.requests().map((r) => [r.status, r.fault])).toEqual([
      [429, "status"],
      [503, "status"],
      [503, "status"],
      [200, null],
      [401, "status"],
      [404, "status"],
    ]);
  });

  it("drop-after: the registry's headers, then that many bytes, then the socket closes", async () => {
    proxy.reset();
    proxy.fail({ path: /\/blobs\//, action: { kind: "drop-after", bytes: 1000 } });
    const r = await readPartial(`${proxy.url}${blobPath()}`, auth);
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe(String(layer.size));
    expect(r.error).not.toBeNull();
    expect(r.body.length).toBe(1000);
    expect(r.body).toEqual(layerBytes.subarray(0, 1000));
    expect(proxy.requests()[0]).toMatchObject({ status: 200, bytes: 1000, fault: "drop-after" });
    // A ranged retry resumes where it broke.
    const rest = await httpRequest(`${proxy.url}${blobPath()}`, {
      headers: { ...auth, Range: "bytes=1000-" },
    });
    expect(rest.status).toBe(206);
    expect(sha256(Buffer.concat([r.body, rest.body]))).toBe(layer.digest);
  });

  it("corrupt: one byte flipped, same length and headers", async () => {
    proxy.reset();
    proxy.fail({ path: /\/blobs\//, action: { kind: "corrupt", at: 70_000 } });
    const r = await httpRequest(`${proxy.url}${blobPath()}`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(layer.size);
    expect(sha256(r.body)).not.toBe(layer.digest);
    const diff = [...r.body].flatMap((b, i) => (b !== layerBytes[i] ? [i] : []));
    expect(diff).toEqual([70_000]);
    expect(r.body[70_000]).toBe(layerBytes[70_000]! ^ 0xff);
  });

  it("redirect: 307 to another origin; Node's fetch drops Authorization there; a leaked one is refused like S3 does", async () => {
    proxy.reset();
    proxy.fail({ path: /\/blobs\//, times: 3, action: { kind: "redirect", to: "other-host" } });
    // Node's fetch follows and strips Authorization on a cross-origin redirect.
    const f = await fetch(`${proxy.url}${blobPath()}`, { headers: auth });
    expect(f.status).toBe(200);
    expect(sha256(Buffer.from(await f.arrayBuffer()))).toBe(layer.digest);
    // By hand: the Location is on another port; carrying the credentials there is refused.
    const r307 = await httpRequest(`${proxy.url}${blobPath()}`, { headers: auth });
    expect(r307.status).toBe(307);
    const loc = new URL(String(r307.headers.location));
    expect(loc.origin).toBe(proxy.redirectUrl);
    expect(loc.port).not.toBe(new URL(proxy.url).port);
    const leaked = await httpRequest(loc.toString(), { headers: auth });
    expect(leaked.status).toBe(400);
    expect(leaked.body.toString()).toContain("InvalidArgument");
    // Ranged GET without credentials at the other origin.
    const r2 = await httpRequest(`${proxy.url}${blobPath()}`, { headers: auth });
    const ranged = await httpRequest(String(r2.headers.location), { headers: { Range: "bytes=0-99" } });
    expect(ranged.status).toBe(206);
    expect(ranged.body).toEqual(layerBytes.subarray(0, 100));
    expect(proxy.redirectedRequests().map((r) => [r.authorization, r.status])).toEqual([
      [undefined, 200],
      [auth.Authorization, 400],
      [undefined, 206],
    ]);
    // acceptAuthorization: a redirect target that tolerates (and records) the header.
    proxy.fail({
      path: /\/blobs\//,
      action: { kind: "redirect", to: "other-host", acceptAuthorization: true },
    });
    const r3 = await httpRequest(`${proxy.url}${blobPath()}`, { headers: auth });
    expect((await httpRequest(String(r3.headers.location), { headers: auth })).status).toBe(200);
    expect(proxy.redirectedRequests().at(-1)!.authorization).toBe(auth.Authorization);
  });

  it("stall: before the answer, or after some body bytes", async () => {
    proxy.reset();
    proxy.fail({ path: /\/manifests\//, action: { kind: "stall", ms: 400 } });
    let t = performance.now();
    const a = await httpRequest(`${proxy.url}/v2/lv/faults/manifests/1`, {
      headers: { ...auth, Accept: MANIFEST_ACCEPT },
    });
    expect(a.status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(390);
    proxy.fail({ path: /\/blobs\//, action: { kind: "stall", ms: 400, afterBytes: 5000 } });
    t = performance.now();
    let firstBytesAt = 0;
    const got = await new Promise<Buffer>((resolve, reject) => {
      http.get(`${proxy.url}${blobPath()}`, { headers: auth, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => {
          if (firstBytesAt === 0) firstBytesAt = performance.now() - t;
          chunks.push(c);
        });
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", reject);
      });
    });
    expect(sha256(got)).toBe(layer.digest);
    expect(firstBytesAt).toBeLessThan(350);
    expect(performance.now() - t).toBeGreaterThanOrEqual(390);
  });

  it("pushes through the proxy (upload Locations point back at it) and the registry's served() counts ranged bytes", async () => {
    proxy.reset();
    const images = await testImages({ big: false });
    await run(
      "skopeo",
      [
        "copy",
        "-q",
        "--dest-tls-verify=false",
        "--dest-creds",
        `${USER.username}:${USER.password}`,
        `docker-archive:${images.dockerArchive}`,
        `docker://${proxy.host}/lv/through-proxy:1`,
      ],
      { timeout: 120_000 },
    );
    expect(proxy.requests().some((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"))).toBe(true);
    expect((await reg.manifest("lv/through-proxy", "1")).digest).toMatch(/^sha256:/);
    const r = await httpRequest(`${proxy.url}${blobPath()}`, {
      headers: { ...auth, Range: "bytes=100-1123" },
    });
    expect(r.body).toEqual(layerBytes.subarray(100, 1124));
    const served = (await reg.served()).filter((s) => s.path === blobPath() && s.status === 206).at(-1);
    expect(served).toMatchObject({ bytes: 1024, range: "bytes=100-1123" });
  });
});

describeRegistry("registry harness: images, compression variants, indexes, hand-made content", () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(() => reg?.stop());

  it("zstd, zstd:chunked and gzip OCI variants survive side by side with --preserve-digests", async () => {
    const t = performance.now();
    const images = await testImages({ big: false });
    console.info(
      `[registry harness] compression variants ready in ${Math.round(performance.now() - t)} ms (built in ${JSON.stringify(images.timings)})`,
    );
    const types: Record<string, string[]> = {};
    const annotations: Record<string, string[]> = {};
    for (const name of ["ociGzip", "zstd", "zstdChunked"] as const) {
      await reg.push(images.refs[name]!, `lv/variants:${name}`, ["--preserve-digests"]);
      const m = JSON.parse((await reg.manifest("lv/variants", name)).body.toString());
      types[name] = [...new Set<string>(m.layers.map((l: { mediaType: string }) => l.mediaType))];
      annotations[name] = [
        ...new Set<string>(
          m.layers.flatMap((l: { annotations?: object }) => Object.keys(l.annotations ?? {})),
        ),
      ].sort();
    }
    expect(types).toEqual({
      ociGzip: ["application/vnd.oci.image.layer.v1.tar+gzip"],
      zstd: ["application/vnd.oci.image.layer.v1.tar+zstd"],
      zstdChunked: ["application/vnd.oci.image.layer.v1.tar+zstd"],
    });
    expect(annotations.zstd).toEqual([]);
    expect(annotations.zstdChunked).toEqual([
      "io.containers.zstd-chunked.manifest-checksum",
      "io.containers.zstd-chunked.manifest-position",
    ]);
  });

  it("the eStargz fixture keeps its TOC annotations", async () => {
    const images = await testImages({ big: false });
    await reg.push(images.refs.estargzArchive!, "lv/estargz:1", ["--preserve-digests"]);
    const m = JSON.parse((await reg.manifest("lv/estargz", "1")).body.toString());
    expect(m.layers[0].annotations["containerd.io/snapshot/stargz/toc.digest"]).toMatch(/^sha256:/);
  });

  it("pushIndex makes a multi-platform index; asked with manifest types only it is a 404", async () => {
    const images = await testImages({ big: false });
    // A fresh registry: in `reg` skopeo would reuse the zstd blobs pushed above and turn the docker
    // archive's manifest into an OCI one with zstd layers (the blob-reuse trap).
    const fresh = await startRegistry();
    try {
      await checkIndex(fresh, images);
    } finally {
      await fresh.stop();
    }
  });

  async function checkIndex(reg: RunningRegistry, images: Awaited<ReturnType<typeof testImages>>) {
    const idx = await pushIndex(reg, "lv/multi", "1", [
      { src: images.refs.dockerArchive!, platform: { architecture: "amd64", os: "linux" } },
      {
        src: images.refs.estargzArchive!,
        flags: ["--preserve-digests"],
        platform: { architecture: "arm64", os: "linux" },
      },
    ]);
    const got = await reg.manifest("lv/multi", "1");
    expect(got.digest).toBe(idx.digest);
    expect(got.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const index = JSON.parse(got.body.toString());
    expect(
      index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
    ).toEqual(["amd64", "arm64"]);
    expect(index.manifests.map((m: { mediaType: string }) => m.mediaType)).toEqual([
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
    ]);
    const narrow = await httpRequest(`${reg.url}/v2/lv/multi/manifests/1`, {
      headers: {
        Accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    });
    expect(narrow.status).toBe(404);
    const child = await httpRequest(`${reg.url}/v2/lv/multi/manifests/${idx.members[1]!.digest}`, {
      headers: { Accept: MANIFEST_ACCEPT },
    });
    expect(sha256(child.body)).toBe(idx.members[1]!.digest);
  }

  it("putBlob/putManifest store hand-made content; a missing blob is MANIFEST_BLOB_UNKNOWN; delete works", async () => {
    const junk = Buffer.from("this is not a gzip stream\n");
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [sha256(junk)] },
      }),
    );
    const jd = await reg.putBlob("lv/hand", junk);
    const cd = await reg.putBlob("lv/hand", config);
    expect(jd).toBe(sha256(junk));
    const manifest = (layerDigest: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: cd, size: config.length },
          layers: [
            {
              mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
              digest: layerDigest,
              size: junk.length,
            },
          ],
        }),
      );
    const body = manifest(jd);
    const md = await reg.putManifest("lv/hand", "broken", body, "application/vnd.oci.image.manifest.v1+json");
    expect(md).toBe(sha256(body));
    expect((await httpRequest(`${reg.url}/v2/lv/hand/blobs/${jd}`)).body).toEqual(junk);
    const missing = await httpRequest(`${reg.url}/v2/lv/hand/manifests/missing`, {
      method: "PUT",
      headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest(`sha256:${"0".repeat(64)}`),
    });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body.toString()).errors[0].code).toBe("MANIFEST_BLOB_UNKNOWN");
    reg.corruptStoredBlob(jd, 3);
    const bad = await httpRequest(`${reg.url}/v2/lv/hand/blobs/${jd}`);
    expect(bad.status).toBe(200);
    expect(bad.body.length).toBe(junk.length);
    expect(sha256(bad.body)).not.toBe(jd);
    await reg.deleteManifest("lv/hand", md);
    expect(
      (await httpRequest(`${reg.url}/v2/lv/hand/manifests/broken`, { headers: { Accept: MANIFEST_ACCEPT } }))
        .status,
    ).toBe(404);
  });
});

describeRegistry(
  "registry harness: big eStargz image (ctr-remote)",
  () => {
    let reg: RunningRegistry;
    beforeAll(async () => {
      reg = await startRegistry();
    });
    afterAll(() => reg?.stop());

    it("builds (once per machine), pushes with its TOC annotations, and serves its 51-byte footer by range", async () => {
      const t = performance.now();
      const images = await testImages();
      const took = performance.now() - t;
      expect(images.bigEstargz, images.reasons.bigEstargz).not.toBeNull();
      const stats = bigImageStats(images.bigGzip!);
      console.info(
        `[registry harness] big eStargz ready in ${Math.round(took)} ms (built in ${JSON.stringify(images.timings)}; ${JSON.stringify(stats)})`,
      );
      expect(stats.files).toBeGreaterThan(3000);
      expect(stats.uncompressedBytes).toBeGreaterThan(30 * 1024 * 1024);
      const tp = performance.now();
      const digest = await reg.push(images.refs.bigEstargz!, "lv/big:estargz", ["--preserve-digests"]);
      console.info(`[registry harness] big eStargz pushed in ${Math.round(performance.now() - tp)} ms`);
      const m = JSON.parse((await reg.manifest("lv/big", digest)).body.toString());
      expect(m.layers).toHaveLength(2);
      const big = m.layers[0];
      expect(big.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
      expect(big.annotations["containerd.io/snapshot/stargz/toc.digest"]).toMatch(/^sha256:/);
      expect(Number(big.annotations["io.containers.estargz.uncompressed-size"])).toBeGreaterThan(
        30 * 1024 * 1024,
      );
      expect(big.size).toBeGreaterThan(20 * 1024 * 1024);
      const path = `/v2/lv/big/blobs/${big.digest}`;
      const footer = await httpRequest(`${reg.url}${path}`, { headers: { Range: "bytes=-51" } });
      expect(footer.status).toBe(206);
      expect(footer.body).toHaveLength(51);
      expect(footer.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(footer.body.toString("latin1")).toContain("STARGZ");
      const served = (await reg.served()).filter((s) => s.path === path);
      expect(served.at(-1)).toMatchObject({
        status: 206,
        bytes: 51,
        range: `bytes=${big.size - 51}-${big.size - 1}`,
      });
      // The gzip original is there too, for comparing a lazy read with a full one.
      const gz = await reg.push(images.refs.bigGzip!, "lv/big:gzip", ["--preserve-digests"]);
      const mg = JSON.parse((await reg.manifest("lv/big", gz)).body.toString());
      expect(mg.layers[0].annotations).toBeUndefined();
    }, 900_000);
  },
  { estargz: true },
);
