import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryType } from "../../src/model/layer-contents.js";
import { ImageContent } from "../../src/sources/content.js";
import { extractPath } from "../../src/sources/extract.js";
import { cli, demoArchive, ensureBuilt } from "../cli/run-cli.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";

beforeAll(() => ensureBuilt());
afterAll(() => removeFixtures());

const scratch = () => mkdtempSync(join(tmpdir(), "lv-extract-"));

/** Every path under dir, "type path[ -> target]", sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = `/${relative(dir, p)}`;
      if (st.isSymbolicLink()) out.push(`symlink ${rel} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`dir ${rel}`);
        walk(p);
      } else out.push(`file ${rel}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe("extract on the bundled example", () => {
  let content: ImageContent;
  beforeAll(async () => {
    content = await ImageContent.open(demoArchive);
  });

  it("writes the final tree exactly as the model has it, with contents and modes", async () => {
    const dest = scratch();
    const s = await extractPath(content, "/", dest);
    const { model } = content;
    const expected: string[] = [];
    for (let n = 1; n < model.paths.size; n++) {
      const v = model.visibleAt(n, model.layerCount - 1);
      if (v < 0) continue;
      const t = model.stack.type(v);
      const p = model.paths.path(n);
      if (t === EntryType.Symlink) expected.push(`symlink ${p} -> ${model.stack.link(v)}`);
      else expected.push(`${t === EntryType.Dir ? "dir" : "file"} ${p}`);
    }
    expect(listing(dest)).toEqual(expected.sort());
    expect(s).toMatchObject({ target: dest, files: 9, symlinks: 268, skipped: 0 });
    expect(readFileSync(join(dest, "srv/app/logs"), "utf8")).toBe("logs go to stdout\n");
    expect(readFileSync(join(dest, "srv/app/README-é.txt"), "utf8")).toBe("données\n");
    expect(lstatSync(join(dest, "srv/app/server.sh")).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(dest, "srv/app/.env")).mode & 0o777).toBe(0o644);
    expect(existsSync(join(dest, "root/.ssh"))).toBe(false);
  });

  it("extracts a directory under its own name, as of an earlier layer", async () => {
    const dest = scratch();
    const s = await extractPath(content, "/root", dest, { layer: 5 });
    expect(s.target).toBe(join(dest, "root"));
    expect(listing(dest)).toEqual(["dir /root", "dir /root/.ssh", "file /root/.ssh/id_deploy"]);
    expect(readFileSync(join(dest, "root/.ssh/id_deploy"), "utf8")).toMatch(/^-----BEGIN OPENSSH/);
  });

  it("keeps a symlink named by PATH a symlink (never follows it out)", async () => {
    const dest = scratch();
    await extractPath(content, "/bin/sh", dest);
    expect(listing(dest)).toEqual(["symlink /sh -> /bin/busybox"]);
  });

  it("refuses to overwrite unless forced, and never replaces a directory", async () => {
    const dest = scratch();
    await extractPath(content, "/srv/app/lib", dest);
    await expect(extractPath(content, "/srv/app/lib", dest)).rejects.toThrow(
      /1 path already exists in .*vendor\.bundle\.js/,
    );
    writeFileSync(join(dest, "lib/vendor.bundle.js"), "mine");
    await extractPath(content, "/srv/app/lib", dest, { force: true });
    expect(lstatSync(join(dest, "lib/vendor.bundle.js")).size).toBe(243158);
    const other = scratch();
    mkdirSync(join(other, "logs"));
    await expect(extractPath(content, "/srv/app/logs", other, { force: true })).rejects.toThrow(
      /is a directory where the image has a file; refusing to replace it/,
    );
  });

  it("never writes through a symlink already in DEST", async () => {
    const dest = scratch();
    const outside = scratch();
    symlinkSync(outside, join(dest, "app"));
    await expect(extractPath(content, "/srv/app", dest, { force: true })).rejects.toThrow(
      /is a symlink where the image has a directory; refusing to write through it/,
    );
    expect(readdirSync(outside)).toEqual([]);
    // A symlink where the image has a file is replaced with --force, not written through.
    const dest2 = scratch();
    mkdirSync(join(dest2, "app"));
    symlinkSync(join(outside, "stolen"), join(dest2, "app/server.sh"));
    await extractPath(content, "/srv/app", dest2, { force: true });
    expect(lstatSync(join(dest2, "app/server.sh")).isFile()).toBe(true);
    expect(existsSync(join(outside, "stolen"))).toBe(false);
  });
});

describe("extract keeps everything inside DEST", () => {
  it("whatever the layer tar's names and links say", async () => {
    const archive = await writeFixture(
      "extract/evil.tar",
      buildDockerArchive({
        layers: [
          [
            { file: "app/ok.txt", content: "ok\n" },
            { raw: { name: "../../escape.txt", typeflag: "0", data: Buffer.from("escaped") } },
            { raw: { name: "app/../../../escape2.txt", typeflag: "0", data: Buffer.from("escaped") } },
            { raw: { name: "/abs/file.txt", typeflag: "0", data: Buffer.from("abs\n") } },
            { symlink: "app/out", target: "../../../../tmp" },
            { symlink: "app/etc", target: "/etc" },
            { hardlink: "app/hard", target: "app/ok.txt" },
            { device: "app/null", kind: "char" },
          ],
          [{ file: "app/etc/passwd", content: "not yours\n" }],
        ],
      }),
    );
    const root = scratch();
    const dest = join(root, "a", "b");
    const warnings: string[] = [];
    const content = await ImageContent.open(archive);
    const s = await extractPath(content, "/", dest, { onWarning: (w) => warnings.push(w) });
    // "../../escape.txt" climbs out of the root: the reader skipped it. "app/../../../escape2.txt" too.
    // "/abs/file.txt" is /abs/file.txt inside the image. Layer 1's app/etc/passwd replaced the symlink
    // app/etc with a directory in the merged tree (as overlayfs would), so it lands in DEST/app/etc.
    expect(listing(dest)).toEqual([
      "dir /abs",
      "dir /app",
      "dir /app/etc",
      "file /abs/file.txt",
      "file /app/etc/passwd",
      "file /app/hard",
      "file /app/ok.txt",
      "symlink /app/out -> ../../../../tmp",
    ]);
    expect(listing(root)).toHaveLength(10);
    expect(readFileSync(join(dest, "app/hard"), "utf8")).toBe("ok\n");
    expect(s).toMatchObject({ files: 4, symlinks: 1, skipped: 1 });
    expect(warnings).toEqual(["skipped /app/null: a character device cannot be extracted"]);
  });
});

describe("layerview extract (CLI)", () => {
  it("extracts, reports on stderr, keeps stdout empty", () => {
    const dest = scratch();
    const r = cli(["extract", demoArchive, "/srv/app/assets", dest]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /extracted \/srv\/app\/assets \(layer 7\) to .*assets: 1 file \(22 B\), 1 directory, 0 symlinks/,
    );
    expect(readFileSync(join(dest, "assets/site.css"), "utf8")).toBe("body { color: #111; }\n");
  });

  it("exit 1 when files exist (without --force), 0 with it", () => {
    const dest = scratch();
    expect(cli(["extract", demoArchive, "/srv/app/VERSION", dest]).code).toBe(0);
    const again = cli(["extract", demoArchive, "/srv/app/VERSION", dest]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("pass --force");
    expect(cli(["extract", "--force", demoArchive, "/srv/app/VERSION", dest]).code).toBe(0);
    expect(readFileSync(join(dest, "VERSION"), "utf8")).toBe("1.4.2\n");
  });

  it("--layer reaches deleted files; a path absent at that layer is exit 1", () => {
    const dest = scratch();
    expect(cli(["extract", "--layer", "2", demoArchive, "/var/cache/pkgs/INDEX", dest]).code).toBe(0);
    expect(readFileSync(join(dest, "INDEX"), "utf8")).toBe("pkg index\n");
    expect(cli(["extract", demoArchive, "/var/cache/pkgs", dest]).code).toBe(1);
    expect(cli(["extract", demoArchive, "/x"]).code).toBe(2);
  });
});
