/**
 * Two versions of one image, built with real `docker build` on the harness's dockerd, for the
 * `--compare` tests: both FROM the same base (the busybox layer and a RUN layer, shared by DiffID);
 * v2 changes two files, adds one, deletes one v1 added and one the base added (a whiteout).
 * What the comparison must show is computed here, from the files written and from what the engine
 * says (`docker inspect`, `docker save` stacked by the harness), never from layerview's model.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EntryType } from "../../src/model/layer-contents.js";
import { readImage } from "../../src/sources/archive.js";
import { type EngineTarget, mergedTree, run } from "./harness.js";

export const TAG_BASE = "layerview-compare-base:1";
export const TAG_V1 = "layerview-compare:1";
export const TAG_V2 = "layerview-compare:2";

/** Deterministic bytes (a sha256 chain), so rebuilds hit the layer cache. */
function bytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash("sha256").update(seed).digest();
  for (let at = 0; at < length; at += block.length) {
    block.copy(out, at);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

const V1_FILES: Record<string, Buffer> = {
  "app/version": Buffer.from("1.4.0\n"),
  "app/data.bin": bytes("data v1", 50_000),
  "app/old.txt": Buffer.from("only in version 1\n"),
};
const V2_FILES: Record<string, Buffer> = {
  "app/version": Buffer.from("1.5.0-rc.1\n"),
  "app/data.bin": bytes("data v2", 80_000),
  "app/new/readme.txt": bytes("readme", 1_234),
};

export interface CompareImages {
  /** The engine's DiffIDs (docker inspect) of each. */
  diffIdsA: string[];
  diffIdsB: string[];
  /** docker save of v2, for a second kind of source. */
  archiveB: string;
  /** Regular-file bytes of each final tree, from the saved archives stacked by the harness. */
  contentA: number;
  contentB: number;
  /** Regular-file bytes under a directory in each, the same way. */
  under(side: "a" | "b", dir: string): number;
  /** The files written, by image path. */
  filesA: Record<string, Buffer>;
  filesB: Record<string, Buffer>;
  /** The base's file v2 deletes, and its size. */
  baseGone: { path: string; size: number };
  dir: string;
  cleanup(): void;
}

function dockerEnv(t: EngineTarget) {
  return {
    ...process.env,
    DOCKER_HOST: t.host,
    DOCKER_CONFIG: `${t.vars.LAYERVIEW_ENGINES_DIR}/docker-cli`,
    DOCKER_BUILDKIT: "0",
  };
}

async function build(
  t: EngineTarget,
  dir: string,
  tag: string,
  dockerfile: string,
  files: Record<string, Buffer>,
) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  for (const [p, data] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), data);
  }
  await run("docker", ["build", "--network", "none", "-q", "-t", tag, dir], { env: dockerEnv(t) });
}

export async function buildCompareImages(t: EngineTarget): Promise<CompareImages> {
  const dir = mkdtempSync(join(tmpdir(), "lv-compare-"));
  const goneSize = 4096;
  await build(
    t,
    join(dir, "base"),
    TAG_BASE,
    [
      "FROM localhost/busybox:base",
      `RUN mkdir -p /srv/shared && echo keep > /srv/shared/keep.txt && dd if=/dev/zero of=/srv/shared/gone.bin bs=${goneSize} count=1 2>/dev/null`,
      "",
    ].join("\n"),
    {},
  );
  await build(t, join(dir, "v1"), TAG_V1, `FROM ${TAG_BASE}\nCOPY app/ /srv/app/\n`, V1_FILES);
  await build(
    t,
    join(dir, "v2"),
    TAG_V2,
    `FROM ${TAG_BASE}\nCOPY app/ /srv/app/\nRUN rm /srv/shared/gone.bin\n`,
    V2_FILES,
  );
  const inspect = async (tag: string) =>
    JSON.parse(
      (await run("docker", ["inspect", "--format", "{{json .RootFS.Layers}}", tag], { env: dockerEnv(t) }))
        .stdout,
    ) as string[];
  const archiveA = join(dir, "v1.tar");
  const archiveB = join(dir, "v2.tar");
  await run("docker", ["save", "-o", archiveA, TAG_V1], { env: dockerEnv(t) });
  await run("docker", ["save", "-o", archiveB, TAG_V2], { env: dockerEnv(t) });
  // The final trees as the harness stacks the saved layers (not layerview's model).
  const trees = {
    a: mergedTree(await readImage(archiveA, {})),
    b: mergedTree(await readImage(archiveB, {})),
  };
  const under = (side: "a" | "b", d: string) => {
    let sum = 0;
    for (const [p, row] of trees[side])
      if (row.type === EntryType.File && (d === "/" || p.startsWith(`${d}/`))) sum += row.size;
    return sum;
  };
  return {
    diffIdsA: await inspect(TAG_V1),
    diffIdsB: await inspect(TAG_V2),
    archiveB,
    contentA: under("a", "/"),
    contentB: under("b", "/"),
    under,
    filesA: Object.fromEntries(Object.entries(V1_FILES).map(([p, b]) => [`/srv/${p}`, b])),
    filesB: Object.fromEntries(Object.entries(V2_FILES).map(([p, b]) => [`/srv/${p}`, b])),
    baseGone: { path: "/srv/shared/gone.bin", size: goneSize },
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
