import { describe, expect, it } from "vitest";
import {
  alignHistory,
  describeHistory,
  formatInstruction,
  isMetadataOnly,
  parseCreatedBy,
} from "../../src/model/history.js";
import { modelOf } from "./helpers.js";

describe("created_by dialects", () => {
  it.each([
    ['/bin/sh -c #(nop)  CMD ["sh"]', 'CMD ["sh"]', []],
    [
      "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in / ",
      "ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in /",
      [],
    ],
    [
      "/bin/sh -c apt-get update && apt-get install -y curl",
      "RUN apt-get update && apt-get install -y curl",
      [],
    ],
    ["|2 A=1 B=two /bin/sh -c make all", "RUN make all", ["A=1", "B=two"]],
    ["RUN /bin/sh -c npm ci # buildkit", "RUN npm ci", []],
    ["RUN |1 VERSION=1.2 /bin/sh -c echo $VERSION # buildkit", "RUN echo $VERSION", ["VERSION=1.2"]],
    ["COPY . /app # buildkit", "COPY . /app", []],
    ["WORKDIR /app", "WORKDIR /app", []],
    ["ENV NODE_ENV=production", "ENV NODE_ENV=production", []],
  ])("%s", (raw, text, args) => {
    expect(parseCreatedBy(raw)).toEqual({ text, buildArgs: args });
  });
  it("falls back to the comment when nothing was recorded (docker import)", () => {
    expect(describeHistory({ created_by: "", comment: "Imported from -" })).toBe("(Imported from -)");
    expect(describeHistory({})).toBe("");
  });
  it("formats build args after the instruction", () => {
    expect(formatInstruction(parseCreatedBy("|1 X=y /bin/sh -c true"))).toBe("RUN true  # args: X=y");
  });
});

describe("history alignment", () => {
  const h = (n: number, empty = false) => Array.from({ length: n }, () => ({ empty_layer: empty }));
  it("pairs the i-th non-empty entry with layer i", () => {
    expect(alignHistory([{}, { empty_layer: true }, {}, { empty_layer: true }], 2)).toEqual([0, 2]);
  });
  it("aligns from the top when there are more layers than entries", () => {
    expect(alignHistory(h(2), 4)).toEqual([-1, -1, 0, 1]);
  });
  it("aligns from the top when there are more entries than layers", () => {
    expect(alignHistory(h(3), 2)).toEqual([1, 2]);
  });
  it("marks layers with no history instead of shifting blame", () => {
    const m = modelOf([[{ name: "a" }], [{ name: "b" }]], [{ created_by: "/bin/sh -c touch b" }]);
    expect(m.layers[0]!.command).toBe("(no history entry for this layer)");
    expect(m.layers[0]!.historyIndex).toBe(-1);
    expect(m.layers[1]!.command).toBe("RUN touch b");
    expect(m.history[0]!.layerIndex).toBe(1);
  });
});

describe("which history commands make no layer", () => {
  it("knows metadata-only commands in the usual dialects", () => {
    expect(isMetadataOnly('/bin/sh -c #(nop)  CMD ["sh"]')).toBe(true);
    expect(isMetadataOnly("/bin/sh -c #(nop) ADD file:85de in / ")).toBe(false);
    expect(isMetadataOnly("ENV A=1")).toBe(true);
    expect(isMetadataOnly("RUN /bin/sh -c make # buildkit")).toBe(false);
    expect(isMetadataOnly("|2 A=1 B=2 /bin/sh -c make")).toBe(false);
  });
});
