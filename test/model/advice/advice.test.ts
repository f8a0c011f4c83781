import { describe, expect, it } from "vitest";
import {
  adviseImage,
  type Finding,
  type FindingKind,
  findingCategory,
  isSecretName,
  summarizeAdvice,
} from "../../../src/model/advice/index.js";
import { ImageModel } from "../../../src/model/image-model.js";
import { PathTable } from "../../../src/model/path-table.js";
import { type E, layerOf, modelOf } from "../helpers.js";

const of = (findings: Finding[], kind: FindingKind) => findings.filter((f) => f.kind === kind);
const x = (n: number) => "x".repeat(n);

/** A model with a config Env as well (modelOf has history only). */
function modelWithEnv(layers: E[][], env: string[]): ImageModel {
  const paths = new PathTable();
  return ImageModel.build({
    source: "test",
    reference: null,
    id: null,
    config: { config: { Env: env } },
    readLayers: layers.map((entries) => ({
      descriptor: { diffId: null, digest: null, mediaType: null, blobSize: null, compression: "none" },
      contents: layerOf(paths, entries),
      error: null,
    })),
    paths,
  });
}

describe("files deleted in a later layer", () => {
  const m = modelOf(
    [
      [{ name: "app/main", content: "main" }],
      [
        { name: "tmp/build/obj1.o", size: 1000 },
        { name: "tmp/build/obj2.o", size: 500 },
        { name: "tmp/notes.txt", size: 40 },
      ],
      [{ name: "tmp/.wh.build" }, { name: "tmp/.wh.notes.txt" }],
    ],
    [
      { created_by: "COPY app /app # buildkit" },
      { created_by: "RUN /bin/sh -c make # buildkit" },
      { created_by: "RUN /bin/sh -c rm -rf /tmp/build /tmp/notes.txt # buildkit" },
    ],
  );
  const f = of(adviseImage(m), "deleted-later");

  it("names the layer that added them and the one that deleted them, with the bytes", () => {
    // Layer 1 wrote 1000 + 500 + 40 = 1540 B; layer 2 deletes all of it (dir /tmp/build and /tmp/notes.txt).
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      layer: 1,
      instruction: "RUN make",
      relatedLayers: [2],
      bytesSaved: 1540,
      bytes: 1540,
      paths: ["/tmp/build", "/tmp/notes.txt"],
      pathCount: 2,
      severity: "low",
    });
    expect(f[0]!.message).toContain("layer 2 (RUN rm -rf /tmp/build /tmp/notes.txt) deletes");
    expect(f[0]!.suggestion).toContain("same RUN");
  });

  it("suggests .dockerignore when a COPY brought them in", () => {
    const copied = modelOf(
      [[{ name: "app/.git/pack", size: 700 }], [{ name: "app/.wh..git" }]],
      [
        { created_by: "COPY . /app # buildkit" },
        { created_by: "RUN /bin/sh -c rm -rf /app/.git # buildkit" },
      ],
    );
    const [d] = of(adviseImage(copied), "deleted-later");
    expect(d).toMatchObject({ layer: 0, relatedLayers: [1], bytesSaved: 700, paths: ["/app/.git"] });
    expect(d!.suggestion).toContain(".dockerignore");
  });

  it("covers opaque directories and directories replaced by a file", () => {
    const mm = modelOf([
      [
        { name: "srv/assets/a.js", size: 30 },
        { name: "srv/logs/boot.log", size: 8 },
      ],
      [
        { name: "srv/assets/.wh..wh..opq" },
        { name: "srv/assets/b.js", size: 5 },
        { name: "srv/logs", size: 3 },
      ],
    ]);
    const [d] = of(adviseImage(mm), "deleted-later");
    // 30 B under the opaque /srv/assets + 8 B under /srv/logs (now a file) = 38 B.
    expect(d).toMatchObject({
      layer: 0,
      relatedLayers: [1],
      bytesSaved: 38,
      paths: ["/srv/assets", "/srv/logs"],
    });
  });
});

