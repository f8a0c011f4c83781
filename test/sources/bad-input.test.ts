import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { readImage, readImageStream } from "../../src/sources/archive.js";
import type { ImageData } from "../../src/sources/types.js";
import {
  archiveMembers,
  buildArchive,
  buildImage,
  fixtureDir,
  type ImageSpec,
  makeLayerTar,
  removeFixtures,
  tarMembers,
  writeFixture,
  writeTar,
} from "../fixtures/images.js";
import { zstdCompress } from "../fixtures/zstd.js";
import { describeImage, streamOf, userError } from "./helpers.js";

afterAll(removeFixtures);

const good = { "good.txt": "fine" };
const goodExpected = ["/good.txt file 4"];

/** Read from a file and from a stream; both must agree. */
async function both(name: string, bytes: Buffer): Promise<ImageData[]> {
  const path = await writeFixture(name, bytes);
  return [await readImage(path, {}), await readImageStream(streamOf(bytes, 3000), "-", {})];
}

async function bothFail(
  name: string,
  bytes: Buffer,
): Promise<{ path: string; file: string; stream: string }> {
  const path = await writeFixture(name, bytes);
  const file = await userError(readImage(path, {}));
  const stream = await userError(readImageStream(streamOf(bytes, 3000), "-", {}));
  for (const e of [file, stream]) {
    expect(e.message).not.toContain("\n");
    expect(e.hint).toBeTruthy();
  }
  return { path, file: file.message, stream: stream.message };
}

