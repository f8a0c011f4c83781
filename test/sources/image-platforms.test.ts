/**
 * What --platform completion offers: the platforms of an image, learnt from an archive's index and
 * manifests (no layer read), a daemon's inspect, or a registry index — and nothing unsafe for a shell.
 */
import type { ServerResponse } from "node:http";
import { afterAll, describe, expect, test } from "vitest";
import {
  completionWords,
  imagePlatforms,
  indexPlatforms,
  inspectPlatforms,
} from "../../src/sources/image-platforms.js";
import { startFakeDaemon } from "../engines/fake-daemon.js";
import {
  buildArchive,
  buildDockerArchive,
  buildOciLayout,
  removeFixtures,
  writeFixture,
} from "../fixtures/images.js";

afterAll(removeFixtures);

const layer = { "etc/os-release": "ID=test\n" };
const ATTESTATION = { "vnd.docker.reference.type": "attestation-manifest" };

describe("an index's platforms", () => {
  test("every runnable manifest, in the index's order; attestations left out", () => {
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { digest: "sha256:a", platform: { os: "linux", architecture: "amd64" } },
        {
          digest: "sha256:b",
          platform: { os: "unknown", architecture: "unknown" },
          annotations: ATTESTATION,
        },
        { digest: "sha256:c", platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        // An attestation known by its annotation alone, and one by its platform alone.
        { digest: "sha256:d", platform: { os: "linux", architecture: "arm64" }, annotations: ATTESTATION },
        { digest: "sha256:e", platform: { os: "unknown", architecture: "unknown" } },
        { digest: "sha256:f", platform: { os: "linux", architecture: "arm", variant: "v7" } },
        { digest: "sha256:g" },
        "not a descriptor",
      ],
    };
    expect(indexPlatforms(index)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
      { os: "linux", architecture: "arm", variant: "v7" },
    ]);
  });

  test("a single manifest or anything else is no index", () => {
    expect(indexPlatforms({ schemaVersion: 2, config: {}, layers: [] })).toBeNull();
    expect(indexPlatforms([1, 2])).toBeNull();
    expect(indexPlatforms(null)).toBeNull();
  });

  test("only words a shell takes as they are, each once, at most 64", () => {
    const words = completionWords([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "$(touch /tmp/pwned)" },
      { os: "linux", architecture: "arm64", variant: "v8\u001b[2J" },
      { os: "linux", architecture: "a b" },
      { os: "windows", architecture: "amd64", variant: "10.0.17763" },
    ]);
    expect(words).toEqual(["linux/amd64", "windows/amd64/10.0.17763"]);
    const many = Array.from({ length: 100 }, (_, i) => ({ os: "linux", architecture: `arch${i}` }));
    expect(completionWords(many)).toHaveLength(64);
  });
});