describe("files rewritten without a content change", () => {
  const m = modelOf(
    [
      [
        { name: "app/server.sh", content: x(2000), mode: 0o644 },
        { name: "app/lib.js", content: x(3000), mode: 0o644 },
      ],
      [
        { name: "app/server.sh", content: x(2000), mode: 0o755 },
        { name: "app/lib.js", content: x(3000), mode: 0o644, uid: 1000 },
      ],
    ],
    [
      { created_by: "COPY app /app # buildkit" },
      { created_by: "RUN /bin/sh -c chown -R 1000 /app # buildkit" },
    ],
  );
  const [r] = of(adviseImage(m), "rewritten-unchanged");

  it("blames the rewriting layer and counts the copies it made", () => {
    // Layer 1 copies both files again: 2000 + 3000 = 5000 B that COPY --chmod/--chown would avoid.
    expect(r).toMatchObject({
      layer: 1,
      relatedLayers: [0],
      bytesSaved: 5000,
      paths: ["/app/lib.js", "/app/server.sh"],
    });
    expect(r!.message).toContain("only the mode or owner changed");
    expect(r!.suggestion).toContain("COPY --chmod");
    expect(r!.suggestion).toContain("layer 0");
  });

  it("says so when nothing at all changed", () => {
    const same = modelOf([[{ name: "a", content: x(1500) }], [{ name: "a", content: x(1500) }]]);
    const [s] = of(adviseImage(same), "rewritten-unchanged");
    expect(s).toMatchObject({ layer: 1, bytesSaved: 1500 });
    expect(s!.message).toContain("nothing about them changed");
  });

  it("is not confused with a real change", () => {
    const changed = modelOf([
      [{ name: "etc/conf", content: x(300) }],
      [{ name: "etc/conf", content: "y".repeat(400) }],
    ]);
    const advice = adviseImage(changed);
    expect(of(advice, "rewritten-unchanged")).toEqual([]);
    // The 300 B first version is what an "overwritten" finding saves.
    expect(of(advice, "overwritten")).toMatchObject([{ layer: 0, relatedLayers: [1], bytesSaved: 300 }]);
  });
});

describe("package-manager caches", () => {
  const m = modelOf(
    [
      [
        { name: "var/lib/apt/lists/deb.debian.org_dists_main", size: 5000 },
        { name: "var/lib/apt/lists/lock", size: 0 },
        { name: "var/cache/apt/archives/curl.deb", size: 7000 },
        { name: "var/cache/apt/pkgcache.bin", size: 900 },
        { name: "usr/bin/curl", size: 300 },
      ],
      [
        { name: "var/cache/apt/archives/.wh.curl.deb" },
        { name: "root/.cache/pip/http/ab/cd", size: 800 },
        { name: "home/app/.npm/_cacache/index", size: 600 },
        { name: "usr/local/share/.cache/yarn/v6/pkg", size: 400 },
        { name: "root/.cache/go-build/aa/bb-d", size: 300 },
        { name: "var/cache/apk/APKINDEX.tar.gz", size: 200 },
        { name: "var/cache/dnf/repo.solv", size: 100 },
        { name: "var/cache/yum/x86_64/primary.db", size: 50 },
      ],
    ],
    [
      { created_by: "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit" },
      { created_by: "RUN /bin/sh -c clean-ish # buildkit" },
    ],
  );
  const caches = of(adviseImage(m), "package-cache");
  const byLabel = (label: string) => caches.find((c) => c.message.includes(label));

  it("finds apt lists and archives, with what is still in the image and what was deleted", () => {
    // apt lists: 5000 B (+ the 0-byte lock) still visible.
    expect(byLabel("apt package lists")).toMatchObject({
      layer: 0,
      bytesSaved: 5000,
      paths: ["/var/lib/apt/lists"],
    });
    // apt archives: curl.deb 7000 (deleted by layer 1, still shipped) + pkgcache.bin 900 (visible) = 7900.
    const archives = byLabel("apt package archives")!;
    expect(archives).toMatchObject({
      layer: 0,
      bytesSaved: 7900,
      relatedLayers: [1],
      paths: ["/var/cache/apt"],
    });
    expect(archives.message).toContain("900 B still in the final image");
    expect(archives.message).toContain("7.0 kB deleted by a later layer");
  });

  it("finds pip, npm, yarn, Go, apk, dnf and yum caches, in any home directory", () => {
    expect(byLabel("pip cache")).toMatchObject({ layer: 1, bytesSaved: 800, paths: ["/root/.cache/pip"] });
    expect(byLabel("npm cache")).toMatchObject({ layer: 1, bytesSaved: 600, paths: ["/home/app/.npm"] });
    expect(byLabel("yarn cache")).toMatchObject({ bytesSaved: 400, paths: ["/usr/local/share/.cache/yarn"] });
    expect(byLabel("Go build cache")).toMatchObject({ bytesSaved: 300, paths: ["/root/.cache/go-build"] });
    expect(byLabel("apk cache")).toMatchObject({ bytesSaved: 200 });
    expect(byLabel("dnf cache")).toMatchObject({ bytesSaved: 100 });
    expect(byLabel("yum cache")).toMatchObject({ bytesSaved: 50 });
    expect(byLabel("pip cache")!.suggestion).toContain("--no-cache-dir");
    expect(byLabel("apk cache")!.suggestion).toContain("--no-cache");
    expect(caches).toHaveLength(9);
  });

  it("does not count a cache deleted later a second time as deleted-later", () => {
    expect(of(adviseImage(m), "deleted-later")).toEqual([]);
  });
});

