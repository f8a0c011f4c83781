import { afterAll, describe, expect, it } from "vitest";
import { diffImages } from "../../src/model/diff.js";
import { ImageModel } from "../../src/model/image-model.js";
import { diffJson, diffText } from "../../src/report/diff-report.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { buildTextReport } from "../../src/report/text-report.js";
import { readImage } from "../../src/sources/archive.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";

afterAll(removeFixtures);

describe("a path 20,000 directories deep (fuzz case 5077)", () => {
  it("is stacked, reported and diffed without recursion on its depth", async () => {
    const deep = `${"d/".repeat(20_000)}leaf.txt`;
    const tar = buildDockerArchive({
      tags: ["deep:1"],
      layers: [[{ file: "top.txt", content: "a" }], [{ file: deep, content: "deep" }]],
    });
    const data = await readImage(await writeFixture("deep.tar", tar), {});
    const model = ImageModel.build(data);
    expect(model.paths.size).toBeGreaterThan(20_000);
    expect(buildJsonReport(model).layers[1]!.added).toBe(1);
    expect(buildTextReport(model)).toContain("Layers");
    const flat = ImageModel.build(
      await readImage(
        await writeFixture("flat.tar", buildDockerArchive({ layers: [{ "top.txt": "a" }] })),
        {},
      ),
    );
    const diff = diffImages(flat, model, {});
    expect(JSON.stringify(diffJson(diff, flat, model)).length).toBeGreaterThan(0);
    expect(diffText(diff, flat, model, {})).toContain("leaf.txt");
  });
});
