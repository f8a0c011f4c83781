import { beforeAll, describe, expect, it } from "vitest";
import { adviseImage, type Finding } from "../../../src/model/advice/index.js";
import { ImageModel } from "../../../src/model/image-model.js";
import { openImage } from "../../../src/sources/resolve.js";
import { cli, demoArchive, ensureBuilt } from "../../cli/run-cli.js";

/**
 * The bundled example (test/fixtures/example/Dockerfile). Sizes from `tar -tv` of its layers:
 *   L2 RUN mkdir …: /var/cache/pkgs/toolchain.tar 400000, INDEX 10, /srv/app/logs/boot.log 8
 *   L3 COPY context-app/: .env 30, assets/app.js 19, assets/site.css 22, lib/vendor.bundle.js 243158,
 *      server.sh 111 (mode 644)
 *   L4 RUN chmod -R a+rX …: the same five files again, same content (server.sh now 755), and boot.log 8
 *   L5 RUN echo … (build arg BUILD_VERSION): VERSION 6, /root/.ssh/id_deploy 59, /tmp/bundle.bak 243158
 *   L6 RUN rm -rf /var/cache/pkgs /root/.ssh /tmp/bundle.bak: whiteouts only
 *   L7 RUN rm -rf /srv/app/assets && …: opaque /srv/app/assets + site.css 22, /srv/app/logs now a
 *      file of 18 B, README-é.txt 9
 */
describe("advice on the bundled example image", () => {
  let advice: Finding[];
  let model: ImageModel;
  beforeAll(async () => {
    model = ImageModel.build(await openImage(demoArchive));
    advice = adviseImage(model);
  });
  const find = (kind: string, layer: number) => advice.filter((f) => f.kind === kind && f.layer === layer);

  it("finds the package cache deleted two layers later", () => {
    // toolchain.tar 400000 + INDEX 10 = 400010 B, added by L2, deleted by L6.
    expect(find("deleted-later", 2)).toMatchObject([
      {
        relatedLayers: [6],
        bytesSaved: 400010,
        paths: ["/var/cache/pkgs"],
        instruction: expect.stringMatching(/^RUN mkdir -p/),
      },
    ]);
  });

  it("finds the key and the backup deleted in the next layer", () => {
    // bundle.bak 243158 + id_deploy 59 = 243217 B, added by L5, deleted by L6.
    expect(find("deleted-later", 5)).toMatchObject([
      { relatedLayers: [6], bytesSaved: 243217, paths: ["/tmp/bundle.bak", "/root/.ssh"] },
    ]);
  });

  it("finds what the chmod copy wrote and a later layer deleted", () => {
    // L4's app.js 19 + site.css 22 (opaque /srv/app/assets) + boot.log 8 (/srv/app/logs became a file) = 49 B.
    expect(find("deleted-later", 4)).toMatchObject([
      { relatedLayers: [7], bytesSaved: 49, paths: ["/srv/app/assets", "/srv/app/logs"] },
    ]);
  });

  it("finds the chmod -R copy and suggests COPY --chmod", () => {
    // L4 rewrote L3's five files (30 + 19 + 22 + 243158 + 111 = 243340) and L2's boot.log (8): 243348 B.
    const [r] = find("rewritten-unchanged", 4);
    expect(r).toMatchObject({ relatedLayers: [2, 3], bytesSaved: 243348, pathCount: 6 });
    expect(r!.paths[0]).toBe("/srv/app/lib/vendor.bundle.js");
    expect(r!.message).toContain("1 of them got a new mode or owner");
    expect(r!.suggestion).toContain("COPY --chmod");
  });

  it("accounts for every wasted byte exactly once", () => {
    // 400010 + 243217 + 49 + 243348 = 886624 B = the image's wasted bytes.
    const sizeFindings = advice.filter((f) =>
      ["deleted-later", "rewritten-unchanged", "overwritten", "package-cache"].includes(f.kind),
    );
    expect(sizeFindings.reduce((s, f) => s + f.bytesSaved, 0)).toBe(886624);
    expect(model.waste().wastedBytes).toBe(886624);
  });

  it("flags the .env file and the deleted key as exposures", () => {
    const secrets = advice.filter((f) => f.kind === "secret-file");
    expect(secrets.map((s) => [s.paths[0], s.layer, s.relatedLayers, s.severity])).toEqual([
      ["/srv/app/.env", 3, [4], "high"],
      ["/root/.ssh/id_deploy", 5, [], "high"],
    ]);
    expect(secrets[1]!.message).toContain("layer 6 deletes it");
  });

  it("lists the build argument recorded in history", () => {
    expect(advice.filter((f) => f.kind === "build-arg")).toMatchObject([
      {
        layer: 5,
        relatedLayers: [6, 7],
        severity: "low",
        message: expect.stringContaining("BUILD_VERSION=1.4.2"),
      },
    ]);
  });

  it("shows in the text report and as the advice array of --json", () => {
    ensureBuilt();
    const text = cli(["--report", demoArchive]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Advice \(7 findings, 887 kB could be saved, 2 possible secret exposures\)$/m,
    );
    const json = JSON.parse(cli(["--json", demoArchive]).stdout);
    expect(json.schemaVersion).toBe(1);
    expect(json.advice).toHaveLength(7);
    expect(json.advice[1]).toEqual({
      kind: "secret-file",
      category: "exposure",
      severity: "high",
      bytesSaved: 0,
      bytes: 59,
      layer: 5,
      instruction: expect.stringMatching(/^RUN echo/),
      relatedLayers: [],
      paths: ["/root/.ssh/id_deploy"],
      pathCount: 1,
      message: expect.any(String),
      suggestion: expect.any(String),
    });
  });
});