describe("identical content at several paths", () => {
  const m = modelOf(
    [
      [
        { name: "opt/a/lib.so", content: x(2000) },
        { name: "opt/b/lib.so", content: x(2000) },
        { name: "opt/small1", content: "tiny" },
        { name: "opt/small2", content: "tiny" },
      ],
      [{ name: "srv/copy.so", content: x(2000) }],
    ],
    [
      { created_by: "RUN /bin/sh -c install # buildkit" },
      { created_by: "RUN /bin/sh -c cp /opt/a/lib.so /srv/copy.so" },
    ],
  );
  const dups = of(adviseImage(m), "duplicate-content");

  it("keeps the oldest copy and counts the others", () => {
    // Three visible 2000 B copies: keeping one saves 2 × 2000 = 4000 B. The 4-byte files are under the 1 kB minimum.
    expect(dups).toHaveLength(1);
    expect(dups[0]).toMatchObject({
      layer: 1,
      relatedLayers: [0],
      bytesSaved: 4000,
      bytes: 6000,
      paths: ["/opt/a/lib.so", "/opt/b/lib.so", "/srv/copy.so"],
      pathCount: 3,
    });
  });

  it("reports small duplicates when asked to", () => {
    const small = of(adviseImage(m, { minDuplicateBytes: 1 }), "duplicate-content");
    expect(small.map((d) => d.bytesSaved).sort((a, b) => a - b)).toEqual([4, 4000]);
  });
});

describe("large files", () => {
  const m = modelOf([
    [
      { name: "data/big.bin", size: 6000 },
      { name: "data/almost.bin", size: 4999 },
    ],
  ]);
  it("lists visible files at or over the threshold, saving nothing by themselves", () => {
    const large = of(adviseImage(m, { largeFileBytes: 5000 }), "large-file");
    expect(large).toMatchObject([
      { paths: ["/data/big.bin"], bytes: 6000, bytesSaved: 0, severity: "low", layer: 0 },
    ]);
    expect(of(adviseImage(m), "large-file")).toEqual([]);
    expect(of(adviseImage(m, { largeFileBytes: 0 }), "large-file")).toEqual([]);
  });
});

describe("secret-looking files", () => {
  const m = modelOf(
    [
      [
        { name: "root/.ssh/id_rsa", content: "-----BEGIN RSA PRIVATE KEY-----" },
        { name: "root/.ssh/id_rsa.pub", content: "ssh-rsa AAAA" },
        { name: "root/.ssh/known_hosts", content: "host" },
        { name: "app/.env", content: "DB_PASSWORD=hunter2" },
        { name: "app/.env.example", content: "DB_PASSWORD=" },
        { name: "app/empty/.env", content: "" },
        { name: "app/tls/server.key", content: "key" },
        { name: "etc/ssl/certs/ca-certificates.pem", content: "cert" },
        { name: "home/u/.docker/config.json", content: "{auths}" },
        { name: "home/u/.aws/credentials", content: "[default]" },
        { name: "home/u/.npmrc", content: "//registry/:_authToken=x" },
        { name: "home/u/.git-credentials", content: "https://u:p@host" },
        { name: "root/.config/gcloud/application_default_credentials.json", content: "{}" },
        { name: "app/id_ed25519", content: "key" },
        { name: "app/_netrc", content: "machine" },
      ],
      [{ name: "root/.wh..ssh" }],
    ],
    [{ created_by: "COPY . / # buildkit" }, { created_by: "RUN /bin/sh -c rm -rf /root/.ssh # buildkit" }],
  );
  const secrets = of(adviseImage(m), "secret-file");
  const paths = secrets.map((s) => s.paths[0]);

  it("flags keys and credential files by name, even when a later layer deleted them", () => {
    expect(paths.sort()).toEqual([
      "/app/.env",
      "/app/_netrc",
      "/app/id_ed25519",
      "/app/tls/server.key",
      "/home/u/.aws/credentials",
      "/home/u/.docker/config.json",
      "/home/u/.git-credentials",
      "/home/u/.npmrc",
      "/root/.config/gcloud/application_default_credentials.json",
      "/root/.ssh/id_rsa",
    ]);
    const key = secrets.find((s) => s.paths[0] === "/root/.ssh/id_rsa")!;
    expect(key).toMatchObject({ severity: "high", bytesSaved: 0, layer: 0 });
    expect(key.message).toContain("layer 1 deletes it, but it can still be read from layer 0's blob");
    expect(findingCategory(key.kind)).toBe("exposure");
    const env = secrets.find((s) => s.paths[0] === "/app/.env")!;
    expect(env.message).toContain("it is in the final image");
    expect(secrets.find((s) => s.paths[0] === "/app/tls/server.key")!.severity).toBe("medium");
  });

  it("leaves public keys, templates, empty files and CA bundles alone", () => {
    for (const p of [
      "/root/.ssh/id_rsa.pub",
      "/root/.ssh/known_hosts",
      "/app/.env.example",
      "/app/empty/.env",
    ]) {
      expect(paths).not.toContain(p);
    }
    expect(paths).not.toContain("/etc/ssl/certs/ca-certificates.pem");
  });
});

