import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cli, demoArchive, ensureBuilt } from "../cli/run-cli.js";
import { type EngineTarget, engineDescribe, probeEngine, run } from "./harness.js";

/**
 * The base image boundary against images really built: a base FROM the harness's busybox (three
 * layers: busybox, then two RUNs, the second deleting what the first wrote; a LABEL; a closing
 * CMD), and an app FROM it (its own RUN, an `rm` of a base file, a CMD). What the base is comes
 * from the engine itself (`image inspect`'s RootFS layers), never from layerview.
 */
const BASE_DOCKERFILE = `FROM localhost/busybox:base
RUN mkdir -p /usr/share/base && dd if=/dev/zero of=/usr/share/base/junk bs=1024 count=20 2>/dev/null
RUN rm /usr/share/base/junk && dd if=/dev/zero of=/usr/share/base/blob bs=1024 count=50 2>/dev/null
LABEL org.example.role=base
CMD ["sh"]
`;
const appDockerfile = (base: string, label: boolean) => `FROM ${base}
${label ? `LABEL org.opencontainers.image.base.name=${base}\n` : ""}RUN echo app > /app.txt
RUN rm /usr/share/base/blob
CMD ["cat", "/app.txt"]
`;
const JUNK = 20 * 1024;
const BLOB = 50 * 1024;

function engineEnv(t: EngineTarget): NodeJS.ProcessEnv {
  return t.engine === "docker"
    ? { ...process.env, DOCKER_HOST: t.host, DOCKER_CONFIG: `${t.vars.LAYERVIEW_ENGINES_DIR}/docker-cli` }
    : {
        ...process.env,
        CONTAINERS_CONF: t.vars.CONTAINERS_CONF,
        CONTAINERS_STORAGE_CONF: t.vars.CONTAINERS_STORAGE_CONF,
        CONTAINERS_REGISTRIES_CONF: t.vars.CONTAINERS_REGISTRIES_CONF,
      };
}

async function build(t: EngineTarget, dir: string, tag: string, dockerfile: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  const env = { ...engineEnv(t), DOCKER_BUILDKIT: "0" };
  await run(t.engine, ["build", "-q", "--network", "none", "-t", tag, dir], { env });
}

async function rootfsLayers(t: EngineTarget, image: string): Promise<string[]> {
  const { stdout } = await run(t.engine, ["image", "inspect", "--format", "{{json .RootFS.Layers}}", image], {
    env: engineEnv(t),
  });
  return JSON.parse(stdout) as string[];
}

interface Report {
  image: {
    base: {
      layerCount: number | null;
      method: string;
      name: string | null;
      reason: string;
      digest: string | null;
    };
  };
  layers: { base: boolean | null }[];
  advice: { kind: string; bytes: number; bytesSaved: number; layer: number; message: string }[];
}

