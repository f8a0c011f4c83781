import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImageModel } from "../../src/model/image-model.js";
import { readImage } from "../../src/sources/archive.js";
import { baseAnnotationsOf } from "../../src/sources/base-annotations.js";
import { openImageInfo } from "../../src/sources/image-info.js";
import {
  buildDockerArchive,
  buildOciLayout,
  type ImageSpec,
  removeFixtures,
  writeFixture,
} from "../fixtures/images.js";

afterAll(removeFixtures);

const NAME = "org.opencontainers.image.base.name";
const DIGEST = "org.opencontainers.image.base.digest";

describe("base annotations, decoded at the source", () => {
  it("the manifest's win over the index entry's; either alone is used", () => {
    expect(baseAnnotationsOf({ [NAME]: "a:1" }, { [NAME]: "b:1", [DIGEST]: "sha256:b" })).toEqual({
      name: "a:1",
      digest: null,
      from: "manifest",
    });
    expect(baseAnnotationsOf({}, { [DIGEST]: " sha256:b " })).toEqual({
      name: null,
      digest: "sha256:b",
      from: "index",
    });
    expect(baseAnnotationsOf(undefined, undefined)).toBeNull();
  });

  it("values that are not names are left out", () => {
    expect(baseAnnotationsOf({ [NAME]: "x".repeat(513) }, undefined)).toBeNull();
    expect(baseAnnotationsOf({ [NAME]: "a\nb" }, undefined)).toBeNull();
    expect(baseAnnotationsOf({ [NAME]: "   " }, { [NAME]: "ok:1" })).toMatchObject({
      name: "ok:1",
      from: "index",
    });
  });

  const spec: ImageSpec = {
    tags: ["app:1"],
    layers: [{ "bin/sh": "sh" }, { "app/x": "x" }],
    config: { history: [{ created_by: "ADD x /" }, { created_by: "RUN y" }] },
  };

  it("read from an OCI layout's index entry and from its manifest, and shown as the base's name", async () => {
    const dir = buildOciLayout(spec, { dir: "base-annotations" });
    const indexPath = join(dir, "index.json");
    const index = JSON.parse(readFileSync(indexPath, "utf8"));
    index.manifests[0].annotations[NAME] = "example.test/base:1";
    writeFileSync(indexPath, JSON.stringify(index));
    const fromIndex = await readImage(dir, {});
    expect(fromIndex.baseAnnotations).toEqual({ name: "example.test/base:1", digest: null, from: "index" });
    expect(ImageModel.build(fromIndex).base).toMatchObject({ name: "example.test/base:1", layerCount: null });

    const manifestPath = join(dir, "blobs/sha256", index.manifests[0].digest.slice(7));
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.annotations = { [NAME]: "example.test/other:2", [DIGEST]: "sha256:abc" };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const fromManifest = await readImage(dir, {});
    expect(fromManifest.baseAnnotations).toEqual({
      name: "example.test/other:2",
      digest: "sha256:abc",
      from: "manifest",
    });
  });

  it("--base takes the DiffIDs from the manifest and config, whatever its layer blobs hold", async () => {
    const archive = buildDockerArchive({ ...spec, blobOverrides: { 1: Buffer.from("not a tar") } });
    const path = await writeFixture("base-damaged.tar", archive);
    const info = await openImageInfo(path);
    const full = await readImage(path, {});
    expect(full.readLayers[1]!.error).not.toBeNull();
    expect(info.layers.map((l) => l.diffId)).toEqual(full.layers.map((l) => l.diffId));
    expect(info.layers).toHaveLength(2);
  });
});
