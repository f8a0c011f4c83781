import { describe, expect, it } from "vitest";
import { HiddenReason } from "../../src/model/stack.js";
import { modelOf } from "./helpers.js";

describe("waste", () => {
  const m = modelOf([
    [{ name: "app/" }, { name: "app/big", size: 1000 }, { name: "app/conf", size: 10 }],
    [
      { name: "app/conf", size: 20, content: "v2" },
      { name: "tmp/cache", size: 500 },
    ],
    [{ name: "tmp/.wh.cache" }, { name: "app/.wh.big" }],
  ]);
  const w = m.waste();

  it("splits every layer byte into content or waste, exactly once", () => {
    expect(w.totalLayerBytes).toBe(1530);
    expect(w.contentBytes).toBe(20);
    expect(w.wastedBytes).toBe(1510);
    expect(w.efficiency).toBeCloseTo(20 / 1530, 12);
    expect(w.fileCount).toBe(1);
  });

  it("lists wasteful paths, largest first, with the layers that wrote and hid them", () => {
    expect(w.inefficiencies.map((i) => [i.path, i.copies, i.wastedBytes, i.layers, i.hiddenBy])).toEqual([
      ["/app/big", 1, 1000, [0], 2],
      ["/tmp/cache", 1, 500, [1], 2],
      ["/app/conf", 2, 10, [0, 1], 1],
    ]);
    expect(w.inefficiencies[2]).toMatchObject({ hiddenReason: HiddenReason.Overwritten, visibleAtTop: true });
  });

  it("is fully efficient with nothing overwritten", () => {
    const clean = modelOf([[{ name: "a", size: 5 }], [{ name: "b", size: 7 }]]).waste();
    expect(clean).toMatchObject({ wastedBytes: 0, efficiency: 1, contentBytes: 12, inefficiencies: [] });
  });
});

describe("dive figures", () => {
  it("matches dive's own efficiency test (implied directory counts 0 when whited out)", () => {
    const m = modelOf([
      [
        { name: "etc/nginx/nginx.conf", size: 2000 },
        { name: "etc/nginx/public", size: 3000 },
      ],
      [
        { name: "etc/nginx/nginx.conf", size: 5000 },
        { name: "etc/athing", size: 10000 },
      ],
      [{ name: "etc/.wh.nginx" }],
    ]);
    const d = m.dive();
    expect(d.efficiency).toBe(0.75);
    expect(d.wastedBytes).toBe(7000);
    expect(d.userSizeBytes).toBe(15000);
    expect(d.userWastedPercent).toBe(7000 / 15000);
  });

  it("is 1.0 for a scratch image", () => {
    expect(modelOf([[{ name: "nothing", size: 0 }], [], []]).dive().efficiency).toBe(1);
  });

  it("counts the visible copy too, and sums a whited-out directory listed explicitly", () => {
    const m = modelOf([
      [{ name: "d/" }, { name: "d/a", size: 100 }, { name: "d/b", size: 50 }],
      [{ name: "f", size: 10 }],
      [{ name: "f", size: 30 }, { name: ".wh.d" }],
    ]);
    const d = m.dive();
    // paths: /d/a 100, /d/b 50, /f 10+30 (two copies), /d whiteout 150 (one node: dir explicit)
    expect(d.wastedBytes).toBe(40);
    expect(d.efficiency).toBe((100 + 50 + 10 + 150) / (100 + 50 + 40 + 150));
    // layerview's own figures differ: the visible copy of /f is content, the deleted dir is waste.
    expect(m.waste().wastedBytes).toBe(160);
  });

  it("stops counting a layer's leaves after a whiteout of a path dive never saw, in dive's order", () => {
    const m = modelOf([
      [
        { name: "+a", size: 3 },
        { name: "aa", size: 7 },
        { name: "zz", size: 5 },
      ],
      [{ name: "zz", size: 5 }, { name: ".wh.ghost" }, { name: "aa", size: 7 }, { name: "+a", size: 3 }],
    ]);
    // dive visits "+a", then ".wh.ghost" (no such path: the visit stops), so "aa" and "zz" are never counted.
    const d = m.dive();
    expect(d.wastedBytes).toBe(6);
    expect(d.efficiency).toBe(15 / 18);
  });
});
