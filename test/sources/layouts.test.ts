import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { contentKey } from "../../src/model/layer-contents.js";
import { readImage, readImageStream } from "../../src/sources/archive.js";
import type { ImageData, ReadLayer, ReadProgress } from "../../src/sources/types.js";
import * as fixtures from "../fixtures/images.js";
import {
  type ArchiveOptions,
  buildArchive,
  buildOciLayout,
  type Compression,
  type Flavor,
  removeFixtures,
  sha256,
  writeFixture,
} from "../fixtures/images.js";
import { describeImage, streamOf } from "./helpers.js";
import { RICH_EXPECTED, richImage } from "./specs.js";

afterAll(removeFixtures);

const FLAVORS: Flavor[] = ["docker", "podman", "docker25", "kaniko", "oci", "containerd"];
const COMPRESSIONS: Compression[] = ["none", "gzip", "zstd"];

function checkRich(d: ImageData, compression: Compression): void {
  expect(describeImage(d)).toEqual(RICH_EXPECTED);
  expect(d.layers).toHaveLength(4);
  expect(d.readLayers.map((l) => l.descriptor.compression)).toEqual([
    compression,
    compression,
    compression,
    compression,
  ]);
  // The empty layer is listed twice but read once.
  expect(d.readLayers[2]!.contents).toBe(d.readLayers[3]!.contents);
  // DiffIDs come from the config, and match the uncompressed tars.
  for (const l of d.readLayers) expect(l.descriptor.diffId).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(d.readLayers[2]!.descriptor.diffId).toBe(d.readLayers[3]!.descriptor.diffId);
  if (compression === "none") {
    for (const l of d.readLayers) expect(l.descriptor.digest).toBe(l.descriptor.diffId);
  }
  for (const l of d.readLayers) expect(l.descriptor.blobSize).toBeGreaterThan(0);
  // The duplicate warning comes through as a diagnostic naming the layer.
  expect(d.diagnostics).toEqual([
    expect.objectContaining({
      severity: "warning",
      layer: 1,
      message: expect.stringMatching(/dup\.txt.*more than once/),
    }),
  ]);
  // Content hashes: the first 128 bits of SHA-256 of the file data.
  const base = d.readLayers[0]!.contents!;
  const tool = d.paths.lookup(["usr", "bin", "tool"]);
  const i = Array.from(base.node).indexOf(tool);
  const digest = createHash("sha256").update("T".repeat(3000)).digest();
  expect(contentKey(base, i)).toBe(digest.subarray(0, 16).toString("hex"));
  const change = d.readLayers[1]!.contents!;
  const dup = Array.from(change.node).indexOf(d.paths.lookup(["dup.txt"]));
  const second = createHash("sha256").update("second").digest();
  expect(contentKey(change, dup)).toBe(second.subarray(0, 16).toString("hex"));
  expect(d.id).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(d.config.rootfs?.diff_ids).toHaveLength(4);
}