describe("fatal problems are one-line UserErrors", () => {
  it("a missing file", async () => {
    const path = join(fixtureDir(), "nope.tar");
    const err = await userError(readImage(path, {}));
    expect(err.message).toBe(`${path}: no such file or directory`);
    expect(err.hint).toMatch(/check the path/);
  });

  it("a text file", async () => {
    const { path, file, stream } = await bothFail(
      "notes.txt",
      Buffer.from("hello world\nthis is not an image\n".repeat(40)),
    );
    expect(file).toBe(`${path} is not a tar archive: it looks like a text file ("hello world")`);
    expect(stream).toBe(`- is not a tar archive: it looks like a text file ("hello world")`);
  });

  it("an empty file", async () => {
    const path = await writeFixture("empty.tar", Buffer.alloc(0));
    expect((await userError(readImage(path, {}))).message).toBe(`${path} is empty: not an image archive`);
    expect((await userError(readImageStream(streamOf(Buffer.alloc(0)), "-", {}))).message).toBe(
      "- : the input is empty".replace(" :", ":"),
    );
  });

  it("a truncated archive", async () => {
    const bytes = buildArchive(
      { tags: ["t:1"], layers: [{ "big.bin": "x".repeat(50_000) }] },
      { flavor: "podman" },
    );
    const { path, file, stream } = await bothFail("truncated.tar", bytes.subarray(0, 30_000));
    expect(file).toMatch(
      new RegExp(
        `^${path} is truncated: '[0-9a-f]{64}\\.tar' needs \\d+ bytes from byte \\d+ \\(the file has 30000 bytes\\)$`,
      ),
    );
    expect(stream).toBe("- is truncated: the tar stream ends inside an entry");
  });

  it("an archive cut at a member boundary, before its manifest", async () => {
    const members = archiveMembers([{ tags: ["t:1"], layers: [good] }], { flavor: "podman" });
    const cut = tarMembers(
      members.filter((m) => m.path !== "manifest.json"),
      { tarOptions: { noEndBlocks: true } },
    );
    const { path, file, stream } = await bothFail("cut.tar", cut);
    const end = "(the tar has no end marker: it may be truncated)";
    expect(file).toBe(
      `${path}: no manifest.json or index.json: this is not a container image archive ${end}`,
    );
    expect(stream).toBe(`-: no manifest.json or index.json: this is not a container image archive ${end}`);
  });

  it("warns about a complete archive without end blocks", async () => {
    const bytes = tarMembers(archiveMembers([{ tags: ["t:1"], layers: [good] }]), {
      tarOptions: { noEndBlocks: true },
    });
    for (const d of await both("noend.tar", bytes)) {
      expect(describeImage(d)).toEqual([goodExpected]);
      expect(d.diagnostics).toEqual([
        expect.objectContaining({
          severity: "warning",
          message: expect.stringMatching(/ends without a tar end-of-archive marker; it may be truncated$/),
        }),
      ]);
    }
  });

  it("a truncated gzip-compressed archive", async () => {
    const bytes = buildArchive({ tags: ["t:1"], layers: [good] }, { flavor: "docker", outer: "gzip" });
    const { path, file, stream } = await bothFail("truncated.tar.gz", bytes.subarray(0, bytes.length - 40));
    expect(file).toBe(`${path}: the gzip-compressed archive is truncated`);
    expect(stream).toBe("-: the gzip-compressed archive is truncated");
  });

  it("a corrupt zstd-compressed archive", async () => {
    const bytes = Buffer.from(
      buildArchive({ tags: ["t:1"], layers: [good] }, { flavor: "docker", outer: "zstd" }),
    );
    bytes.fill(0x41, 20, 60);
    const { stream } = await bothFail("corrupt.tar.zst", bytes);
    expect(stream).toMatch(/^-: the zstd-compressed archive is (corrupt \(.*\)|truncated)$/);
  });

  it("a gzip file that does not hold a tar", async () => {
    const { path, file } = await bothFail("notar.gz", gzipSync(Buffer.from("just text\n".repeat(100))));
    expect(file).toBe(`${path} is not a tar archive: after gzip decompression the data is not a tar`);
  });

  it("malformed manifest.json, naming the file inside the archive", async () => {
    const bytes = buildArchive(
      { tags: ["t:1"], layers: [good] },
      { flavor: "docker", replace: { "manifest.json": "[{oops" } },
    );
    const { path, file, stream } = await bothFail("badjson.tar", bytes);
    expect(file).toMatch(new RegExp(`^${path}: manifest\\.json is not valid JSON \\(.+\\)$`));
    expect(stream).toMatch(/^-: manifest\.json is not valid JSON \(.+\)$/);
  });

  it("malformed config JSON", async () => {
    const spec: ImageSpec = { tags: ["t:1"], layers: [good], rawConfig: '{"rootfs": ' };
    const config = `${buildImage(spec).configDigest.slice(7)}.json`;
    const { path, file } = await bothFail("badconfig.tar", buildArchive(spec, { flavor: "docker" }));
    expect(file).toMatch(new RegExp(`^${path}: ${config} is not valid JSON \\(.+\\)$`));
  });

  it("manifest.json that is JSON but not a manifest", async () => {
    const bytes = buildArchive(
      { layers: [good] },
      { flavor: "docker", replace: { "manifest.json": '{"a":1}' } },
    );
    const { path, file } = await bothFail("notmanifest.tar", bytes);
    expect(file).toBe(
      `${path}: manifest.json is not a docker image manifest (expected a list of {Config, RepoTags, Layers})`,
    );
  });

  it("a manifest naming a config that is missing", async () => {
    const spec: ImageSpec = { tags: ["t:1"], layers: [good] };
    const config = `${buildImage(spec).configDigest.slice(7)}.json`;
    const bytes = buildArchive(spec, { flavor: "docker", drop: (p) => p === config });
    const { path, file, stream } = await bothFail("noconfig.tar", bytes);
    expect(file).toBe(`${path}: the manifest names config ${config}, which is not in the archive`);
    expect(stream).toBe(`-: the manifest names config ${config}, which is not in the archive`);
  });

  it("a manifest whose only layer blob is missing", async () => {
    const bytes = buildArchive({ tags: ["t:1"], layers: [good], omitLayers: [0] }, { flavor: "podman" });
    const { path, file } = await bothFail("nolayer.tar", bytes);
    expect(file).toMatch(
      new RegExp(
        `^${path}: none of the 1 layer blobs of t:1 \\(linux/amd64\\) are in the archive \\(first missing: [0-9a-f]{64}\\.tar\\)$`,
      ),
    );
  });

  it("an index naming a manifest blob that is missing", async () => {
    const spec: ImageSpec = { tags: ["t:1"], layers: [good] };
    const manifest = buildImage(spec, "gzip").manifestDigest;
    const bytes = buildArchive(spec, {
      flavor: "oci",
      drop: (p) => p === `blobs/sha256/${manifest.slice(7)}`,
    });
    const { path, file } = await bothFail("nomanifest-blob.tar", bytes);
    expect(file).toBe(
      `${path}: t:1 (linux/amd64) is not in the archive: its manifest ${manifest.slice(0, 19)}… is not in the archive`,
    );
  });

  it("no manifest.json or index.json at all", async () => {
    const bytes = writeTar([{ name: "etc/passwd", typeflag: "0", data: Buffer.from("root:x:0:0\n") }]);
    const { path, file, stream } = await bothFail("rootfs.tar", bytes);
    expect(file).toBe(`${path}: no manifest.json or index.json: this is not a container image archive`);
    expect(stream).toBe("-: no manifest.json or index.json: this is not a container image archive");
  });

  it("a directory that is not an OCI layout", async () => {
    const dir = join(fixtureDir(), "plain-dir");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "x"), "x");
    const err = await userError(readImage(dir, {}));
    expect(err.message).toBe(`${dir} is a directory but not an OCI image layout (no index.json)`);
  });
});

