import { describe, expect, it } from "vitest";
import { historyFromRows, imageInfoFromInspect } from "../../../src/sources/daemon/inspect.js";

describe("the early image info", () => {
  // Rows as Docker 20.10 and Podman 4.3 return them for test/engines/image/Dockerfile (newest first).
  const dockerRows = [
    { CreatedBy: '/bin/sh -c #(nop)  CMD ["sh"]', Size: 0 },
    { CreatedBy: "/bin/sh -c #(nop) WORKDIR /app", Size: 0 },
    { CreatedBy: "/bin/sh -c #(nop)  ENV LAYERVIEW_TEST=1", Size: 0 },
    { CreatedBy: "/bin/sh -c rm -rf /opt/tool && echo 'now a file' > /opt/tool", Size: 11 },
    { CreatedBy: "/bin/sh -c rm -rf /app/cache && mkdir /app/cache", Size: 0 },
    { CreatedBy: "/bin/sh -c #(nop) COPY file:ba94 in /app/added.txt ", Size: 14 },
    { CreatedBy: "/bin/sh -c mkdir -p /app/data", Size: 307000 },
    { CreatedBy: "", Size: 1980000 },
  ];

  it("infers which history rows made layers from their commands", () => {
    const h = historyFromRows(dockerRows, 5);
    expect(h?.map((e) => e.empty_layer ?? false)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(h?.[0]?.created_by).toBe("");
    // A RUN that changed nothing still made a layer: the size alone would have got this wrong.
    expect(h?.[3]?.empty_layer).toBeUndefined();
  });

  it("leaves history out rather than blaming the wrong layers", () => {
    expect(historyFromRows(dockerRows, 9)).toBeUndefined();
  });

  it("builds ImageInfo from a Podman inspect (ID without prefix, diff IDs, config)", () => {
    const info = imageInfoFromInspect(
      {
        Id: "c6f7c99d838d073265b3e8d169244438f25dda66e806abfd78eccf8838460505",
        Architecture: "amd64",
        Os: "linux",
        Config: { Cmd: ["sh"], Hostname: "", Labels: { a: "b" } },
        RootFS: { Type: "layers", Layers: ["sha256:aa", "sha256:bb"] },
      },
      null,
      "podman://x",
      "localhost/x:latest",
    );
    expect(info.id).toBe("sha256:c6f7c99d838d073265b3e8d169244438f25dda66e806abfd78eccf8838460505");
    expect(info.config.config).toEqual({ Cmd: ["sh"], Labels: { a: "b" } });
    expect(info.config.rootfs?.diff_ids).toEqual(["sha256:aa", "sha256:bb"]);
    expect(info.layers.map((l) => [l.index, l.diffId])).toEqual([
      [0, "sha256:aa"],
      [1, "sha256:bb"],
    ]);
    expect(info.config.history).toBeUndefined();
  });
});
