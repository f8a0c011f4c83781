import { describe, expect, it } from "vitest";
import { adviseImage, type FindingKind } from "../../../src/model/advice/index.js";
import { modelOf } from "../helpers.js";

const CMD = { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true };
const run = (s: string) => ({ created_by: `/bin/sh -c ${s}` });

/** Base: layers 0–1 (layer 1 deletes a file of layer 0, leaves an apt cache), closing CMD; own: 2–3. */
function image() {
  return modelOf(
    [
      [
        { name: "usr/share/doc/big", size: 5000 },
        { name: "bin/sh", size: 100 },
        { name: "etc/conf", size: 30 },
      ],
      [{ name: "usr/share/doc/.wh.big" }, { name: "var/lib/apt/lists/pkgs", size: 700 }],
      [
        { name: "app/tmp.bin", size: 300 },
        { name: "etc/conf", size: 40, content: "mine" },
      ],
      [{ name: "bin/.wh.sh" }, { name: "app/.wh.tmp.bin" }],
    ],
    [run("add base"), run("base cleanup"), CMD, run("add app"), run("rm /bin/sh /app/tmp.bin")],
  );
}

describe("advice with a base image boundary", () => {
  const m = image();
  const advice = adviseImage(m);
  const byKind = (k: FindingKind) => advice.filter((f) => f.kind === k);

  it("knows the boundary from the history's shape", () => {
    expect(m.base).toMatchObject({ layerCount: 2, method: "heuristic" });
  });

  it("waste inside the base is its own finding: a slimmer base saves it", () => {
    const [f] = byKind("base-image");
    expect(f).toMatchObject({ bytesSaved: 5700, bytes: 5700, layer: 1, relatedLayers: [0] });
    expect(f!.message).toContain("comes with the base image");
    expect(f!.suggestion).toContain("a slimmer base such as a -slim variant saves 5.7 kB");
    // Never told to "narrow the source" or delete in the same RUN: that is not this Dockerfile's.
    expect(byKind("deleted-later").every((d) => d.layer !== 0 && d.layer !== 1)).toBe(true);
    expect(byKind("package-cache")).toEqual([]);
  });

  it("deleting base files in an own layer saves nothing, it only adds whiteouts", () => {
    const [f] = byKind("deletes-base-files");
    expect(f).toMatchObject({ bytesSaved: 0, bytes: 100, layer: 3, relatedLayers: [0], paths: ["/bin/sh"] });
    expect(f!.message).toContain("saves nothing");
    expect(f!.message).toContain("whiteouts");
  });

  it("own waste stays as it was; a base file replaced by an own layer saves nothing", () => {
    expect(byKind("deleted-later")).toMatchObject([{ layer: 2, bytesSaved: 300, relatedLayers: [3] }]);
    expect(byKind("overwritten")).toMatchObject([{ layer: 0, bytesSaved: 0, bytes: 30, relatedLayers: [2] }]);
  });

  it("every wasted byte is in exactly one finding", () => {
    const kinds: FindingKind[] = [
      "deleted-later",
      "rewritten-unchanged",
      "overwritten",
      "package-cache",
      "base-image",
      "deletes-base-files",
    ];
    const inFindings = advice.filter((f) => kinds.includes(f.kind)).reduce((s, f) => s + f.bytes, 0);
    expect(inFindings).toBe(m.waste().wastedBytes + 700); // + the base's apt lists, still visible
  });

  it("without a boundary the same image gets the old findings", () => {
    const plain = modelOf(
      [[{ name: "usr/share/doc/big", size: 5000 }], [{ name: "usr/share/doc/.wh.big" }]],
      [run("a"), run("b")],
    );
    expect(plain.base).toBeNull();
    expect(adviseImage(plain).map((f) => f.kind)).toEqual(["deleted-later"]);
  });
});
