import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readImage, readImageStream } from "../../src/sources/archive.js";
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from "../../src/sources/platform.js";
import { buildArchive, buildImage, fixtureDir, removeFixtures, writeFixture } from "../fixtures/images.js";
import { describeImage, streamOf, userError } from "./helpers.js";
import { tinyExpected, tinyImage } from "./specs.js";

afterAll(removeFixtures);

const untagged = { layers: [{ "untagged.txt": "u" }] };
const untaggedId = buildImage(untagged).configDigest.slice("sha256:".length, "sha256:".length + 12);

function several(flavor: "docker" | "docker25" | "oci" | "podman" = "docker") {
  return buildArchive([tinyImage("app:1.0"), tinyImage("app:2.0"), tinyImage("other:latest"), untagged], {
    flavor,
  });
}

describe("choosing one of several images", () => {
  it("lists the images when none was named", async () => {
    const path = await writeFixture("several.tar", several());
    const err = await userError(readImage(path, {}));
    expect(err.message).toBe(
      `${path} holds 4 images: app:1.0; app:2.0; other:latest; <untagged> ${untaggedId}`,
    );
    expect(err.hint).toContain(`${path}:app:1.0`);
  });

  it.each([
    ["app:2.0", "app:2.0"],
    ["other", "other:latest"],
    ["docker.io/library/app:1.0", "app:1.0"],
    ["library/app:2.0", "app:2.0"],
  ])("picks %s", async (query, chosen) => {
    const path = await writeFixture("several.tar", several());
    const d = await readImage(path, { image: query });
    expect(d.reference).toBe(chosen);
    expect(describeImage(d)).toEqual([tinyExpected(chosen)]);
  });

  it("picks by image ID prefix", async () => {
    const path = await writeFixture("several.tar", several());
    const d = await readImage(path, { image: untaggedId.slice(0, 8) });
    expect(describeImage(d)).toEqual([["/untagged.txt file 1"]]);
    expect(d.reference).toBeNull();
    const again = await readImage(path, { image: `sha256:${untaggedId}` });
    expect(again.id).toBe(d.id);
  });

  it("reports an ambiguous name with its matches", async () => {
    const path = await writeFixture("several.tar", several());
    const err = await userError(readImage(path, { image: "app" }));
    expect(err.message).toBe(`${path}: 'app' matches 2 images: app:1.0; app:2.0`);
  });

  it("reports an unknown name with what is there", async () => {
    const path = await writeFixture("several.tar", several());
    const err = await userError(readImage(path, { image: "nope:1" }));
    expect(err.message).toBe(
      `${path} has no image 'nope:1'; it holds: app:1.0; app:2.0; other:latest; <untagged> ${untaggedId}`,
    );
  });

  it("takes ARCHIVE:name:tag and ARCHIVE:name suffixes when the path does not exist as written", async () => {
    const path = await writeFixture("several.tar", several());
    expect((await readImage(`${path}:app:2.0`, {})).reference).toBe("app:2.0");
    expect((await readImage(`${path}:other`, {})).reference).toBe("other:latest");
    const d = await readImage(`${path}:app:1.0`, {});
    expect(d.source).toBe(`${path}:app:1.0`);
    const err = await userError(readImage(`${path}:app:1.0`, { image: "app:2.0" }));
    expect(err.message).toBe(`${path}:app:1.0 names image 'app:1.0' but 'app:2.0' was asked for too`);
  });

  it("prefers an existing file whose name contains a colon", async () => {
    const path = await writeFixture("odd:name.tar", buildArchive(tinyImage("x:1")));
    expect((await readImage(path, {})).reference).toBe("x:1");
  });

  it.each(["docker25", "oci", "podman"] as const)("chooses by name in %s archives too", async (flavor) => {
    const path = await writeFixture(`several-${flavor}.tar`, several(flavor));
    const d = await readImage(path, { image: "app:2.0" });
    expect(describeImage(d)).toEqual([tinyExpected("app:2.0")]);
  });

  it("reads only the chosen image's blobs from a file", async () => {
    const path = await writeFixture("several.tar", several());
    const blobs = new Set<string>();
    const d = await readImage(path, { image: "app:2.0", onProgress: (p) => blobs.add(p.blob ?? "?") });
    expect([...blobs]).toHaveLength(1);
    expect(d.layers).toHaveLength(1);
  });

  it("drops the other images' layers from a stream, paths included", async () => {
    const d = await readImageStream(streamOf(several()), "-", { image: "app:2.0" });
    expect(describeImage(d)).toEqual([tinyExpected("app:2.0")]);
    expect(d.paths.lookup(["app_1.0.txt"])).toBe(-1);
    expect(d.paths.lookup(["app_2.0.txt"])).toBeGreaterThan(0);
    const err = await userError(readImageStream(streamOf(several()), "-", {}));
    expect(err.message).toMatch(
      /^- holds 4 images: app:1\.0; app:2\.0; other:latest; <untagged> [0-9a-f]{12}$/,
    );
  });

  it("reads a named pipe in one pass", async () => {
    const file = await writeFixture("several.tar", several());
    const fifo = join(fixtureDir(), "pipe.tar");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", 'cat "$1" > "$2"', "sh", file, fifo]);
    const closed = new Promise((r) => writer.on("close", r));
    const d = await readImage(`${fifo}:other`, {});
    expect(describeImage(d)).toEqual([tinyExpected("other:latest")]);
    await closed;
  });

  it("reads stdin for '-' and '-:name:tag'", async () => {
    const real = Object.getOwnPropertyDescriptor(process, "stdin")!;
    const withStdin = async (input: string) => {
      Object.defineProperty(process, "stdin", { value: streamOf(several(), 5000), configurable: true });
      try {
        return await readImage(input, {});
      } finally {
        Object.defineProperty(process, "stdin", real);
      }
    };
    const d = await withStdin("-:app:2.0");
    expect(describeImage(d)).toEqual([tinyExpected("app:2.0")]);
    expect(d.source).toBe("-:app:2.0");
    const err = await userError(withStdin("-"));
    expect(err.message).toMatch(/^- holds 4 images: /);
  });
});