/** A two-layer image whose second layer blob is replaced by `blob`. */
function withBadLayer(blob: Buffer, extra: Partial<ImageSpec> = {}): ImageSpec {
  return { tags: ["bad:1"], layers: [good, { "x.txt": "x" }], blobOverrides: { 1: blob }, ...extra };
}

const bigLayer = makeLayerTar({ "big.bin": randomBytes(200_000), "after.txt": "a" });

describe("layer problems fail that layer only", () => {
  const corruptGzip = Buffer.from(gzipSync(bigLayer));
  corruptGzip.fill(0x55, 30, 80);
  const corruptZstd = Buffer.from(zstdCompress(bigLayer));
  corruptZstd.fill(0x55, 12, 40);
  const cases: Array<[string, Buffer, RegExp]> = [
    ["corrupt gzip", corruptGzip, /^the gzip data is corrupt \(.+\)$/],
    ["truncated gzip", gzipSync(bigLayer).subarray(0, 150_000), /^the gzip stream is truncated$/],
    ["corrupt zstd", corruptZstd, /^the zstd data (is corrupt \(.+\)|does not hold a tar archive)$/],
    ["truncated zstd", zstdCompress(bigLayer).subarray(0, 150_000), /^the zstd stream is truncated$/],
    [
      "truncated tar",
      bigLayer.subarray(0, 100_000),
      /^the layer tar is truncated \(it ends inside the data of 'big\.bin', after 100000 bytes\)$/,
    ],
    [
      "truncated tar inside gzip",
      gzipSync(bigLayer.subarray(0, 100_000)),
      /^the layer tar is truncated .* \(inside the gzip stream\)$/,
    ],
    [
      "text",
      Buffer.from("definitely not a layer\n".repeat(30)),
      /^the blob is not a tar, gzip or zstd stream \(it starts with 64 65 66 69\)$/,
    ],
    [
      "xz",
      Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2, 3]),
      /^xz-compressed layers are not supported$/,
    ],
  ];
  it.each(cases)("%s", async (_, blob, message) => {
    for (const flavor of ["oci", "podman"] as const) {
      for (const d of await both(`bad-${flavor}.tar`, buildArchive(withBadLayer(blob), { flavor }))) {
        expect(describeImage(d)[0]).toEqual(goodExpected);
        const bad = d.readLayers[1]!;
        expect(bad.contents).toBeNull();
        expect(bad.error).toMatch(message);
        const diag = d.diagnostics.filter((x) => x.severity === "error");
        expect(diag).toHaveLength(1);
        expect(diag[0]!.layer).toBe(1);
        expect(diag[0]!.message).toMatch(/: layer 1 \([0-9a-f]{12}\): /);
        expect(diag[0]!.message).not.toContain("\n");
      }
    }
  });

  it("keeps no paths of a layer that failed half-way in a stream", async () => {
    const half = makeLayerTar({ "half/a.txt": "a", "half/big.bin": randomBytes(100_000) }).subarray(
      0,
      50_000,
    );
    const d = await readImageStream(
      streamOf(buildArchive(withBadLayer(half), { flavor: "podman" })),
      "-",
      {},
    );
    expect(d.readLayers[1]!.error).toMatch(/truncated/);
    expect(d.paths.lookup(["half"])).toBe(-1);
    expect(describeImage(d)[0]).toEqual(goodExpected);
  });

  it("a missing layer blob among others", async () => {
    for (const d of await both(
      "missing-one.tar",
      buildArchive(withBadLayer(Buffer.alloc(0), { omitLayers: [1] }), { flavor: "oci" }),
    )) {
      expect(describeImage(d)[0]).toEqual(goodExpected);
      expect(d.readLayers[1]!.error).toMatch(/^its blob blobs\/sha256\/[0-9a-f]{64} is not in the archive$/);
      expect(d.diagnostics).toEqual([expect.objectContaining({ severity: "error", layer: 1 })]);
    }
  });

  it("a foreign layer without its blob", async () => {
    const spec: ImageSpec = {
      tags: ["win:1"],
      layers: [{ "foreign.txt": "f" }, good],
      mediaTypes: ["application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"],
      omitLayers: [0],
    };
    for (const d of await both("foreign.tar", buildArchive(spec, { flavor: "oci" }))) {
      expect(d.readLayers[0]!.contents).toBeNull();
      expect(d.readLayers[0]!.error).toMatch(
        /^it is a foreign layer \(application\/vnd\.docker\.image\.rootfs\.foreign\.diff\.tar\.gzip\) whose blob is not in the archive$/,
      );
      expect(describeImage(d)[1]).toEqual(goodExpected);
      expect(d.diagnostics[0]!.message).toContain("foreign.diff");
    }
  });

  it("an unknown media type is read by its bytes", async () => {
    const spec: ImageSpec = {
      tags: ["u:1"],
      layers: [good],
      mediaTypes: ["application/vnd.example.mystery"],
    };
    for (const d of await both("mystery.tar", buildArchive(spec, { flavor: "oci" }))) {
      expect(describeImage(d)).toEqual([goodExpected]);
      expect(d.readLayers[0]!.descriptor.mediaType).toBe("application/vnd.example.mystery");
    }
  });

  it("an unknown media type that is not a layer fails that layer with the type named", async () => {
    const spec: ImageSpec = {
      tags: ["u:1"],
      layers: [good, good],
      mediaTypes: ["application/vnd.oci.image.layer.v1.tar", "application/vnd.example.helm-chart"],
      blobOverrides: { 1: Buffer.from('{"chart": "not a layer"}\n'.repeat(30)) },
    };
    for (const d of await both("helm.tar", buildArchive(spec, { flavor: "oci" }))) {
      expect(d.readLayers[1]!.contents).toBeNull();
      expect(d.diagnostics[0]!.message).toMatch(/\[application\/vnd\.example\.helm-chart\]$/);
    }
  });

  it("entries of unknown tar types are skipped with a warning", async () => {
    const layer = [
      { raw: { name: "sparse.img", typeflag: "S", data: Buffer.alloc(1000, 1) } },
      { file: "after.txt", content: "after" },
    ];
    for (const d of await both(
      "sparse.tar",
      buildArchive({ tags: ["s:1"], layers: [layer] }, { flavor: "oci" }),
    )) {
      expect(describeImage(d)).toEqual([["/after.txt file 5"]]);
      expect(d.diagnostics).toEqual([
        expect.objectContaining({
          severity: "warning",
          layer: 0,
          message: expect.stringMatching(/skipped 1 entry of unknown tar type 'S' \(first: sparse\.img\)$/),
        }),
      ]);
    }
  });

  it("entry problems from the builder become diagnostics naming the layer", async () => {
    const layer = [
      { file: "../escape.txt", content: "x" },
      { file: "ok.txt", content: "ok" },
    ];
    for (const d of await both(
      "escape.tar",
      buildArchive({ tags: ["e:1"], layers: [layer] }, { flavor: "podman" }),
    )) {
      expect(describeImage(d)).toEqual([["/ok.txt file 2"]]);
      expect(d.diagnostics).toEqual([
        expect.objectContaining({
          severity: "error",
          layer: 0,
          message: expect.stringMatching(
            /layer 0 \([0-9a-f]{12}\): \.\.\/escape\.txt: skipped: its name climbs out of the root/,
          ),
        }),
      ]);
    }
  });
});