describe.each(FLAVORS)("%s archives", (flavor) => {
  describe.each(COMPRESSIONS)("with %s layers", (compression) => {
    const opts: ArchiveOptions = { flavor, compression };
    const bytes = buildArchive(richImage(), opts);

    it("reads a seekable file", async () => {
      const path = await writeFixture(`${flavor}-${compression}.tar`, bytes);
      const seen: string[] = [];
      const layers: ReadLayer[] = [];
      const progress: ReadProgress[] = [];
      const d = await readImage(path, {
        onImage: (info) => seen.push(`image ${info.layers.length} ${info.reference}`),
        onLayer: (l) => {
          seen.push(`layer ${l.descriptor.index}`);
          layers.push(l);
        },
        onProgress: (p) => progress.push(p),
      });
      checkRich(d, compression);
      expect(seen).toEqual([`image 4 ${d.reference}`, "layer 0", "layer 1", "layer 2", "layer 3"]);
      expect(d.reference).toMatch(/rich:1\.0|^1\.0$/);
      expect(d.source).toBe(path);
      expect(d.platform).toBe("linux/amd64");
      // Progress ends with the whole blob read, per layer.
      const last = progress.filter((p) => p.layer === 0).at(-1)!;
      expect(last.bytesRead).toBe(d.readLayers[0]!.descriptor.blobSize);
      expect(last.totalBytes).toBe(d.readLayers[0]!.descriptor.blobSize);
      expect(last.entries).toBe(d.readLayers[0]!.contents!.tarEntries);
    });

    it("reads a one-pass stream", async () => {
      const layers: number[] = [];
      const d = await readImageStream(streamOf(bytes, 4096), "-", {
        onLayer: (l) => layers.push(l.descriptor.index),
      });
      checkRich(d, compression);
      expect(layers).toEqual([0, 1, 2, 3]);
      expect(d.source).toBe("-");
    });

    it("reads a one-pass stream with the manifest and index last", async () => {
      const last = buildArchive(richImage(), { ...opts, order: "manifest-last" });
      checkRich(await readImageStream(streamOf(last, 1000), "-", {}), compression);
    });

    it("reads a one-pass stream with the JSON files first", async () => {
      const first = buildArchive(richImage(), { ...opts, order: "json-first" });
      checkRich(await readImageStream(streamOf(first, 7777), "-", {}), compression);
    });
  });
});

describe("compressed outer archives", () => {
  it.each([
    ["gzip", "docker"],
    ["zstd", "podman"],
    ["gzip", "oci"],
    ["zstd", "containerd"],
  ] as const)("reads a %s-compressed %s archive by its magic bytes, not its name", async (outer, flavor) => {
    const bytes = buildArchive(richImage(), {
      flavor,
      outer,
      compression: flavor === "oci" ? "zstd" : "none",
    });
    const path = await writeFixture(`outer-${outer}-${flavor}.tar`, bytes);
    const d = await readImage(path, {});
    expect(describeImage(d)).toEqual(RICH_EXPECTED);
    const viaStdin = await readImageStream(streamOf(bytes), "-", {});
    expect(describeImage(viaStdin)).toEqual(RICH_EXPECTED);
  });
});

describe("OCI layout directories", () => {
  it.each(COMPRESSIONS)("reads a %s layout directory", async (compression) => {
    const dir = buildOciLayout(richImage(), { compression, dir: `layout-${compression}` });
    const d = await readImage(dir, {});
    checkRich(d, compression);
    expect(d.readLayers[0]!.descriptor.digest).toBe(sha256(buildArchiveBlob(compression)));
  });

  it("reads a multi-platform containerd layout directory", async () => {
    const dir = buildOciLayout(
      {
        tags: ["multi:2"],
        platforms: [
          { platform: "linux/amd64", layers: [{ "amd.txt": "amd" }] },
          { platform: "linux/arm64", layers: [{ "arm.txt": "arm" }] },
        ],
      },
      { flavor: "containerd", dir: "layout-multi" },
    );
    const d = await readImage(dir, { platform: "linux/arm64" });
    expect(describeImage(d)).toEqual([["/arm.txt file 3"]]);
    expect(d.platform).toBe("linux/arm64");
  });
});

/** The blob of the rich base layer as the fixture builder makes it. */
function buildArchiveBlob(compression: Compression): Buffer {
  return fixtures.buildImage(richImage(), compression).blobs[0]!;
}

