import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ImageModel } from "../../src/model/image-model.js";
import { openImageInfo } from "../../src/sources/image-info.js";
import { processCredentialEnv } from "../../src/sources/registry/credentials.js";
import { readRegistryImage } from "../../src/sources/registry/registry-image.js";
import { processTlsEnv } from "../../src/sources/registry/tls-config.js";
import { buildImage } from "../fixtures/images.js";
import { describeRegistry, type RunningRegistry, startRegistry } from "./harness.js";

const NAME = "org.opencontainers.image.base.name";
const DIGEST = "org.opencontainers.image.base.digest";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

describeRegistry(
  "base image annotations from a registry (real distribution registry)",
  () => {
    let reg: RunningRegistry;
    let home = "";
    const built = buildImage(
      {
        layers: [{ "bin/sh": "sh" }, { "etc/base": "b" }, { "app/x": "x" }],
        config: {
          history: [
            { created_by: "/bin/sh -c #(nop) ADD file:x in /" },
            { created_by: "/bin/sh -c echo base" },
            { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
            { created_by: "/bin/sh -c echo app" },
          ],
        },
      },
      "gzip",
    );
    const isolated = () => {
      const env = { HOME: home, PATH: process.env.PATH };
      return {
        credentialEnv: { ...processCredentialEnv(), env, home },
        tlsEnv: { ...processTlsEnv(), env, home },
      };
    };

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), "lv-home-"));
      reg = await startRegistry({ auth: { kind: "none" } });
      for (const b of [...built.blobs, Buffer.from(built.configJson)]) await reg.putBlob("fx/app", b);
      const manifest = JSON.parse(built.manifestJson);
      manifest.annotations = { [NAME]: "example.test/base:1", [DIGEST]: "sha256:feed" };
      await reg.putManifest("fx/app", "annotated", Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
      const plain = Buffer.from(built.manifestJson);
      const plainDigest = await reg.putManifest("fx/app", "plain", plain, OCI_MANIFEST);
      const index = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: plainDigest,
            size: plain.length,
            platform: { os: "linux", architecture: "amd64" },
            annotations: { [NAME]: "example.test/from-index:2" },
          },
        ],
      };
      await reg.putManifest("fx/app", "indexed", Buffer.from(JSON.stringify(index)), OCI_INDEX);
    }, 120_000);
    afterAll(async () => {
      await reg?.stop();
      if (home !== "") rmSync(home, { recursive: true, force: true });
    });

    it("the manifest's annotations name the base; the layers come from the history's shape", async () => {
      const data = await readRegistryImage(`${reg.host}/fx/app:annotated`, isolated());
      expect(data.baseAnnotations).toEqual({
        name: "example.test/base:1",
        digest: "sha256:feed",
        from: "manifest",
      });
      expect(ImageModel.build(data).base).toMatchObject({
        layerCount: 2,
        method: "heuristic",
        name: "example.test/base:1",
        digest: "sha256:feed",
      });
    });

    it("an index entry's annotations when the manifest has none", async () => {
      const data = await readRegistryImage(`${reg.host}/fx/app:indexed`, {
        ...isolated(),
        platform: "linux/amd64",
      });
      expect(data.baseAnnotations).toEqual({
        name: "example.test/from-index:2",
        digest: null,
        from: "index",
      });
    });

    it("--base from a registry: the DiffIDs from the manifest and config alone, no layer blob fetched", async () => {
      const layerGets = async () =>
        (await reg.served()).filter(
          (r) => r.method === "GET" && built.blobDigests.some((d) => r.path.endsWith(`/blobs/${d}`)),
        ).length;
      const before = await layerGets();
      const info = await openImageInfo(`registry://${reg.host}/fx/app:plain`, isolated());
      expect(info.layers.map((l) => l.diffId)).toEqual(built.diffIds);
      expect(await layerGets()).toBe(before);
      // A full read of the same image does fetch them: the count is one that can move.
      await readRegistryImage(`${reg.host}/fx/app:plain`, isolated());
      expect(await layerGets()).toBeGreaterThan(before);
    });
  },
  { auth: "none" },
);
