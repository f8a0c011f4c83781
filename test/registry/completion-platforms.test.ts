/**
 * --platform completion for a registry image: one request for the index in a real registry, its
 * platforms without the attestation; a single-platform image or an unreachable registry gives the
 * common platforms, quietly and quickly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { COMMON_PLATFORMS } from "../../src/cli/completion.js";
import { cli, ensureBuilt } from "../cli/run-cli.js";
import { describeRegistry, pushIndex, type RunningRegistry, startRegistry, testImages } from "./harness.js";

describeRegistry(
  "--platform completion from a registry index (real distribution registry)",
  () => {
    let reg: RunningRegistry;
    let home = "";
    beforeAll(async () => {
      ensureBuilt();
      home = mkdtempSync(join(tmpdir(), "lv-home-"));
      const images = await testImages({ big: false });
      reg = await startRegistry();
      await pushIndex(reg, "fx/multi", "1", [
        { src: `docker-archive:${images.dockerArchive}`, platform: { os: "linux", architecture: "amd64" } },
        {
          src: `oci-archive:${images.estargzArchive}`,
          flags: ["--preserve-digests"],
          platform: { os: "linux", architecture: "arm64", variant: "v8" },
        },
        // Pushed as BuildKit lists its attestations: platform unknown/unknown.
        {
          src: `oci-archive:${images.estargzArchive}`,
          flags: ["--preserve-digests"],
          platform: { os: "unknown", architecture: "unknown" },
        },
      ]);
    }, 120_000);
    afterAll(async () => {
      await reg?.stop();
      rmSync(home, { recursive: true, force: true });
    });

    const env = () => ({
      HOME: home,
      DOCKER_CONFIG: join(home, "none"),
      DOCKER_HOST: `unix://${home}/no-docker.sock`,
    });
    const common = `${COMMON_PLATFORMS.join("\n")}\n`;

    it("the index's platforms, for registry:// and for a name no daemon has", async () => {
      const before = (await reg.served()).length;
      for (const line of [["--source", "registry", `${reg.host}/fx/multi:1`], [`${reg.host}/fx/multi:1`]]) {
        const r = cli(["completion", "platforms", ...line], { env: env() });
        expect(r).toEqual({ code: 0, stdout: "linux/amd64\nlinux/arm64/v8\n", stderr: "" });
      }
      // The index only: no manifest of a platform, no blob.
      const served = (await reg.served()).slice(before).filter((s) => s.path !== "/v2/");
      expect(served.map((s) => `${s.method} ${s.path}`)).toEqual([
        "GET /v2/fx/multi/manifests/1",
        "GET /v2/fx/multi/manifests/1",
      ]);
    });

    it("a single-platform image or an unreachable registry: the common platforms, nothing on stderr", () => {
      const single = cli(["completion", "platforms", `registry://${reg.host}/fx/multi:1-member-0`], {
        env: env(),
      });
      expect(single).toEqual({ code: 0, stdout: common, stderr: "" });
      const started = performance.now();
      // A TEST-NET address: nothing answers, so the look-up gives up at its deadline.
      const away = cli(["completion", "platforms", "--source", "registry", "192.0.2.1:5000/x/y:1"], {
        env: env(),
      });
      expect(away).toEqual({ code: 0, stdout: common, stderr: "" });
      expect(performance.now() - started).toBeLessThan(3000);
    });
  },
  { auth: "none" },
);
