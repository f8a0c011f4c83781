import { afterAll, describe, expect, it } from "vitest";
import { diffImages } from "../../src/model/diff.js";
import { ImageModel } from "../../src/model/image-model.js";
import { diffJson, diffText } from "../../src/report/diff-report.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { buildTextReport } from "../../src/report/text-report.js";
import { readImage } from "../../src/sources/archive.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";

afterAll(removeFixtures);

describe("deep and long paths (fuzz cases 5077, 1389 of seed 2)", () => {
  it("a path as deep as Linux allows is stacked, reported and diffed", async () => {
    // 2,000 directories: as deep as a Linux path (4,096 bytes) goes.
    const deep = `${"d/".repeat(2_000)}leaf.txt`;
    const tar = buildDockerArchive({
      tags: ["deep:1"],
      layers: [[{ file: "top.txt", content: "a" }], [{ file: deep, content: "deep" }]],
    });
    const data = await readImage(await writeFixture("deep.tar", tar), {});
    const model = ImageModel.build(data);
    expect(model.paths.size).toBeGreaterThan(2_000);
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

  it("names no engine could unpack are skipped, each with one short line, and cost no memory", async () => {
    const tar = buildDockerArchive({
      tags: ["long:1"],
      layers: [
        [
          { file: "ok.txt", content: "ok" },
          { file: `dir/${"n".repeat(256)}`, content: "x" },
          { file: `${"d/".repeat(20_000)}too-deep.txt`, content: "x" },
          ...Array.from({ length: 200 }, (_, i) => ({ file: `${"p".repeat(70_000)}-${i}`, content: "x" })),
        ],
      ],
    });
    const data = await readImage(await writeFixture("long.tar", tar), {});
    const model = ImageModel.build(data);
    expect(model.paths.size).toBe(2);
    const lines = data.diagnostics.map((d) => d.message);
    expect(
      lines.some((l) =>
        /: d\/d\/d.*… \(40012 bytes\): skipped: its name is 40012 bytes long \(a Linux path holds 4096\)$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        /: dir\/n+: skipped: a part of its name is 256 bytes long \(a Linux file name holds 255\)$/.test(l),
      ),
    ).toBe(true);
    // Every line stays short whatever the name's length.
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(500);
  });
});
