import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ImageModel } from "../../../src/model/image-model.js";
import { readImage } from "../../../src/sources/archive.js";
import { composeFrame } from "../../../src/ui/panes/screen.js";
import { stripAnsi } from "../../../src/ui/render/theme.js";
import { type Action, type ExplorerState, initialState } from "../../../src/ui/state/explorer-state.js";
import { treeOf } from "../../../src/ui/state/geometry.js";
import { keyOfChar } from "../../../src/ui/state/key-input.js";
import { outlineOf } from "../../../src/ui/state/load-events.js";
import { reduce } from "../../../src/ui/state/reducer.js";
import { buildDockerArchive, fixtureDir, removeFixtures } from "../../fixtures/images.js";

afterAll(removeFixtures);

const stanza = (name: string, version: string) =>
  `Package: ${name}\nStatus: install ok installed\nInstalled-Size: 10\nVersion: ${version}\n`;

async function image(): Promise<ImageModel> {
  const file = join(fixtureDir(), "packages-view.tar");
  writeFileSync(
    file,
    buildDockerArchive({
      layers: [
        {
          "usr/bin/small": "s".repeat(10),
          "var/lib/dpkg/status": stanza("small", "1"),
          "var/lib/dpkg/info/small.list": "/usr/bin/small\n",
        },
        {
          "usr/bin/big": "b".repeat(5000),
          "usr/share/big/data": "d".repeat(3000),
          "usr/bin/tiny": "t".repeat(100),
          "etc/own-config": "mine",
          "var/lib/dpkg/status": [stanza("big", "2.0"), stanza("tiny", "0.1")].join("\n"),
          "var/lib/dpkg/info/big.list": "/usr\n/usr/bin\n/usr/bin/big\n/usr/share/big\n/usr/share/big/data\n",
          "var/lib/dpkg/info/tiny.list": "/usr/bin/tiny\n",
        },
      ],
    }),
  );
  return ImageModel.build(await readImage(file, {}));
}

const key = (s: ExplorerState, input: string, flags: Record<string, boolean> = {}) =>
  reduce(s, { type: "key", input, key: flags });
const typed = (s: ExplorerState, text: string) =>
  [...text].reduce((x, ch) => reduce(x, { type: "key", ...keyOfChar(ch) }), s);

function loaded(model: ImageModel): ExplorerState {
  const events: Action[] = [
    { type: "load", event: { kind: "image", ...outlineOf(model) } },
    { type: "load", event: { kind: "ready", model } },
  ];
  return events.reduce(reduce, initialState(120, 30));
}

const screenText = (s: ExplorerState) => composeFrame(s, false).map(stripAnsi).join("\n");
const shownFiles = (s: ExplorerState) => {
  const t = treeOf(s)!;
  return t
    .rows(0, t.total)
    .map((r) => s.model!.paths.path(r.node))
    .filter((p) => p.split("/").length > 3 || p.endsWith("big") || p.endsWith("tiny"));
};

describe("the packages view", () => {
  test("p lists the layer's packages biggest first; Enter shows one's files; Esc shows all again", async () => {
    let s = loaded(await image());
    expect(s.layer).toBe(1);
    s = typed(s, "p");
    expect(s.packages).toEqual({ layer: 1, selected: 0, top: 0 });
    const text = screenText(s);
    expect(text).toContain("Packages of layer 1");
    expect(text).toContain("2 added · 0 upgraded · 1 removed");
    expect(text).toMatch(/^- +small +1 +dpkg · removed/m);
    const rows = text.split("\n").filter((l) => /^[+~ ] +\d/.test(l));
    expect(rows.map((r) => r.split(/\s+/)[4])).toEqual(["big", "tiny"]);
    s = key(s, "", { downArrow: true });
    s = key(s, "", { upArrow: true });
    s = key(s, "\r", { return: true });
    expect(s.packages).toBeNull();
    expect(s.packageFilter?.name).toBe("big");
    expect(s.focus).toBe("tree");
    expect(shownFiles(s)).toEqual(["/usr/bin/big", "/usr/share/big", "/usr/share/big/data"]);
    expect(screenText(s)).toContain("package big (layer 1)");
    // The cursor line names the owner of the file under it.
    s = typed(s, "G");
    expect(screenText(s)).toMatch(/\/usr\/share\/big\/data · .* · package big 2\.0/);
    s = key(s, "", { escape: true, meta: true });
    expect(s.packageFilter).toBeNull();
    expect(shownFiles(s)).toContain("/usr/bin/tiny");
  });

  test("a layer without package changes says so; the overlay closes with p or Esc", async () => {
    let s = loaded(await image());
    s = typed(s, "[p");
    expect(s.packages?.layer).toBe(0);
    expect(screenText(s)).toContain("1 added");
    s = typed(s, "p");
    expect(s.packages).toBeNull();
  });
});