describe("build arguments and environment recorded in the image", () => {
  const m = modelOf(
    [[{ name: "app/x", content: "x" }], [{ name: "app/y", content: "y" }]],
    [
      { created_by: "|2 NPM_TOKEN=s3cr3t-value VERSION=1.2 /bin/sh -c npm ci" },
      { created_by: "ARG NPM_TOKEN", empty_layer: true },
      { created_by: "|2 NPM_TOKEN=s3cr3t-value VERSION=1.2 /bin/sh -c npm run build" },
    ],
  );
  const advice = adviseImage(m);

  it("flags secret-looking build args, redacted, once per value", () => {
    const [s] = of(advice, "secret-build-arg");
    expect(of(advice, "secret-build-arg")).toHaveLength(1);
    expect(s).toMatchObject({ severity: "high", layer: 0, relatedLayers: [1], bytesSaved: 0 });
    expect(s!.message).toContain("NPM_TOKEN=<redacted, 12 chars>");
    expect(JSON.stringify(advice)).not.toContain("s3cr3t");
    expect(s!.suggestion).toContain("--mount=type=secret");
  });

  it("lists the other build args as information", () => {
    expect(of(advice, "build-arg")).toMatchObject([
      { severity: "low", message: expect.stringContaining("VERSION=1.2") },
    ]);
  });

  it("flags secret-looking ENV values but not key fingerprints or paths", () => {
    const env = modelWithEnv(
      [[{ name: "a", content: "a" }]],
      [
        "PATH=/bin",
        "API_TOKEN=abc",
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        "SSL_KEY_FILE=/run/k",
        "DB_PASSWORD=",
      ],
    );
    const found = of(adviseImage(env), "secret-env");
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain("API_TOKEN=<redacted, 3 chars>");
    expect(isSecretName("AWS_SECRET_ACCESS_KEY")).toBe(true);
    expect(isSecretName("NODE_VERSION")).toBe(false);
  });
});

describe("accounting", () => {
  // Every wasted byte lands in exactly one size finding: 700 (deleted) + 1200 (rewritten) +
  // 300 (overwritten) + 900 (apt lists, deleted later) = 3100 = the image's wasted bytes.
  const m = modelOf([
    [
      { name: "tmp/junk", size: 700 },
      { name: "app/a", content: x(1200), mode: 0o644 },
      { name: "etc/c", content: x(300) },
      { name: "var/lib/apt/lists/l", size: 900 },
      { name: "keep", size: 50 },
    ],
    [
      { name: "app/a", content: x(1200), mode: 0o600 },
      { name: "etc/c", content: "z".repeat(10) },
    ],
    [{ name: ".wh.tmp" }, { name: "var/lib/apt/.wh.lists" }],
  ]);
  const advice = adviseImage(m);

  it("adds up to the wasted bytes, nothing counted twice", () => {
    const waste = m.waste().wastedBytes;
    expect(waste).toBe(3100);
    const sizeKinds: FindingKind[] = ["deleted-later", "rewritten-unchanged", "overwritten", "package-cache"];
    const total = advice.filter((f) => sizeKinds.includes(f.kind)).reduce((s, f) => s + f.bytesSaved, 0);
    expect(total).toBe(waste);
    expect(summarizeAdvice(advice)).toMatchObject({ bytesSaved: 3100, exposures: 0 });
  });

  it("orders exposures first, then the biggest savings", () => {
    const withSecret = modelOf([
      [
        { name: "a/.env", content: "X=1" },
        { name: "big", size: 5_000_000 },
      ],
      [{ name: ".wh.big" }],
    ]);
    const kinds = adviseImage(withSecret).map((f) => [f.kind, f.severity]);
    expect(kinds).toEqual([
      ["secret-file", "high"],
      ["deleted-later", "medium"],
    ]);
  });
});
