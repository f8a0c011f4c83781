import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import { ImageModel } from "../../src/model/image-model.js";
import { EntryType, HASH_WORDS } from "../../src/model/layer-contents.js";
import { NOT_HIDDEN } from "../../src/model/stack.js";
import { ImageContent, readFileContent } from "../../src/sources/content.js";
import { openImage } from "../../src/sources/resolve.js";
import { cli, demoArchive, ensureBuilt, readMember, realFixtures, repoRoot } from "../cli/run-cli.js";
import { buildDockerArchive, buildOciLayout, removeFixtures, writeFixture } from "../fixtures/images.js";
import { describeReal } from "../real-fixtures.js";

beforeAll(() => ensureBuilt());
afterAll(() => removeFixtures());

async function text(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** GNU tar as the oracle: the file `path` from layer member `layer` of `archive`. */
function tarFile(archive: string, layer: string, path: string): Buffer {
  const blob = execFileSync("tar", ["-xOf", archive, layer], { maxBuffer: 1 << 30 });
  const names = execFileSync("tar", ["-tf", "-"], { input: blob, maxBuffer: 1 << 30 })
    .toString()
    .split("\n");
  // Layers made with `tar -C rootfs -c .` name their entries ./etc/…
  const name = names.find((n) => n.replace(/^\.?\//, "") === path)!;
  return execFileSync("tar", ["-xOf", "-", name], {
    input: blob,
    maxBuffer: 1 << 30,
    stdio: ["pipe", "pipe", "ignore"],
  });
}

describe("cat on the bundled example", () => {
  const layers: string[] = JSON.parse(readMember(demoArchive, "manifest.json"))[0].Layers;
  let content: ImageContent;
  beforeAll(async () => {
    content = await ImageContent.open(demoArchive);
  });

  it("reads every regular file of the final tree exactly as GNU tar extracts it from its layer", async () => {
    const { model } = content;
    const vs = model.versions;
    let checked = 0;
    for (let v = 0; v < vs.count; v++) {
      if (vs.hiddenAt[v] !== NOT_HIDDEN || model.stack.type(v) !== EntryType.File) continue;
      const path = model.paths.path(vs.node[v]!);
      const got = await text(await content.readVersion(v));
      expect(got.equals(tarFile(demoArchive, layers[vs.layer[v]!]!, path.slice(1))), path).toBe(true);
      checked++;
    }
    expect(checked).toBe(9);
  });

  it("reads the tree as of a layer: a file later deleted, a directory later replaced by a file", async () => {
    expect((await text(await content.readFile("/root/.ssh/id_deploy", { layer: 5 }))).toString()).toBe(
      "-----BEGIN OPENSSH PRIVATE KEY----- (demo, not a real key)\n",
    );
    expect((await text(await content.readFile("/srv/app/logs/boot.log", { layer: 4 }))).toString()).toBe(
      "started\n",
    );
    expect((await text(await content.readFile("/srv/app/logs"))).toString()).toBe("logs go to stdout\n");
    // The chmod layer's copy of server.sh has the same bytes as the COPY layer's.
    const l3 = await text(await content.readFile("/srv/app/server.sh", { layer: 3 }));
    expect(l3.equals(await text(await content.readFile("/srv/app/server.sh")))).toBe(true);
  });

  it("follows symlinks within the image, or prints the target with followSymlinks: false", async () => {
    const busybox = await text(await content.readFile("/bin/busybox"));
    expect(busybox.length).toBeGreaterThan(1_000_000);
    expect((await text(await content.readFile("/bin/sh"))).equals(busybox)).toBe(true);
    expect((await text(await content.readFile("/bin/sh", { followSymlinks: false }))).toString()).toBe(
      "/bin/busybox\n",
    );
    // A relative walk through the link's directory: /srv/app/../../bin/sh.
    expect((await text(await content.readFile("/srv/app/../../bin/sh"))).equals(busybox)).toBe(true);
  });

  it("serves a model the explorer built itself, without reading the image again", async () => {
    const model = ImageModel.build(await openImage(demoArchive));
    const c = await ImageContent.forModel(demoArchive, {}, model);
    expect(c.data).toBeNull();
    expect((await text(await c.readFile("/srv/app/VERSION"))).toString()).toBe("1.4.2\n");
  });

  it("lets the explorer read a node as of a layer and stop early", async () => {
    const node = content.model.paths.lookup(["bin", "busybox"]);
    const stream = await content.readNode(node, 7);
    const first = await new Promise<Buffer>((resolve) => stream.once("data", (c: Buffer) => resolve(c)));
    stream.destroy();
    expect(first.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect((await text(await content.readFile("/srv/app/VERSION"))).toString()).toBe("1.4.2\n");
  });

  it("refuses what is not there, directories, and layers out of range", async () => {
    await expect(content.readFile("/root/.ssh/id_deploy")).rejects.toThrow(
      /\/root\/\.ssh: no such file or directory/,
    );
    await expect(content.readFile("/srv/app")).rejects.toThrow(/is a directory/);
    await expect(content.readFile("/srv/app/logs/boot.log")).rejects.toThrow(
      /\/srv\/app\/logs: not a directory/,
    );
    await expect(content.readFile("/etc/hostname", { layer: 8 })).rejects.toThrow(
      /layer 8 does not exist: .* has 8 layers \(0–7\)/,
    );
  });
});

describeReal("cat on every kind of source", () => {
  const spec = {
    tags: ["cat:1"],
    layers: [
      [
        { file: "etc/data.bin", content: Buffer.alloc(300_000, 7) },
        { file: "etc/orig", content: "original\n" },
        { symlink: "etc/abs", target: "/etc/orig" },
        { symlink: "etc/loop", target: "loop" },
      ],
      [
        // A hard link to a file of the layer below (layer 2 rewrites that file later: the link keeps
        // the data it was made from), and a path repeated in one layer tar (the last copy counts).
        { hardlink: "etc/linked", target: "etc/orig" },
        { file: "etc/dup", content: "first\n" },
        { file: "etc/dup", content: "second, the one that counts\n" },
      ],
      [{ file: "etc/orig", content: "rewritten\n" }],
    ],
  };

  it("an uncompressed archive, a gzip-compressed archive, and gzip/zstd OCI layouts give the same bytes", async () => {
    const tar = buildDockerArchive(spec);
    const sources = [
      await writeFixture("cat/plain.tar", tar),
      await writeFixture("cat/whole.tar.gz", gzipSync(tar)),
      buildOciLayout(spec, { dir: "cat/oci-gzip", compression: "gzip" }),
      buildOciLayout(spec, { dir: "cat/oci-zstd", compression: "zstd" }),
      await writeFixture("cat/oci.tar", buildOciLayout(spec, { tar: true, compression: "zstd" })),
    ];
    for (const src of sources) {
      const c = await ImageContent.open(src);
      const big = await text(await c.readFile("/etc/data.bin"));
      expect(big.equals(Buffer.alloc(300_000, 7)), src).toBe(true);
      expect((await text(await c.readFile("/etc/abs"))).toString(), src).toBe("rewritten\n");
      expect((await text(await c.readFile("/etc/abs", { layer: 1 }))).toString(), src).toBe("original\n");
      expect((await text(await c.readFile("/etc/linked"))).toString(), src).toBe("original\n");
      expect((await text(await c.readFile("/etc/dup"))).toString(), src).toBe(
        "second, the one that counts\n",
      );
      await expect(c.readFile("/etc/loop"), src).rejects.toThrow(/too many levels of symbolic links/);
    }
  });

  it("reads a layer blob straight from the archive (OCI archives from dive's fixtures)", async () => {
    for (const f of [
      "test-oci-gzip-image.tar",
      "test-oci-zstd-image.tar",
      "test-oci-uncompressed-image.tar",
    ]) {
      const got = await text(await readFileContent(join(realFixtures, f), "/README.md"));
      expect(got.toString(), f).toMatch(/^# dive/);
      expect(got.length, f).toBe(11189);
    }
  });

  it("refuses standard input, which cannot be read twice", async () => {
    const e = await ImageContent.open("-").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toContain("standard input cannot");
  });
});

describe("layerview cat (CLI)", () => {
  it("writes the bytes to stdout and nothing else", () => {
    const r = cli(["cat", demoArchive, "/srv/app/server.sh"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^#!\/bin\/sh\n/);
  });

  it("stops quietly when the reader goes away (cat … | head)", () => {
    // 243 kB: more than a pipe holds, so the write after head exits fails with EPIPE.
    const r = spawnSync(
      "bash",
      [
        "-c",
        '"$1" bin/layerview.js cat "$2" /srv/app/lib/vendor.bundle.js | head -c 5; echo " $PIPESTATUS"',
        "cat-head",
        process.execPath,
        demoArchive,
      ],
      { cwd: repoRoot, encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    // The status a shell shows for cat there too: 141, ended by the broken pipe.
    expect(r.stdout).toMatch(/^.{5} 141\n$/s);
  });

  it("--layer and --no-follow", () => {
    expect(cli(["cat", "--layer", "2", demoArchive, "/srv/app/logs/boot.log"]).stdout).toBe("started\n");
    expect(cli(["cat", "--no-follow", demoArchive, "/bin/sh"]).stdout).toBe("/bin/busybox\n");
  });

  it("a missing file or a directory is exit 1 with one line on stderr", () => {
    for (const p of ["/nope", "/srv"]) {
      const r = cli(["cat", demoArchive, p]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("usage errors: missing operands, a bad --layer, --force", () => {
    expect(cli(["cat", demoArchive]).code).toBe(2);
    expect(cli(["cat", "--layer", "x", demoArchive, "/a"]).code).toBe(2);
    expect(cli(["cat", "--force", demoArchive, "/a"]).code).toBe(2);
    expect(cli(["cat", "--layer", "99", demoArchive, "/a"]).stderr).toContain("layer 99 does not exist");
  });
});

describe("content read again is checked against the hash the image was indexed with", () => {
  it("refuses bytes that differ from what the model recorded (the source changed or lies)", async () => {
    const c = await ImageContent.open(demoArchive);
    expect((await text(await c.readFile("/srv/app/VERSION"))).toString()).toBe("1.4.2\n");
    // Pretend the image was indexed with other content for this file.
    const r = c.resolve("/srv/app/VERSION", c.topLayer);
    if (!r.ok) throw new Error(r.message);
    const vs = c.model.versions;
    const contents = c.model.stack.layers[vs.layer[r.version]!]!;
    const e = vs.entry[r.version]!;
    // The last of the 128 bits: a check of only the first 64 would let this through.
    contents.hash[e * HASH_WORDS + 3] = contents.hash[e * HASH_WORDS + 3]! ^ 1;
    const err = await text(await c.readFile("/srv/app/VERSION")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /\/srv\/app\/VERSION in layer \d+ of .* does not hold the content it was read with/,
    );
  });
});