describe("cancelling", () => {
  it("stops when the signal is aborted before reading", async () => {
    const path = await writeFixture("abort.tar", buildArchive({ tags: ["a:1"], layers: [good] }));
    const ac = new AbortController();
    ac.abort();
    await expect(readImage(path, { signal: ac.signal })).rejects.toThrow(/aborted/i);
    await expect(readImageStream(streamOf(Buffer.alloc(10)), "-", { signal: ac.signal })).rejects.toThrow(
      /aborted/i,
    );
  });

  it("stops between layers when aborted from onImage", async () => {
    const path = await writeFixture("abort2.tar", buildArchive({ tags: ["a:1"], layers: [good, good] }));
    const ac = new AbortController();
    const layers: number[] = [];
    await expect(
      readImage(path, {
        signal: ac.signal,
        onImage: () => ac.abort(),
        onLayer: (l) => layers.push(l.descriptor.index),
      }),
    ).rejects.toThrow(/aborted/i);
    expect(layers).toEqual([]);
  });

  it("aborted after a layer, drops the layer read ahead and closes its file", async () => {
    const big = { "big.bin": Buffer.alloc(20_000_000, 3) };
    const path = await writeFixture(
      "abort3.tar",
      buildArchive({ tags: ["a:1"], layers: [good, big, big, good] }, { compression: "gzip" }),
    );
    const ac = new AbortController();
    const layers: number[] = [];
    await expect(
      readImage(path, {
        signal: ac.signal,
        onLayer: (l) => {
          layers.push(l.descriptor.index);
          ac.abort();
        },
      }),
    ).rejects.toThrow(/aborted/i);
    expect(layers).toEqual([0]);
    const open = readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === realpathSync(path);
      } catch {
        return false;
      }
    });
    expect(open).toEqual([]);
  });

  it("stops a stream in the middle", async () => {
    const bytes = buildArchive(
      { tags: ["a:1"], layers: [{ "big.bin": Buffer.alloc(3_000_000, 1) }, good] },
      { flavor: "podman" },
    );
    const ac = new AbortController();
    const p = readImageStream(streamOf(bytes, 16 * 1024), "-", {
      signal: ac.signal,
      onProgress: (x) => {
        if (x.bytesRead > 100_000) ac.abort();
      },
    });
    await expect(p).rejects.toThrow(/aborted/i);
  });
});
