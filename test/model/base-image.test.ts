import { describe, expect, it } from "vitest";
import { commonBottomLayers, decideBase, fromHistoryShape } from "../../src/model/base-image.js";
import { alignedHistory, type RawHistory } from "../../src/model/history.js";
import { modelOf } from "./helpers.js";

const ADD = "/bin/sh -c #(nop) ADD file:abc in / ";
const CMD = '/bin/sh -c #(nop)  CMD ["sh"]';

/** A classic-builder history: base = ADD, RUN, LABEL, CMD; app = RUN, RUN, CMD. */
function classic(times?: string[]): RawHistory[] {
  const h: RawHistory[] = [
    { created_by: ADD },
    { created_by: "/bin/sh -c echo base > /etc/base" },
    { created_by: "/bin/sh -c #(nop)  LABEL a=b", empty_layer: true },
    { created_by: CMD, empty_layer: true },
    { created_by: "/bin/sh -c echo app > /app" },
    { created_by: "/bin/sh -c rm /etc/base" },
    { created_by: '/bin/sh -c #(nop)  CMD ["/app"]', empty_layer: true },
  ];
  return times ? h.map((e, i) => ({ ...e, created: times[i] })) : h;
}

function decide(
  history: RawHistory[],
  layerCount: number,
  extra: Partial<Parameters<typeof decideBase>[0]> = {},
) {
  const diffIds = Array.from({ length: layerCount }, (_, i) => `sha256:${i}`);
  return decideBase({ diffIds, history: alignedHistory(history, layerCount).items, ...extra });
}

describe("the exact boundary (--base)", () => {
  it("is the longest common run of DiffIDs from the bottom", () => {
    expect(commonBottomLayers(["a", "b", "c"], ["a", "b"])).toBe(2);
    expect(commonBottomLayers(["a", "b", "c"], ["a", "x", "c"])).toBe(1);
    expect(commonBottomLayers(["a"], ["b"])).toBe(0);
    expect(commonBottomLayers([null, "b"], [null, "b"])).toBe(0);
  });

  it("wins over every other signal and says so", () => {
    const b = decide(classic(), 4, {
      exact: { name: "base:1", diffIds: ["sha256:0", "sha256:1", "sha256:2"] },
    });
    expect(b).toMatchObject({ layerCount: 3, method: "exact", name: "base:1" });
    expect(b!.reason).toContain("bottom 3 layers have base:1's DiffIDs");
  });

  it("says when the image shares only part of the base, or none of it", () => {
    const part = decide([], 3, { exact: { name: "b", diffIds: ["sha256:0", "sha256:9"] } });
    expect(part).toMatchObject({ layerCount: 1, method: "exact" });
    expect(part!.reason).toContain("of its 2");
    const none = decide([], 3, { exact: { name: "b", diffIds: ["sha256:x"] } });
    expect(none).toMatchObject({ layerCount: 0, method: "exact" });
    expect(none!.reason).toContain("shares no bottom layer");
  });
});

describe("metadata", () => {
  /** What podman/buildah writes: the first step of each build says FROM <name>, later ones FROM <id>. */
  const buildah: RawHistory[] = [
    { created_by: ADD, comment: "imported from tarball" },
    { created_by: "/bin/sh -c echo one", comment: "FROM localhost/busybox:base" },
    { created_by: "/bin/sh -c echo two", comment: "FROM 0ed34ac1150a" },
    { created_by: CMD, empty_layer: true, comment: "FROM e2af1fbfcbe7" },
    { created_by: "/bin/sh -c echo app", comment: "FROM localhost/base:1" },
    { created_by: "/bin/sh -c rm /x", comment: "FROM 3504ea9c7f29" },
  ];

  it("buildah's FROM comment marks where this build starts (the topmost name)", () => {
    const b = decide(buildah, 5);
    expect(b).toMatchObject({ layerCount: 3, method: "metadata", name: "localhost/base:1", digest: null });
  });

  it("the annotation names the base and picks its FROM comment", () => {
    const annotations = { name: "localhost/busybox:base", digest: "sha256:dd", from: "manifest" as const };
    const b = decide(buildah, 5, { annotations });
    expect(b).toMatchObject({
      layerCount: 1,
      method: "metadata",
      name: "localhost/busybox:base",
      digest: "sha256:dd",
    });
    expect(b!.reason).toContain("manifest's org.opencontainers.image.base.name annotation");
  });

  it("a label names the base; the layers still come from the history's shape, called a guess", () => {
    const b = decide(classic(), 4, { labels: { "org.opencontainers.image.base.name": "example/base:1" } });
    expect(b).toMatchObject({ layerCount: 2, method: "heuristic", name: "example/base:1" });
    expect(b!.reason).toMatch(/^a guess/);
    expect(b!.reason).toContain("labels are inherited");
  });

  it("a name with nothing to place it has no layer count", () => {
    const b = decide([], 2, { annotations: { name: "x/y:1", digest: null, from: "index" } });
    expect(b).toMatchObject({ layerCount: null, method: "metadata", name: "x/y:1" });
    expect(b!.reason).toContain("--base x/y:1");
  });

  it("refuses label values that are not names", () => {
    expect(decide([], 2, { labels: { "org.opencontainers.image.base.name": "a\u0007b" } })).toBeNull();
    expect(decide([], 2, { labels: { "org.opencontainers.image.base.name": 42 } })).toBeNull();
    expect(decide([], 2, { labels: "nonsense" })).toBeNull();
  });
});

