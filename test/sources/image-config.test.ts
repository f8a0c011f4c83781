import { afterAll, describe, expect, it } from "vitest";
import { ImageModel } from "../../src/model/image-model.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { buildTextReport } from "../../src/report/text-report.js";
import { readImage } from "../../src/sources/archive.js";
import { decodeImageConfig, MAX_HISTORY_ENTRIES } from "../../src/sources/image-config.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";
import { userError } from "./helpers.js";

afterAll(removeFixtures);

describe("decodeImageConfig", () => {
  it("keeps fields of the right type and tolerates null and missing ones silently", () => {
    const { config, warnings } = decodeImageConfig(
      {
        os: "linux",
        architecture: "arm64",
        config: { Env: null, Cmd: ["sh"], Labels: null, ExposedPorts: { "80/tcp": {} }, WorkingDir: "/app" },
        rootfs: { type: "layers", diff_ids: ["sha256:aa"] },
        history: [
          { created_by: "RUN x", empty_layer: false },
          { created_by: "ENV A=1", empty_layer: true },
        ],
      },
      "x.tar: config.json",
    );
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      os: "linux",
      architecture: "arm64",
      config: { Env: null, Cmd: ["sh"], Labels: null, ExposedPorts: { "80/tcp": {} }, WorkingDir: "/app" },
      rootfs: { type: "layers", diff_ids: ["sha256:aa"] },
      history: [{ created_by: "RUN x" }, { created_by: "ENV A=1", empty_layer: true }],
    });
  });

  it("leaves out every field of another type, with one line naming the member and the field", () => {
    const { config, warnings } = decodeImageConfig(
      {
        os: 7,
        config: { Env: ["A=1", 2], Cmd: "sh", Labels: { a: "b", c: { d: 1 } }, ExposedPorts: [1] },
        rootfs: { diff_ids: ["sha256:aa", 5, "sha256:cc"] },
        history: [null, { created_by: 42, empty_layer: "true" }, "RUN y"],
      },
      "x.tar: config.json",
    );
    expect(config.os).toBeUndefined();
    expect(config.config).toEqual({ Env: ["A=1"], Cmd: ["sh"], Labels: { a: "b" } });
    // A bad DiffID stays as a hole, so the others keep their layers.
    expect(config.rootfs?.diff_ids).toEqual(["sha256:aa", null, "sha256:cc"]);
    // A bad history entry stays as an empty one, so the entries after it keep their layers.
    expect(config.history).toEqual([{}, {}, {}]);
    expect(warnings[0]).toBe("x.tar: config.json: os is a number, not a string; left out");
    expect(warnings).toHaveLength(6);
    expect(warnings.at(-1)).toMatch(/and \d+ more fields of the wrong type$/);
  });

  it("treats a history that is not a list as missing, and refuses absurd counts", () => {
    expect(decodeImageConfig({ history: "RUN x" }, "c").config.history).toBeUndefined();
    expect(() => decodeImageConfig({ history: new Array(MAX_HISTORY_ENTRIES + 1).fill({}) }, "c")).toThrow(
      /history has 100001 items, more than layerview reads/,
    );
    expect(() => decodeImageConfig([], "x.tar: c.json")).toThrow(
      "x.tar: c.json is not an image config (it is a list, not a JSON object)",
    );
  });

  it("copies nothing of unknown shape, so depth in the input never reaches a report", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const { config } = decodeImageConfig(
      { config: { Labels: { x: deep }, Volumes: deep }, extra: deep },
      "c",
    );
    expect(JSON.stringify(config)).toBe('{"config":{"Labels":{}}}');
  });
});

describe("configs of the wrong shape in an archive", () => {
  it("are read, reported and explained: no TypeError deeper in", async () => {
    const tar = buildDockerArchive({
      tags: ["bad:1"],
      layers: [{ "a.txt": "a" }, { "b.txt": "b" }],
      config: {
        history: [null, { created_by: 12 }],
        config: { Env: "PATH=/bin", Cmd: [1, "sh"], Labels: { deep: [[[[1]]]] } },
        created: ["2024"],
      },
    });
    const data = await readImage(await writeFixture("bad-config.tar", tar), {});
    const model = ImageModel.build(data);
    const json = buildJsonReport(model, { diagnostics: data.diagnostics });
    expect(json.image.config.Env).toEqual(["PATH=/bin"]);
    expect(json.image.config.Cmd).toEqual(["sh"]);
    expect(json.image.created).toBeNull();
    expect(buildTextReport(model)).toContain("Layers");
    expect(data.diagnostics.map((d) => d.message).join("\n")).toMatch(/history\[0\] is null, not an object/);
  });

  it("a config that is not an object is one clear error", async () => {
    const tar = buildDockerArchive({ tags: ["bad:1"], layers: [{ "a.txt": "a" }], rawConfig: "[1,2]" });
    const msg = await userError(readImage(await writeFixture("list-config.tar", tar), {}));
    expect(msg.message).toMatch(/is not an image config \(it is a list, not a JSON object\)/);
  });
});

describe("a daemon's answers of the wrong shape", () => {
  it("history rows and fields of another type are left out", async () => {
    const { historyFromRows } = await import("../../src/sources/daemon/inspect.js");
    const rows = [
      { CreatedBy: 7, Size: "12" },
      null,
      { CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / ", Size: 100, Created: 1_700_000_000 },
    ] as unknown as Parameters<typeof historyFromRows>[0];
    expect(historyFromRows(rows, 1)).toEqual([
      { created: "2023-11-14T22:13:20.000Z", created_by: "/bin/sh -c #(nop) ADD file:abc in / " },
      { empty_layer: true },
    ]);
    expect(historyFromRows("x" as unknown as Parameters<typeof historyFromRows>[0], 1)).toBeUndefined();
  });
});
