import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { EntryType } from "../../src/model/layer-contents.js";
import { readImage, readImageStream } from "../../src/sources/archive.js";
import type { ImageData } from "../../src/sources/types.js";
import { describeReal, realFixturesDir } from "../real-fixtures.js";

/**
 * The real archives in ../shared/fixtures/real, read as they are. Expected values come from GNU tar
 * run here on the same bytes (never from layerview's own output).
 */
const realDir = realFixturesDir;
const scratch = mkdtempSync(join(tmpdir(), "layerview-real-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const env = { ...process.env, LC_ALL: "C" };

function member(archive: string, name: string): Buffer {
  return execFileSync("tar", ["-xOf", archive, name], {
    env,
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

interface TarFacts {
  /** Every member tar lists (whiteout markers and duplicates included). */
  entries: number;
  /** Regular files that stay files (not whiteout markers), a repeated path counted once (last wins). */
  files: number;
  /** Sum of those files' sizes. */
  fileBytes: number;
}

/** List a layer blob with GNU tar (it detects gzip/zstd itself when reading a file). */
function tarFacts(blob: Buffer): TarFacts {
  const file = join(scratch, `blob-${createHash("sha256").update(blob).digest("hex")}`);
  writeFileSync(file, blob);
  const out = execFileSync("tar", ["-tvf", file, "--numeric-owner", "--quoting-style=literal"], {
    env,
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "pipe"],
  }).toString("utf8");
  const lines = out.split("\n").filter((l) => l !== "");
  const sizes = new Map<string, number | null>();
  for (const line of lines) {
    const m = /^(\S)\S*\s+\S+\s+(\d+|\d+,\s*\d+)\s+\S+\s+\S+\s(.*)$/.exec(line);
    if (!m) throw new Error(`unexpected tar -tv line: ${line}`);
    const [, type, size, rest] = m as unknown as [string, string, string, string];
    let name = rest;
    if (type === "l") name = rest.slice(0, rest.indexOf(" -> "));
    if (type === "h") name = rest.slice(0, rest.indexOf(" link to "));
    const norm = name.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
    const base = norm.slice(norm.lastIndexOf("/") + 1);
    sizes.set(norm, type === "-" && !base.startsWith(".wh.") ? Number(size) : null);
  }
  let files = 0;
  let fileBytes = 0;
  for (const s of sizes.values()) {
    if (s === null) continue;
    files++;
    fileBytes += s;
  }
  return { entries: lines.length, files, fileBytes };
}

function layerFacts(d: ImageData): TarFacts[] {
  return d.readLayers.map((l) => {
    const c = l.contents;
    if (!c) throw new Error(`layer ${l.descriptor.index} failed: ${l.error}`);
    let files = 0;
    for (let i = 0; i < c.count; i++) if (c.type[i] === EntryType.File) files++;
    return { entries: c.tarEntries, files, fileBytes: c.fileBytes };
  });
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describeReal("dive's classic docker save fixture", () => {
  const archive = join(realDir, "test-docker-image.tar");
  const manifest = JSON.parse(member(archive, "manifest.json").toString()) as Array<{
    Config: string;
    RepoTags: string[];
    Layers: string[];
  }>;
  const blobs = manifest[0]!.Layers.map((p) => member(archive, p));

  it("matches tar layer by layer", async () => {
    const d = await readImage(archive, {});
    expect(d.readLayers).toHaveLength(manifest[0]!.Layers.length);
    expect(layerFacts(d)).toEqual(blobs.map(tarFacts));
    expect(d.reference).toBe(manifest[0]!.RepoTags[0]);
    // The layer.tar files are uncompressed: their digests are the config's DiffIDs, in order.
    expect(d.readLayers.map((l) => l.descriptor.diffId)).toEqual(blobs.map(sha));
    expect(d.readLayers.map((l) => l.descriptor.blobSize)).toEqual(blobs.map((b) => b.length));
    expect(d.id).toBe(sha(member(archive, manifest[0]!.Config)));
    expect(d.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
  });

  it("reads the same from a one-pass stream", async () => {
    const d = await readImageStream(createReadStream(archive), "-", {});
    expect(layerFacts(d)).toEqual(blobs.map(tarFacts));
  });
});

describeReal("the kaniko fixture", () => {
  const archive = join(realDir, "test-kaniko-image.tar");
  const manifest = JSON.parse(member(archive, "manifest.json").toString()) as Array<{ Layers: string[] }>;
  const blobs = manifest[0]!.Layers.map((p) => member(archive, p));

  it("matches tar layer by layer", async () => {
    const d = await readImage(archive, {});
    expect(d.readLayers).toHaveLength(blobs.length);
    expect(layerFacts(d)).toEqual(blobs.map(tarFacts));
    expect(d.readLayers.every((l) => l.descriptor.compression === "gzip")).toBe(true);
    expect(d.reference).toBe("dive-test:kaniko-latest");
  });
});

for (const kind of ["gzip", "zstd", "estargz", "uncompressed"])
  describeReal(`the OCI ${kind} fixture`, () => {
    const archive = join(realDir, `test-oci-${kind}-image.tar`);
    const index = JSON.parse(member(archive, "index.json").toString()) as {
      manifests: Array<{ digest: string }>;
    };
    const blobOf = (digest: string) => member(archive, `blobs/sha256/${digest.slice("sha256:".length)}`);
    const manifest = JSON.parse(blobOf(index.manifests[0]!.digest).toString()) as {
      layers: Array<{ digest: string; size: number }>;
    };
    const blobs = manifest.layers.map((l) => blobOf(l.digest));

    it("matches tar layer by layer", async () => {
      const d = await readImage(archive, {});
      expect(d.readLayers).toHaveLength(manifest.layers.length);
      expect(layerFacts(d)).toEqual(blobs.map(tarFacts));
      expect(d.readLayers.map((l) => l.descriptor.digest)).toEqual(manifest.layers.map((l) => l.digest));
      expect(d.readLayers.map((l) => l.descriptor.blobSize)).toEqual(manifest.layers.map((l) => l.size));
      expect(d.platform).toBe("linux/arm64");
      const expected = kind === "uncompressed" ? "none" : kind === "estargz" ? "gzip" : kind;
      expect(d.readLayers[0]!.descriptor.compression).toBe(expected);
    });

    it("reads the same from a one-pass stream", async () => {
      const d = await readImageStream(createReadStream(archive), archive, {});
      expect(layerFacts(d)).toEqual(blobs.map(tarFacts));
    });
  });
