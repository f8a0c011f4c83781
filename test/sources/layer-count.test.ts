import { afterAll, describe, expect, it } from "vitest";
import { ImageModel } from "../../src/model/image-model.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { buildTextReport } from "../../src/report/text-report.js";
import { readImage } from "../../src/sources/archive.js";
import { MAX_IMAGE_LAYERS } from "../../src/sources/image-config.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";
import { userError } from "./helpers.js";

afterAll(removeFixtures);

describe("layer counts", () => {
  it(`an image of ${MAX_IMAGE_LAYERS} layers is read and reported`, async () => {
    const layers = Array.from({ length: MAX_IMAGE_LAYERS }, (_, i) => ({ [`d/f${i % 50}`]: `${i}` }));
    const tar = buildDockerArchive({ tags: ["many:1"], layers }, { flavor: "podman" });
    const data = await readImage(await writeFixture("many-layers.tar", tar), {});
    const model = ImageModel.build(data);
    expect(model.layers).toHaveLength(MAX_IMAGE_LAYERS);
    const json = buildJsonReport(model, { diagnostics: data.diagnostics });
    expect(json.layers).toHaveLength(MAX_IMAGE_LAYERS);
    expect(buildTextReport(model, { top: 5 }).split("\n").length).toBeGreaterThan(MAX_IMAGE_LAYERS);
  }, 180_000);

  it("a manifest listing 100,000 layers is refused in one line", async () => {
    const tar = buildDockerArchive({ tags: ["huge:1"], layers: [{ "a.txt": "a" }] });
    // The same layer listed 100,000 times: a small archive with an absurd manifest.
    const { parseTar } = await import("../../fuzz/tar.js");
    const { writeTar } = await import("../fixtures/tar-writer.js");
    const members = parseTar(tar)!;
    const manifest = members.find((m) => m.name === "manifest.json")!;
    const [entry] = JSON.parse(manifest.data!.toString()) as [{ Layers: string[] }];
    entry.Layers = new Array(100_000).fill(entry.Layers[0]);
    manifest.data = Buffer.from(JSON.stringify([entry]));
    const e = await userError(readImage(await writeFixture("huge-manifest.tar", writeTar(members)), {}));
    expect(e.message).toMatch(/lists 100000 layers, more than layerview reads \(10000\)$/);
  });
});