function json(args: string[], env: NodeJS.ProcessEnv): Report {
  const r = cli(["--json", ...args], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

const targets = await Promise.all([probeEngine("docker"), probeEngine("podman")]);
for (const t of targets) {
  engineDescribe(t, `the base image boundary of images ${t.engine} built`, () => {
    const prefix = t.engine === "docker" ? "docker://" : "podman://";
    const repo = t.engine === "docker" ? "layerview-basetest" : "localhost/layerview-basetest";
    const base = `${repo}/base:1`;
    const app = `${repo}/app:1`;
    const labelled = `${repo}/app-labelled:1`;
    const cliEnv: NodeJS.ProcessEnv =
      t.engine === "docker" ? { DOCKER_HOST: t.host } : { CONTAINER_HOST: t.host, DOCKER_HOST: "" };
    let tmp = "";
    let baseLayers = 0;

    beforeAll(async () => {
      ensureBuilt();
      tmp = mkdtempSync(join(tmpdir(), `layerview-base-${t.engine}-`));
      await build(t, join(tmp, "base"), base, BASE_DOCKERFILE);
      await build(t, join(tmp, "app"), app, appDockerfile(base, false));
      await build(t, join(tmp, "labelled"), labelled, appDockerfile(base, true));
      const [b, a] = await Promise.all([rootfsLayers(t, base), rootfsLayers(t, app)]);
      baseLayers = b.length;
      // The engine's own account: the app starts with every layer of the base, then has its own.
      expect(a.slice(0, b.length)).toEqual(b);
      expect(a.length).toBeGreaterThan(b.length);
    }, 180_000);
    afterAll(() => {
      if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
    });

    it("--base (exact): the app's bottom layers are the base's, by DiffID", () => {
      const r = json(["--base", `${prefix}${base}`, `${prefix}${app}`], cliEnv);
      expect(r.image.base).toMatchObject({ layerCount: baseLayers, method: "exact" });
      expect(r.image.base.name).toContain("layerview-basetest/base:1");
      expect(r.layers.map((l) => l.base)).toEqual(r.layers.map((_, i) => i < baseLayers));
      // The advisor: the base's own deleted junk is the base's finding; the app's rm saves nothing.
      const inBase = r.advice.find((f) => f.kind === "base-image");
      expect(inBase).toMatchObject({ bytes: JUNK, bytesSaved: JUNK });
      expect(inBase!.message).toContain("comes with the base image");
      const rm = r.advice.find((f) => f.kind === "deletes-base-files");
      expect(rm).toMatchObject({ bytes: BLOB, bytesSaved: 0, layer: baseLayers + 1 });
      expect(r.advice.some((f) => f.kind === "deleted-later")).toBe(false);
    });

    it("--base from an archive: the same answer from another source", async () => {
      const file = join(tmp, "base.tar");
      await run(t.engine, ["save", "-o", file, base], { env: engineEnv(t) });
      const r = json(["--base", file, `${prefix}${app}`], cliEnv);
      expect(r.image.base).toMatchObject({ layerCount: baseLayers, method: "exact" });
    });

    it("--base that is not the base: no layer counted as the base's, and a warning on stderr", () => {
      const r = cli(["--json", "--base", demoArchive, `${prefix}${app}`], { env: cliEnv });
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as Report).image.base).toMatchObject({ layerCount: 0, method: "exact" });
      expect(r.stderr).toMatch(
        /^layerview: warning: the image shares no bottom layer with layerview\/demo:1\.0 .*\n$/,
      );
    });

    if (t.engine === "docker") {
      it("heuristic (classic builder, no metadata): the base's closing CMD, named a guess", () => {
        const r = json([`${prefix}${app}`], cliEnv);
        expect(r.image.base).toMatchObject({ layerCount: baseLayers, method: "heuristic", name: null });
        expect(r.image.base.reason).toMatch(
          /^a guess from the history's shape: the base image's closing CMD/,
        );
      });

      it("metadata (a LABEL naming the base): its name, the layers still a guess", () => {
        const r = json([`${prefix}${labelled}`], cliEnv);
        expect(r.image.base).toMatchObject({ layerCount: baseLayers, method: "heuristic", name: base });
        expect(r.image.base.reason).toContain("label");
      });
    } else {
      it("metadata (podman's FROM history comments, read through the podman API)", () => {
        const r = json([`${prefix}${app}`], cliEnv);
        expect(r.image.base).toMatchObject({ layerCount: baseLayers, method: "metadata", name: base });
      });

      it("metadata (the manifest's org.opencontainers.image.base.* annotations, in an OCI archive)", async () => {
        const file = join(tmp, "app-oci.tar");
        await run("podman", ["save", "--format", "oci-archive", "-o", file, app], { env: engineEnv(t) });
        const { stdout } = await run(
          "podman",
          ["image", "inspect", "--format", "{{json .Annotations}}", app],
          {
            env: engineEnv(t),
          },
        );
        const annotations = JSON.parse(stdout) as Record<string, string>;
        const r = json([file], {});
        expect(r.image.base).toMatchObject({
          layerCount: baseLayers,
          method: "metadata",
          name: annotations["org.opencontainers.image.base.name"],
          digest: annotations["org.opencontainers.image.base.digest"],
        });
        expect(r.image.base.reason).toContain("manifest's org.opencontainers.image.base.name annotation");
      });
    }

    it("the text report and the CI gate's own figures leave the base out", () => {
      const text = cli(["--report", "--base", `${prefix}${base}`, `${prefix}${app}`], { env: cliEnv });
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^Base {7}.*layerview-basetest\/base:1 — layers 0–2 \(exact: /m);
      expect(text.stdout).toContain("── above: the base image");
      const ci = cli(
        [
          "--ci",
          "--ci-format",
          "json",
          "--ci-figures",
          "own",
          "--highest-wasted-bytes",
          "0",
          "--base",
          `${prefix}${base}`,
          `${prefix}${app}`,
        ],
        { env: cliEnv },
      );
      const out = JSON.parse(ci.stdout) as {
        figures: Record<string, { wastedBytes: number; sizeBytes: number }>;
      };
      // The own layers write 4 bytes (/app.txt) and waste none; every layer's figures count the base's junk and blob.
      expect(out.figures.own).toMatchObject({ wastedBytes: 0, sizeBytes: 4 });
      expect(out.figures.layerview!.wastedBytes).toBe(JUNK + BLOB);
      expect(ci.code).toBe(0);
    });
  });
}