describe("an archive's platforms (index and manifests only)", () => {
  test("a containerd archive: its platforms, not its attestations", async () => {
    const path = await writeFixture(
      "multi.tar",
      buildArchive(
        {
          tags: ["app:1"],
          platforms: [
            { platform: "linux/amd64", layers: [layer] },
            { platform: "linux/arm64/v8", layers: [layer] },
            { platform: "linux/arm/v7", layers: [layer] },
          ],
        },
        { flavor: "containerd" },
      ),
    );
    expect(await imagePlatforms(path)).toEqual(["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]);
  });

  test("platforms never pulled are left out while others are there", async () => {
    const path = await writeFixture(
      "partial.tar",
      buildArchive(
        {
          tags: ["app:1"],
          platforms: [
            { platform: "linux/amd64", layers: [{ "bin/app": "amd64 build\n" }] },
            { platform: "linux/arm64", layers: [{ "bin/app": "arm64 build\n" }] },
          ],
          missing: ["linux/arm64"],
        },
        { flavor: "containerd" },
      ),
    );
    expect(await imagePlatforms(path)).toEqual(["linux/amd64"]);
  });

  test("docker save with one image: its config's os, architecture and variant", async () => {
    const path = await writeFixture(
      "armv7.tar",
      buildDockerArchive({ tags: ["app:1"], platform: "linux/arm/v7", layers: [layer] }),
    );
    expect(await imagePlatforms(path)).toEqual(["linux/arm/v7"]);
  });

  test("several images: the one --image or ARCHIVE:name names, else all of them", async () => {
    const path = await writeFixture(
      "two.tar",
      buildDockerArchive([
        { tags: ["a:1"], platform: "linux/s390x", layers: [layer] },
        { tags: ["b:1"], platform: "linux/ppc64le", layers: [layer] },
      ]),
    );
    expect(await imagePlatforms(path, { image: "b:1" })).toEqual(["linux/ppc64le"]);
    expect(await imagePlatforms(`${path}:a:1`, { source: "archive" })).toEqual(["linux/s390x"]);
    expect(await imagePlatforms(path)).toEqual(["linux/s390x", "linux/ppc64le"]);
  });

  test("an OCI layout directory", async () => {
    const dir = buildOciLayout(
      {
        platforms: [
          { platform: "linux/amd64", layers: [layer] },
          { platform: "linux/riscv64", layers: [layer] },
        ],
      },
      { flavor: "oci", dir: "layout" },
    );
    expect(await imagePlatforms(dir)).toEqual(["linux/amd64", "linux/riscv64"]);
  });

  test("unknown, not an error: a compressed archive, a damaged one, a missing file", async () => {
    const gz = await writeFixture(
      "multi.tar.gz",
      buildArchive(
        { platforms: [{ platform: "linux/amd64", layers: [layer] }] },
        { flavor: "containerd", outer: "gzip" },
      ),
    );
    expect(await imagePlatforms(gz)).toEqual([]);
    const broken = await writeFixture(
      "broken.tar",
      buildArchive(
        { platforms: [{ platform: "linux/amd64", layers: [layer] }] },
        { flavor: "containerd", replace: { "index.json": "{not json" } },
      ),
    );
    expect(await imagePlatforms(broken)).toEqual([]);
    expect(await imagePlatforms("/no/such/archive.tar")).toEqual([]);
  });
});

describe("a daemon's platforms", () => {
  test("the containerd store's manifests (those pulled), else the image's own", () => {
    const manifest = (platform: object, kind: string, available: boolean) => ({
      ID: "sha256:x",
      Descriptor: { mediaType: "application/vnd.oci.image.manifest.v1+json", platform },
      Available: available,
      Kind: kind,
      ...(kind === "image" ? { ImageData: { Platform: platform } } : {}),
    });
    const answer = {
      Id: "sha256:abc",
      Os: "linux",
      Architecture: "amd64",
      Manifests: [
        manifest({ os: "linux", architecture: "amd64" }, "image", true),
        manifest({ os: "unknown", architecture: "unknown" }, "attestation", true),
        manifest({ os: "linux", architecture: "arm64", variant: "v8" }, "image", true),
        manifest({ os: "linux", architecture: "s390x" }, "image", false),
      ],
    };
    expect(inspectPlatforms(answer)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ]);
    // Nothing pulled yet: every image manifest of the index.
    const none = { ...answer, Manifests: answer.Manifests.map((m) => ({ ...m, Available: false })) };
    expect(inspectPlatforms(none)).toHaveLength(3);
    // The classic store: one image, one platform.
    expect(inspectPlatforms({ Id: "sha256:abc", Os: "linux", Architecture: "arm", Variant: "v6" })).toEqual([
      { os: "linux", architecture: "arm", variant: "v6" },
    ]);
    expect(inspectPlatforms("nonsense")).toEqual([]);
  });

  const envFor = (host: string) => ({
    env: { DOCKER_HOST: host },
    home: "/nonexistent-home",
    exists: () => false,
    readFile: (): string => {
      throw new Error("no such file");
    },
  });

  test("asked with ?manifests=1; a daemon without the image, or one that hangs, gives nothing in time", async () => {
    const daemon = await startFakeDaemon((_req, res: ServerResponse, path) => {
      if (path.startsWith("/images/app:1/json")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ Id: "sha256:abc", Os: "linux", Architecture: "arm64", Variant: "v8" }));
      } else if (path.startsWith("/images/hang:1/json")) {
        // Never answers.
      } else {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: "No such image" }));
      }
    });
    try {
      const q = { source: "docker" as const, endpointEnv: envFor(daemon.host) };
      expect(await imagePlatforms("app:1", q)).toEqual(["linux/arm64/v8"]);
      expect(daemon.requests).toContain("GET /images/app:1/json?manifests=1");
      expect(await imagePlatforms("other:1", q)).toEqual([]);
      const started = performance.now();
      expect(await imagePlatforms("hang:1", { ...q, timeoutMs: 300 })).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await daemon.close();
    }
  });
});
