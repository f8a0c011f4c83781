import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import { ImageModel } from "../../src/model/image-model.js";
import { ImagePackages } from "../../src/model/packages.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { readFileContent } from "../../src/sources/content.js";
import { LayerIndexCache } from "../../src/sources/layer-index-cache.js";
import { processCredentialEnv } from "../../src/sources/registry/credentials.js";
import { type RegistryReadOptions, readRegistryImage } from "../../src/sources/registry/registry-image.js";
import { processTlsEnv } from "../../src/sources/registry/tls-config.js";
import { openImage } from "../../src/sources/resolve.js";
import type { ImageData } from "../../src/sources/types.js";
import { cli, ensureBuilt } from "../cli/run-cli.js";
import {
  type FaultProxy,
  missingReason,
  missingTools,
  pushIndex,
  type RunningRegistry,
  requireRegistry,
  startFaultProxy,
  startRegistry,
  type TestImages,
  testImages,
} from "./harness.js";

const missing = [
  ...new Set([...missingTools({ tls: true, auth: "token" }), ...missingTools({ auth: "basic" })]),
];
const run = missing.length === 0 || requireRegistry();
const suite = run ? describe : describe.skip;
const title = run
  ? "registry source (real distribution registry)"
  : `registry source ${missingReason(missing)}`;

/** The JSON report without what names where the image came from. */
function report(data: ImageData): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(buildJsonReport(ImageModel.build(data)))) as {
    image: Record<string, unknown>;
  };
  delete json.image.source;
  delete json.image.reference;
  delete json.image.tags;
  // Layers listed from a TOC (eStargz, zstd:chunked) have no package databases read: `known` says so.
  for (const l of (json as unknown as { packages: { layers: { known?: boolean }[] } }).packages.layers)
    delete l.known;
  return json;
}

/** Per layer, whether its package databases were read. */
const packagesKnown = (data: ImageData) =>
  new ImagePackages(ImageModel.build(data)).layers.map((l) => l.known);

/** Fast retries and short stalls: the tests inject faults on purpose. */
const quick: Pick<RegistryReadOptions, "retry" | "timeouts"> = {
  retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100, resumes: 3 },
  timeouts: { connectMs: 5000, stallMs: 3000 },
};

/** A home with nothing in it: no docker config, no certs.d. */
function emptyHome(): string {
  return mkdtempSync(join(tmpdir(), "lv-home-"));
}

function isolated(home: string, env: Record<string, string | undefined> = {}) {
  const base = { HOME: home, PATH: process.env.PATH, ...env };
  return {
    credentialEnv: { ...processCredentialEnv(), env: base, home },
    tlsEnv: { ...processTlsEnv(), env: base, home },
  };
}