const host = hostPlatform();
const hostText = formatPlatform(host);
const others = ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"].filter(
  (p) => !platformMatches(host, parsePlatform(p)),
);

function multi(platforms: string[], extra: { missing?: string[]; missingWhat?: "layers" | "all" } = {}) {
  return {
    tags: ["multi:2"],
    platforms: platforms.map((p) => ({ platform: p, layers: [{ [`${p.replace(/\//g, "-")}.txt`]: p }] })),
    attestations: true,
    ...extra,
  };
}

const layerOf = (p: string) => [[`/${p.replace(/\//g, "-")}.txt file ${p.length}`]];

describe("choosing a platform", () => {
  const all = [hostText, ...others];

  it("defaults to the host's platform and skips attestations", async () => {
    const path = await writeFixture("multi.tar", buildArchive(multi(all), { flavor: "containerd" }));
    const d = await readImage(path, {});
    expect(describeImage(d)).toEqual(layerOf(hostText));
    expect(d.platform).toBe(hostText);
    expect(d.reference).toBe("multi:2");
  });

  it.each([
    ["linux/arm64", "linux/arm64/v8"],
    ["linux/arm64/v8", "linux/arm64/v8"],
    ["linux/aarch64", "linux/arm64/v8"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/v7", "linux/arm/v7"],
    ["linux/amd64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
  ])("picks %s", async (wanted, platform) => {
    const bytes = buildArchive(multi(["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]), {
      flavor: "containerd",
    });
    const path = await writeFixture("multi3.tar", bytes);
    const d = await readImage(path, { platform: wanted });
    expect(describeImage(d)).toEqual(layerOf(platform));
    const s = await readImageStream(streamOf(bytes), "-", { platform: wanted });
    expect(describeImage(s)).toEqual(layerOf(platform));
  });

  it("lists the platforms when the wanted one is not there", async () => {
    const bytes = buildArchive(multi(["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]), {
      flavor: "containerd",
    });
    const path = await writeFixture("multi3.tar", bytes);
    const err = await userError(readImage(path, { platform: "linux/s390x" }));
    expect(err.message).toBe(
      `${path}: multi:2 has no linux/s390x image; platforms: linux/amd64, linux/arm64/v8, linux/arm/v7`,
    );
  });

  it("refuses to guess between platforms that are not the host's", async () => {
    const path = await writeFixture(
      "foreign.tar",
      buildArchive(multi(["linux/s390x", "linux/ppc64le"]), { flavor: "containerd" }),
    );
    const err = await userError(readImage(path, {}));
    expect(err.message).toBe(`${path}: multi:2 has images for several platforms: linux/s390x, linux/ppc64le`);
    expect(err.hint).toMatch(/platform/);
  });

  it("rejects a malformed platform", async () => {
    const path = await writeFixture(
      "multi3.tar",
      buildArchive(multi(["linux/amd64"]), { flavor: "containerd" }),
    );
    const err = await userError(readImage(path, { platform: "amd64" }));
    expect(err.message).toBe("invalid platform 'amd64': expected os/arch[/variant]");
  });

  it("checks the platform of a single-platform archive", async () => {
    const path = await writeFixture(
      "single.tar",
      buildArchive(tinyImage("s:1", { platform: "linux/amd64" })),
    );
    expect((await readImage(path, { platform: "linux/amd64" })).platform).toBe("linux/amd64");
    const err = await userError(readImage(path, { platform: "linux/arm64" }));
    expect(err.message).toBe(`${path}: s:1 has no linux/arm64 image; platforms: linux/amd64`);
  });

  describe("when other platforms' blobs were never pulled", () => {
    it("reads the platform that is there by default", async () => {
      const bytes = buildArchive(multi(["linux/s390x", "linux/ppc64le"], { missing: ["linux/ppc64le"] }), {
        flavor: "containerd",
      });
      const path = await writeFixture("partial.tar", bytes);
      expect(describeImage(await readImage(path, {}))).toEqual(layerOf("linux/s390x"));
      expect(describeImage(await readImageStream(streamOf(bytes), "-", {}))).toEqual(layerOf("linux/s390x"));
    });

    it("fails clearly when the chosen platform's layers are missing", async () => {
      const bytes = buildArchive(multi(["linux/s390x", "linux/ppc64le"], { missing: ["linux/ppc64le"] }), {
        flavor: "containerd",
      });
      const path = await writeFixture("partial.tar", bytes);
      const err = await userError(readImage(path, { platform: "linux/ppc64le" }));
      expect(err.message).toMatch(
        new RegExp(
          `^${path}: none of the 1 layer blobs of multi:2 \\(linux/ppc64le\\) are in the archive \\(first missing: blobs/sha256/[0-9a-f]{64}\\)$`,
        ),
      );
    });

    it("fails clearly when the chosen platform's manifest is missing", async () => {
      const bytes = buildArchive(
        multi(["linux/s390x", "linux/ppc64le"], { missing: ["linux/ppc64le"], missingWhat: "all" }),
        { flavor: "containerd" },
      );
      const path = await writeFixture("partial-all.tar", bytes);
      const err = await userError(readImage(path, { platform: "linux/ppc64le" }));
      expect(err.message).toMatch(
        new RegExp(
          `^${path}: multi:2 \\(linux/ppc64le\\) is not in the archive: its manifest sha256:[0-9a-f]{12}… is not in the archive$`,
        ),
      );
      expect(describeImage(await readImage(path, {}))).toEqual(layerOf("linux/s390x"));
    });
  });

  it("merges Docker 29's manifest.json names into the containerd index", async () => {
    const bytes = buildArchive(multi(["linux/s390x", hostText], { missing: ["linux/s390x"] }), {
      flavor: "containerd",
      dockerManifest: true,
    });
    const path = await writeFixture("docker29.tar", bytes);
    const d = await readImage(path, {});
    expect(describeImage(d)).toEqual(layerOf(hostText));
    expect(d.reference).toBe("multi:2");
  });
});