describe("layouts in detail", () => {
  it("follows podman's layer.tar symlinks and a manifest that comes last", async () => {
    const bytes = buildArchive(richImage(), { flavor: "podman" });
    const d = await readImage(await writeFixture("podman-detail.tar", bytes), {});
    expect(describeImage(d)).toEqual(RICH_EXPECTED);
  });

  it("reads GNU long names in layers and in the outer archive", async () => {
    const bytes = buildArchive(richImage({ tarOptions: { longNames: "gnu" } }), {
      flavor: "docker",
      tarOptions: { longNames: "gnu" },
    });
    expect(describeImage(await readImage(await writeFixture("gnu.tar", bytes), {}))).toEqual(RICH_EXPECTED);
    expect(describeImage(await readImageStream(streamOf(bytes), "-", {}))).toEqual(RICH_EXPECTED);
  });

  it("reads ustar prefix names and base-256 numbers", async () => {
    const bytes = buildArchive(richImage({ tarOptions: { longNames: "prefix", base256: true } }), {
      flavor: "oci",
      compression: "none",
    });
    expect(describeImage(await readImage(await writeFixture("prefix.tar", bytes), {}))).toEqual(
      RICH_EXPECTED,
    );
  });

  it("takes the compression from the bytes when the media type lies", async () => {
    const spec = richImage({
      mediaTypes: [
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar",
      ],
      layerCompression: ["none", "gzip", "zstd", "zstd"],
    });
    const d = await readImage(await writeFixture("lying.tar", buildArchive(spec, { flavor: "oci" })), {});
    expect(describeImage(d)).toEqual(RICH_EXPECTED);
    expect(d.readLayers.map((l) => l.descriptor.compression)).toEqual(["none", "gzip", "zstd", "zstd"]);
  });

  it("reads the blobs of an image index and skips its attestation manifests", async () => {
    const bytes = buildArchive(
      {
        tags: ["app:3"],
        platforms: [{ platform: "linux/amd64", layers: [{ "a.txt": "amd64" }] }],
        attestations: true,
      },
      { flavor: "containerd", compression: "zstd" },
    );
    const d = await readImage(await writeFixture("attest.tar", bytes), {});
    expect(describeImage(d)).toEqual([["/a.txt file 5"]]);
    expect(d.reference).toBe("app:3");
    expect(d.tags).toEqual(["app:3"]);
  });

  it("names Docker 25+ images by their RepoTags and reads the OCI blobs", async () => {
    const bytes = buildArchive(richImage({ tags: ["rich:1.0", "rich:latest"] }), { flavor: "docker25" });
    const d = await readImage(await writeFixture("d25.tar", bytes), {});
    expect(d.reference).toBe("rich:1.0");
    expect(d.tags).toContain("rich:latest");
    expect(d.readLayers[0]!.descriptor.mediaType).toBe("application/vnd.oci.image.layer.v1.tar");
  });

  it("reads a kaniko tarball whose config has no .json suffix", async () => {
    const bytes = buildArchive(richImage({ tags: ["k:1"] }), { flavor: "kaniko" });
    const d = await readImage(await writeFixture("kaniko.tar", bytes), {});
    expect(d.reference).toBe("k:1");
    expect(describeImage(d)).toEqual(RICH_EXPECTED);
  });

  it.each(["pax", "gnu"] as const)(
    "finds members with long names in the outer archive (%s)",
    async (longNames) => {
      const spec = { tags: ["l:1"], layers: [{ "a.txt": "a" }] };
      const img = fixtures.buildImage(spec);
      const layerPath = `${"nested/".repeat(20)}layer-${"x".repeat(80)}.tar`;
      const manifest = JSON.stringify([{ Config: "config.json", RepoTags: ["l:1"], Layers: [layerPath] }]);
      const bytes = fixtures.tarMembers(
        [
          { path: layerPath, data: img.layerTars[0]! },
          { path: "config.json", data: Buffer.from(img.configJson) },
          { path: "manifest.json", data: Buffer.from(manifest) },
        ],
        { tarOptions: { longNames } },
      );
      const d = await readImage(await writeFixture(`long-${longNames}.tar`, bytes), {});
      expect(describeImage(d)).toEqual([["/a.txt file 1"]]);
      expect(describeImage(await readImageStream(streamOf(bytes, 100), "-", {}))).toEqual([
        ["/a.txt file 1"],
      ]);
    },
  );

  it("reads an image with no layers", async () => {
    const bytes = buildArchive({ tags: ["scratch:1"], layers: [] }, { flavor: "docker" });
    const d = await readImage(await writeFixture("nolayers.tar", bytes), {});
    expect(d.readLayers).toEqual([]);
    expect(d.reference).toBe("scratch:1");
  });
});