describe("the heuristic", () => {
  it("the base image's closing CMD before this build's layers", () => {
    const b = decide(classic(), 4);
    expect(b).toMatchObject({ layerCount: 2, method: "heuristic", name: null });
    expect(b!.reason).toContain("closing CMD (history entry 3) comes before layer 2");
  });

  it("a closing CMD with no layer after it is this image's own", () => {
    const h = classic().slice(0, 4);
    expect(decide(h, 2)).toBeNull();
  });

  it("counts layers with no history entry (aligned from the top) as below the boundary", () => {
    // 5 layers, history describes only the top 4 of them.
    const b = decide(classic().slice(1), 5);
    expect(b).toMatchObject({ layerCount: 3, method: "heuristic" });
  });

  it("says when the created times agree", () => {
    const t = (h: number) => new Date(Date.UTC(2026, 0, 1, h)).toISOString();
    const b = decide(classic([t(0), t(0), t(0), t(0), t(30), t(30), t(30)]), 4);
    expect(b!.reason).toContain("the created times jump 30 h there too");
  });

  it("falls back to a jump in created times", () => {
    const t = (d: number) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString();
    const h: RawHistory[] = [
      { created_by: ADD, created: t(0) },
      { created_by: "/bin/sh -c a", created: t(0) },
      { created_by: "/bin/sh -c b", created: t(9) },
      { created_by: "/bin/sh -c c", created: t(9) },
    ];
    const b = fromHistoryShape(alignedHistory(h, 4).items, 4);
    expect(b).toEqual({ layerCount: 2, reason: "the created times jump 9 days before layer 2" });
  });

  it("small gaps are no boundary", () => {
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
    const h: RawHistory[] = [0, 20, 40].map((m) => ({ created_by: "/bin/sh -c x", created: t(m) }));
    expect(fromHistoryShape(alignedHistory(h, 3).items, 3)).toBeNull();
  });

  it("falls back to a change of builder (classic → BuildKit)", () => {
    const h: RawHistory[] = [
      { created_by: ADD },
      { created_by: "/bin/sh -c a" },
      { created_by: "RUN /bin/sh -c b # buildkit", comment: "buildkit.dockerfile.v0" },
      { created_by: "COPY x /x # buildkit", comment: "buildkit.dockerfile.v0" },
    ];
    const b = fromHistoryShape(alignedHistory(h, 4).items, 4);
    expect(b).toEqual({
      layerCount: 2,
      reason: "the history changes from classic builder to BuildKit entries at layer 2",
    });
  });

  it("nothing to go on: no base", () => {
    expect(decide([{ created_by: ADD }], 1)).toBeNull();
    expect(decide([], 3)).toBeNull();
  });
});

describe("on the model", () => {
  it("marks base layers", () => {
    const m = modelOf(
      [[{ name: "a" }], [{ name: "b" }], [{ name: "c" }]],
      [
        { created_by: ADD },
        { created_by: "/bin/sh -c b" },
        { created_by: CMD, empty_layer: true },
        { created_by: "/bin/sh -c c" },
      ],
    );
    expect(m.base).toMatchObject({ layerCount: 2, method: "heuristic" });
    expect([0, 1, 2].map((i) => m.isBaseLayer(i))).toEqual([true, true, false]);
  });
});