suite(title, () => {
  let images: TestImages;
  let plain: RunningRegistry;
  const homes: string[] = [];
  const home = () => {
    const h = emptyHome();
    homes.push(h);
    return h;
  };

  beforeAll(async () => {
    images = await testImages({ big: true });
    plain = await startRegistry();
    await plain.push(images.refs.ociGzip!, "fx/gzip:1", ["--preserve-digests"]);
  }, 600_000);

  afterAll(async () => {
    await plain?.stop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it("reads an image over plain HTTP on loopback exactly as its OCI layout reads", async () => {
    const fromRegistry = await readRegistryImage(`${plain.host}/fx/gzip:1`, { ...isolated(home()) });
    const fromDir = await openImage(images.ociGzip!);
    expect(fromRegistry.diagnostics).toEqual([]);
    expect(report(fromRegistry)).toEqual(report(fromDir));
    expect(fromRegistry.source).toBe(`registry://${plain.host}/fx/gzip:1`);
    expect(fromRegistry.reference).toBe(`${plain.host}/fx/gzip:1`);
    expect(fromRegistry.transfer.layers.every((l) => l === "stream")).toBe(true);
  });

  it("hands out the layers read so far as images of their own while the rest downloads", async () => {
    await plain.push(images.refs.dockerArchive!, "fx/docker:1");
    const snapshots: { layersRead: number; model: ImageModel }[] = [];
    const data = await readRegistryImage(`${plain.host}/fx/docker:1`, {
      ...isolated(home()),
      onPartial: (layersRead, snapshot) =>
        snapshots.push({ layersRead, model: ImageModel.build(snapshot()) }),
    });
    const full = ImageModel.build(data);
    expect(snapshots.map((p) => p.layersRead)).toEqual(
      Array.from({ length: full.layerCount - 1 }, (_, i) => i + 1),
    );
    const visible = (m: ImageModel, layer: number) => {
      const out: string[] = [];
      for (let n = 1; n < m.paths.size; n++) if (m.visibleAt(n, layer) >= 0) out.push(m.paths.path(n));
      return out.sort();
    };
    for (const p of snapshots) {
      expect(visible(p.model, p.layersRead - 1)).toEqual(visible(full, p.layersRead - 1));
      expect(visible(p.model, full.layerCount - 1)).toEqual(visible(full, p.layersRead - 1));
    }
  });

  it("calls onImage with the layer list before any layer byte is fetched", async () => {
    const proxy = await startFaultProxy(plain);
    try {
      let blobsAtImage = -1;
      let layers = 0;
      await readRegistryImage(`${proxy.host}/fx/gzip:1`, {
        ...isolated(home()),
        onImage: (info) => {
          layers = info.layers.length;
          blobsAtImage = proxy.requests().filter((r) => /\/blobs\//.test(r.path)).length;
        },
      });
      expect(layers).toBeGreaterThan(1);
      expect(blobsAtImage).toBe(1); // the config blob only
    } finally {
      await proxy.stop();
    }
  });

  it("reads zstd, zstd:chunked and eStargz layers as their own archives read, the TOC formats lazily", async () => {
    const reg = await startRegistry();
    try {
      await reg.push(images.refs.zstd!, "fx/zstd:1", ["--preserve-digests"]);
      await reg.push(images.refs.zstdChunked!, "fx/chunked:1", ["--preserve-digests"]);
      await reg.push(`oci-archive:${images.estargzArchive}`, "fx/estargz:1", ["--preserve-digests"]);
      const zstd = await readRegistryImage(`${reg.host}/fx/zstd:1`, isolated(home()));
      expect(report(zstd)).toEqual(report(await openImage(images.zstd!)));
      const chunked = await readRegistryImage(`${reg.host}/fx/chunked:1`, isolated(home()));
      expect(report(chunked)).toEqual(report(await openImage(images.zstdChunked!)));
      expect(chunked.transfer.layers.filter((l) => l === "zstd:chunked-toc").length).toBeGreaterThan(0);
      const estargz = await readRegistryImage(`${reg.host}/fx/estargz:1`, {
        ...isolated(home()),
        platform: "linux/arm64",
      });
      expect(report(estargz)).toEqual(
        report(await openImage(images.estargzArchive, { platform: "linux/arm64" })),
      );
      expect(estargz.transfer.layers).toEqual(["estargz-toc"]);
      expect(packagesKnown(estargz)).toEqual([false]);
      expect(packagesKnown(zstd).every(Boolean)).toBe(true);
    } finally {
      await reg.stop();
    }
  });

  it("lists a large eStargz layer from a small fraction of its blob", async () => {
    if (images.bigEstargz === null) {
      if (requireRegistry()) throw new Error(`no big eStargz image: ${images.reasons.bigEstargz}`);
      return;
    }
    const reg = await startRegistry();
    try {
      await reg.push(`oci-archive:${images.bigEstargz}`, "fx/big-estargz:1", ["--preserve-digests"]);
      const data = await readRegistryImage(`${reg.host}/fx/big-estargz:1`, isolated(home()));
      expect(report(data)).toEqual(report(await openImage(images.bigEstargz)));
      const served = await reg.served();
      // The 5 % rule is for layers of many MB: a small layer's footer and TOC are most of it.
      const blobs = data.readLayers.map((l) => l.descriptor).filter((d) => d.blobSize! > 1_000_000);
      expect(blobs.length).toBeGreaterThan(0);
      for (const d of blobs) {
        const bytes = served
          .filter((r) => r.path.endsWith(`/blobs/${d.digest}`))
          .reduce((n, r) => n + r.bytes, 0);
        expect(bytes, `bytes served of layer ${d.index}`).toBeLessThan(0.05 * d.blobSize!);
      }
    } finally {
      await reg.stop();
    }
  });

  it("chooses the platform of an index: the host's by default, --platform otherwise; never an attestation", async () => {
    const reg = await startRegistry();
    try {
      await pushIndex(reg, "fx/multi", "1", [
        { src: `docker-archive:${images.dockerArchive}`, platform: { os: "linux", architecture: "amd64" } },
        {
          src: `oci-archive:${images.estargzArchive}`,
          flags: ["--preserve-digests"],
          platform: { os: "linux", architecture: "arm64", variant: "v8" },
        },
      ]);
      const amd = await readRegistryImage(`${reg.host}/fx/multi:1`, {
        ...isolated(home()),
        platform: "linux/amd64",
      });
      expect(amd.layers.length).toBe(14);
      const arm = await readRegistryImage(`${reg.host}/fx/multi:1`, {
        ...isolated(home()),
        platform: "linux/arm64",
      });
      expect(arm.layers.length).toBe(1);
      await expect(
        readRegistryImage(`${reg.host}/fx/multi:1`, { ...isolated(home()), platform: "linux/s390x" }),
      ).rejects.toThrow(/no linux\/s390x image; platforms: linux\/amd64, linux\/arm64\/v8/);
    } finally {
      await reg.stop();
    }
  });

  it("trusts a TLS registry's CA found in a certs.d directory, and refuses it without", async () => {
    const reg = await startRegistry({ tls: true });
    try {
      await reg.push(images.refs.ociGzip!, "fx/tls:1", ["--preserve-digests"]);
      const untrusted = home();
      const refused = await readRegistryImage(`${reg.host}/fx/tls:1`, {
        ...isolated(untrusted),
        ...quick,
      }).catch((e) => e);
      expect(refused.message).toMatch(
        /TLS to the registry 127\.0\.0\.1:\d+ failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
      );
      expect(refused.hint).toMatch(/certs\.d/);
      const trusted = home();
      mkdirSync(join(trusted, ".docker"), { recursive: true });
      cpSync(reg.certsDir!, join(trusted, ".docker", "certs.d"), { recursive: true });
      const data = await readRegistryImage(`${reg.host}/fx/tls:1`, isolated(trusted));
      expect(data.readLayers.every((l) => l.error === null)).toBe(true);
    } finally {
      await reg.stop();
    }
  });

  describe("basic auth (htpasswd)", () => {
    let reg: RunningRegistry;
    const password = "s3cret-Pa55word";
    beforeAll(async () => {
      reg = await startRegistry({ auth: { kind: "basic", username: "alice", password } });
      await reg.push(images.refs.ociGzip!, "fx/private:1", ["--preserve-digests"]);
    }, 120_000);
    afterAll(() => reg?.stop());

    it("says how to log in when no credentials are found", async () => {
      const err = await readRegistryImage(`${reg.host}/fx/private:1`, isolated(home())).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/needs credentials .*HTTP 401/);
      expect(err.hint).toMatch(/docker login 127\.0\.0\.1:\d+/);
    });

    it("uses --creds, then the docker config's auths, and names the source of refused credentials", async () => {
      const ok = await readRegistryImage(`${reg.host}/fx/private:1`, {
        ...isolated(home()),
        creds: `alice:${password}`,
      });
      expect(ok.readLayers.length).toBeGreaterThan(0);
      const h = home();
      mkdirSync(join(h, ".docker"));
      const auth = Buffer.from(`alice:${password}`).toString("base64");
      writeFileSync(join(h, ".docker", "config.json"), JSON.stringify({ auths: { [reg.host]: { auth } } }));
      await readRegistryImage(`${reg.host}/fx/private:1`, isolated(h));
      const bad = await readRegistryImage(`${reg.host}/fx/private:1`, {
        ...isolated(home()),
        creds: "alice:wrong-password-xyz",
      }).catch((e) => e);
      expect(bad.message).toMatch(/refused the credentials from --creds/);
      expect(`${bad.message} ${bad.hint}`).not.toContain("wrong-password-xyz");
    });

    it("asks a docker credential helper on PATH", async () => {
      const h = home();
      const bin = join(h, "bin");
      mkdirSync(bin);
      writeFileSync(
        join(bin, "docker-credential-lvtest"),
        `#!/bin/sh\nread url\necho '{"ServerURL":"'"$url"'","Username":"alice","Secret":"${password}"}'\n`,
      );
      chmodSync(join(bin, "docker-credential-lvtest"), 0o755);
      mkdirSync(join(h, ".docker"));
      writeFileSync(
        join(h, ".docker", "config.json"),
        JSON.stringify({ credHelpers: { [reg.host]: "lvtest" } }),
      );
      // The helper is found on PATH, as the docker CLI finds it.
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        const data = await readRegistryImage(`${reg.host}/fx/private:1`, isolated(h));
        expect(data.readLayers.length).toBeGreaterThan(0);
      } finally {
        process.env.PATH = path;
      }
    });

    it("never prints a password, with --debug neither", () => {
      ensureBuilt();
      const h = home();
      for (const args of [
        ["--json", "--creds", "alice:not-the-Password-42", `registry://${reg.host}/fx/private:1`],
        ["--debug", "--json", "--creds", "alice:not-the-Password-42", `registry://${reg.host}/fx/private:1`],
        ["--debug", "--json", "--creds", `alice:${password}`, `registry://${reg.host}/fx/nope:1`],
      ]) {
        const r = cli(args, { env: { HOME: h, DOCKER_CONFIG: join(h, "none") } });
        expect(r.code).not.toBe(0);
        for (const secret of [
          "not-the-Password-42",
          password,
          Buffer.from(`alice:${password}`).toString("base64"),
        ]) {
          expect(r.stdout + r.stderr).not.toContain(secret);
        }
        expect(r.stderr).not.toMatch(/internal error/);
      }
    });
  });

  describe("token auth", () => {
    let reg: RunningRegistry;
    beforeAll(async () => {
      reg = await startRegistry({ auth: { kind: "token", username: "bob", password: "tokpass" } });
      await reg.push(images.refs.ociGzip!, "fx/tok:1", ["--preserve-digests"]);
    }, 120_000);
    afterAll(() => reg?.stop());

    it("follows the challenge to the token server, once per scope for the whole read", async () => {
      const before = reg.token!.requests().length;
      const data = await readRegistryImage(`${reg.host}/fx/tok:1`, {
        ...isolated(home()),
        creds: "bob:tokpass",
      });
      expect(data.readLayers.every((l) => l.error === null)).toBe(true);
      const asked = reg.token!.requests().slice(before);
      expect(asked.length).toBe(1);
      expect(asked[0]).toMatchObject({ grant: "basic", username: "bob", scopes: ["repository:fx/tok:pull"] });
    });

    it("uses an identity token (OAuth2 refresh grant) from the docker config", async () => {
      // A refresh token as `docker login` stores it: asked of the token server with access_type=offline.
      const form = new URLSearchParams({
        grant_type: "password",
        username: "bob",
        password: "tokpass",
        service: reg.token!.service,
        scope: "repository:fx/tok:pull",
        access_type: "offline",
        client_id: "test",
      });
      const res = await fetch(reg.token!.realm, {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      const { refresh_token } = (await res.json()) as { refresh_token: string };
      const h = home();
      mkdirSync(join(h, ".docker"));
      writeFileSync(
        join(h, ".docker", "config.json"),
        JSON.stringify({
          auths: {
            [reg.host]: { auth: Buffer.from("bob:").toString("base64"), identitytoken: refresh_token },
          },
        }),
      );
      const before = reg.token!.requests().length;
      await readRegistryImage(`${reg.host}/fx/tok:1`, isolated(h));
      expect(
        reg
          .token!.requests()
          .slice(before)
          .map((r) => r.grant),
      ).toEqual(["refresh_token"]);
    });

    it("says the token server refused the credentials, naming where they came from", async () => {
      const err = await readRegistryImage(`${reg.host}/fx/tok:1`, {
        ...isolated(home()),
        creds: "bob:nope",
      }).catch((e) => e);
      expect(err.message).toMatch(/token server .* refused the credentials from --creds/);
    });
  });

  it("passes silly auth by following its challenge", async () => {
    const reg = await startRegistry({ auth: { kind: "silly" } });
    try {
      await reg.push(images.refs.ociGzip!, "fx/silly:1", ["--preserve-digests"]);
      const data = await readRegistryImage(`${reg.host}/fx/silly:1`, isolated(home()));
      expect(data.readLayers.every((l) => l.error === null)).toBe(true);
    } finally {
      await reg.stop();
    }
  });

  describe("faults between layerview and the registry", () => {
    let proxy: FaultProxy;
    let expected: Record<string, unknown>;
    beforeAll(async () => {
      proxy = await startFaultProxy(plain);
      expected = report(await openImage(images.ociGzip!));
    });
    afterAll(() => proxy?.stop());
    const read = (extra: Partial<RegistryReadOptions> = {}) =>
      readRegistryImage(`${proxy.host}/fx/gzip:1`, { ...isolated(home()), ...quick, ...extra });
    const biggestLayer = async () => {
      const data = await openImage(images.ociGzip!);
      return [...data.layers].sort((a, b) => (b.blobSize ?? 0) - (a.blobSize ?? 0))[0]!;
    };

    it("retries 429 (honouring Retry-After) and 5xx", async () => {
      proxy.reset();
      proxy.fail({ path: /\/manifests\//, action: { kind: "status", status: 429, retryAfter: 1 } });
      proxy.fail({ path: /\/blobs\//, times: 2, action: { kind: "status", status: 503 } });
      const started = Date.now();
      expect(report(await read())).toEqual(expected);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(proxy.pending()).toBe(0);
    });

    it("resumes a blob whose connection drops, with Range from the byte reached", async () => {
      proxy.reset();
      const big = await biggestLayer();
      const at = Math.floor(big.blobSize! / 2);
      proxy.fail({ path: new RegExp(`/blobs/${big.digest}$`), action: { kind: "drop-after", bytes: at } });
      expect(report(await read())).toEqual(expected);
      const ranged = proxy
        .requests()
        .filter((r) => r.path.endsWith(big.digest!) && r.headers.range !== undefined);
      expect(ranged.map((r) => r.headers.range)).toEqual([`bytes=${at}-`]);
    });

    it("gives up on a blob that keeps dropping, with a clear line", async () => {
      proxy.reset();
      const big = await biggestLayer();
      proxy.fail({
        path: new RegExp(`/blobs/${big.digest}$`),
        times: 10,
        action: { kind: "drop-after", bytes: 100 },
      });
      await expect(read()).rejects.toThrow(/connection dropped 4 times while reading the blob of layer \d+/);
    });

    it("refuses a blob that does not match its digest, naming the layer", async () => {
      proxy.reset();
      const big = await biggestLayer();
      proxy.fail({ path: new RegExp(`/blobs/${big.digest}$`), action: { kind: "corrupt", at: 1000 } });
      const data = await read();
      const bad = data.readLayers[big.index]!;
      expect(bad.contents).toBeNull();
      expect(bad.error).toMatch(/does not match its digest/);
      expect(data.diagnostics.some((d) => d.severity === "error" && d.layer === big.index)).toBe(true);
    });

    it("reports a missing blob as that layer's error, and a missing tag as a clear error", async () => {
      proxy.reset();
      const big = await biggestLayer();
      proxy.fail({ path: new RegExp(`/blobs/${big.digest}$`), action: { kind: "status", status: 404 } });
      const data = await read();
      expect(data.readLayers[big.index]!.error).toMatch(/not found/);
      await expect(
        readRegistryImage(`${proxy.host}/fx/gzip:nope`, { ...isolated(home()), ...quick }),
      ).rejects.toThrow(/tag nope not found/);
      await expect(
        readRegistryImage(`${proxy.host}/fx/absent:1`, { ...isolated(home()), ...quick }),
      ).rejects.toThrow(/not found/);
    });

    it("answers 403 with the scope that was refused", async () => {
      proxy.reset();
      proxy.fail({
        path: /\/manifests\//,
        action: {
          kind: "status",
          status: 403,
          body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
        },
      });
      await expect(read()).rejects.toThrow(/access denied .*DENIED.*scope repository:fx\/gzip:pull/);
    });

    it("follows a redirect to blob storage without sending credentials there", async () => {
      proxy.reset();
      const big = await biggestLayer();
      proxy.fail({
        path: new RegExp(`/blobs/${big.digest}$`),
        action: { kind: "redirect", to: "other-host" },
      });
      // Credentials are sent to the registry's origin only; the storage host would refuse them (400).
      expect(report(await read({ creds: "someone:pw-not-for-storage" }))).toEqual(expected);
      const redirected = proxy.redirectedRequests();
      expect(redirected.length).toBe(1);
      expect(redirected[0]!.authorization).toBeUndefined();
    });

    it("times out a stalled registry", async () => {
      proxy.reset();
      proxy.fail({ path: /\/manifests\//, times: 10, action: { kind: "stall", ms: 4000 } });
      await expect(
        read({ timeouts: { stallMs: 500 }, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } }),
      ).rejects.toThrow(/did not answer in time/);
    });

    it("cancels every request at once when the signal aborts", async () => {
      proxy.reset();
      proxy.fail({ path: /\/blobs\//, times: 20, action: { kind: "stall", ms: 10_000, afterBytes: 10 } });
      const abort = new AbortController();
      setTimeout(() => abort.abort(new Error("user quit")), 300);
      const started = Date.now();
      await expect(read({ signal: abort.signal, timeouts: { stallMs: 20_000 } })).rejects.toThrow(
        /user quit/,
      );
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  it("reopens an image from the layer index cache without fetching its layers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lv-cache-"));
    homes.push(dir);
    const cache = LayerIndexCache.open({ dir });
    const first = await readRegistryImage(`${plain.host}/fx/gzip:1`, { ...isolated(home()), cache });
    const again = await readRegistryImage(`${plain.host}/fx/gzip:1`, { ...isolated(home()), cache });
    expect(again.transfer.layers.every((l) => l === "cache")).toBe(true);
    expect(report(again)).toEqual(report(first));
    expect(again.transfer.bytesReceived).toBeLessThan(first.transfer.bytesReceived / 10);
  });

  it("cats a file from a streamed layer and from an eStargz layer's chunks", async () => {
    const reg = await startRegistry();
    const text = async (s: NodeJS.ReadableStream) => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    try {
      await reg.push(images.refs.ociGzip!, "fx/gzip:1", ["--preserve-digests"]);
      await reg.push(`oci-archive:${images.estargzArchive}`, "fx/estargz:1", ["--preserve-digests"]);
      const env = isolated(home());
      const eStargz = await text(
        await readFileContent(`registry://${reg.host}/fx/estargz:1`, "/README.md", {
          ...env,
          platform: "linux/arm64",
        }),
      );
      const expectedReadme = await text(
        await readFileContent(images.estargzArchive, "/README.md", { platform: "linux/arm64" }),
      );
      expect(eStargz.length).toBe(11189);
      expect(eStargz.equals(expectedReadme)).toBe(true);
      const served = await reg.served();
      const readmeBlob = served.filter((r) => r.path.includes("/fx/estargz/blobs/") && r.status === 206);
      expect(readmeBlob.length).toBeGreaterThan(0);
      // A streamed layer: the biggest visible file of the gzip image, byte for byte.
      const model = ImageModel.build(await openImage(images.ociGzip!));
      const top = model.layerCount - 1;
      let best = -1;
      let bestSize = -1;
      for (let v = 0; v < model.versions.count; v++) {
        if (model.stack.type(v) !== 0 || model.stack.size(v) <= bestSize) continue;
        if (model.visibleAt(model.versions.node[v]!, top) !== v) continue;
        best = v;
        bestSize = model.stack.size(v);
      }
      const path = model.paths.path(model.versions.node[best]!);
      const got = await text(await readFileContent(`registry://${reg.host}/fx/gzip:1`, path, env));
      expect(got.equals(await text(await readFileContent(images.ociGzip!, path)))).toBe(true);
    } finally {
      await reg.stop();
    }
  });

  it("cats a file of an uncompressed layer with a Range of just its bytes, from the index and from the cache", async () => {
    const archive = images.ociUncompressedArchive;
    if (archive === null)
      throw new Error("the uncompressed OCI fixture is missing (../shared/fixtures/real)");
    const reg = await startRegistry();
    const dir = mkdtempSync(join(tmpdir(), "lv-cache-"));
    homes.push(dir);
    const text = async (s: NodeJS.ReadableStream) => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    try {
      await reg.push(`oci-archive:${archive}`, "fx/plain:1", ["--preserve-digests"]);
      const model = ImageModel.build(await openImage(archive));
      const top = model.layerCount - 1;
      let best = -1;
      for (let v = 0; v < model.versions.count; v++) {
        if (model.stack.type(v) !== 0 || model.visibleAt(model.versions.node[v]!, top) !== v) continue;
        if (best === -1 || model.stack.size(v) > model.stack.size(best)) best = v;
      }
      const path = model.paths.path(model.versions.node[best]!);
      const size = model.stack.size(best);
      expect(size).toBeGreaterThan(1000);
      const expected = await text(await readFileContent(archive, path));
      const env = isolated(home());
      const cache = LayerIndexCache.open({ dir });
      for (const round of ["streamed", "cached"]) {
        const before = (await reg.served()).length;
        const got = await text(
          await readFileContent(`registry://${reg.host}/fx/plain:1`, path, { ...env, cache }),
        );
        expect(got.equals(expected), `${round}: ${path}`).toBe(true);
        const requests = (await reg.served()).slice(before).filter((r) => r.path.includes("/blobs/"));
        const ranged = requests.filter((r) => r.status === 206);
        expect(ranged.length, `${round}: ranged reads`).toBeGreaterThan(0);
        expect(
          ranged.reduce((n, r) => n + r.bytes, 0),
          `${round}: bytes of ranged reads`,
        ).toBe(size);
        // Reopened from the cache, no layer blob is streamed again.
        const layerDigests = model.layers.map((l) => l.digest!);
        const whole = requests.filter(
          (r) => r.status === 200 && layerDigests.some((d) => r.path.endsWith(d)),
        );
        expect(whole.length, `${round}: layer blobs read whole`).toBe(
          round === "cached" ? 0 : model.layerCount,
        );
      }
    } finally {
      await reg.stop();
    }
  });

  it("reads a bare name from the registry when no daemon has it, saying so on stderr", () => {
    ensureBuilt();
    const h = home();
    const r = cli(["--json", `${plain.host}/fx/gzip:1`], {
      env: { HOME: h, DOCKER_HOST: `unix://${h}/no-docker.sock`, DOCKER_CONFIG: join(h, "none") },
    });
    expect(r.stderr).toMatch(
      /no usable Docker daemon .*; reading 127\.0\.0\.1:\d+\/fx\/gzip:1 from its registry/,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).image.source).toBe(`registry://${plain.host}/fx/gzip:1`);
  });

  it("diffs two registry images from the CLI", () => {
    ensureBuilt();
    const h = home();
    const r = cli(["diff", `registry://${plain.host}/fx/gzip:1`, `registry://${plain.host}/fx/gzip:1`], {
      env: { HOME: h, DOCKER_CONFIG: join(h, "none"), XDG_CACHE_HOME: join(h, "cache") },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
