import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import { ImageContent } from "../../src/sources/content.js";
import { extractPath } from "../../src/sources/extract.js";
import { buildDockerArchive, removeFixtures, writeFixture } from "../fixtures/images.js";

afterAll(() => removeFixtures());

const scratch = () => mkdtempSync(join(tmpdir(), "lv-extract-limits-"));

describe("extract and names the filesystem cannot hold", () => {
  it("skips each with a warning, counts them, and writes the rest", async () => {
    // 16 parts of 252 bytes: a path the image can hold (4,053 bytes), but not below a long DEST.
    const deep = Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(252, "d")).join("/");
    const archive = await writeFixture(
      "limits/names.tar",
      buildDockerArchive({
        layers: [
          [
            { file: "ok.txt", content: "ok\n" },
            { file: `${"n".repeat(253)}.d/x`, content: "a part of 255 bytes fits\n" },
            { file: `${deep}/x.txt`, content: "too long a path below DEST\n" },
            { symlink: "empty-link", target: "" },
            { symlink: "huge-link", target: "t".repeat(5000) },
            { symlink: "fine-link", target: "ok.txt" },
          ],
        ],
      }),
    );
    const dest = join(scratch(), "d".repeat(100));
    const warnings: string[] = [];
    const content = await ImageContent.open(archive);
    const s = await extractPath(content, "/", dest, { onWarning: (w) => warnings.push(w) });
    expect(readdirSync(dest).sort()).toEqual([
      "0".padEnd(252, "d"),
      "fine-link",
      `${"n".repeat(253)}.d`,
      "ok.txt",
    ]);
    expect(s).toMatchObject({ files: 2, symlinks: 1 });
    expect(warnings.sort()).toEqual(
      [
        expect.stringMatching(
          /^skipped \/0d+\/1d+\/.*: a path of \d+ bytes in .* \(the limit is 4095\), and the \d+ entr(y|ies) under it$/,
        ),
        "skipped /empty-link: a symlink the filesystem cannot hold: its target is empty",
        "skipped /huge-link: a symlink the filesystem cannot hold: its target is 5000 bytes long (the limit is 4095)",
      ].sort(),
    );
    // The first directory of the deep path that does not fit is skipped with the entries under it.
    const under = Number(
      /and the (\d+) entr(?:y|ies) under it$/.exec(warnings.find((w) => w.includes("a path of"))!)![1],
    );
    expect(s.skipped).toBe(3 + under);
  });
});

/** A 64 KiB tmpfs (needs root and mount(8)); null where that is not possible here. */
function tinyFilesystem(): string | null {
  const dir = scratch();
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const tiny = process.getuid?.() === 0 ? tinyFilesystem() : null;
afterAll(() => {
  if (tiny) execFileSync("umount", [tiny]);
});

describe.skipIf(tiny === null)("extract onto a full disk [needs root to mount a small tmpfs]", () => {
  it("is one clear error saying what was written and what was not", async () => {
    const archive = await writeFixture(
      "limits/big.tar",
      buildDockerArchive({
        layers: [{ "a/": null, "a/small.txt": "small\n", "a/z-big.bin": Buffer.alloc(256 * 1024, 7) }],
      }),
    );
    const dest = join(tiny!, "dest");
    mkdirSync(dest);
    const content = await ImageContent.open(archive);
    const e = await extractPath(content, "/", dest).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toMatch(
      /^cannot write .*\/dest\/a\/z-big\.bin: no space left on the device \(ENOSPC\); 1 file, 1 directory and 0 symlinks of \/ were written to .*\/dest before that, the rest was not: the extraction is incomplete$/,
    );
    expect(existsSync(join(dest, "a/small.txt"))).toBe(true);
  });
});

describe("a layer the re-reader cannot walk", () => {
  it("a directory entry carrying data is an error, not a wait forever (fuzz case 366)", async () => {
    const archive = await writeFixture(
      "limits/dir-with-data.tar",
      buildDockerArchive({
        layers: [
          [
            { raw: { name: "d/", typeflag: "5", data: Buffer.alloc(4096, 7) } },
            { file: "d/f.txt", content: "after the directory\n" },
          ],
        ],
      }),
    );
    const content = await ImageContent.open(archive);
    const e = await extractPath(content, "/", join(scratch(), "dest")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toMatch(/the directory entry 'd\/' carries 4096 bytes of data/);
  });
});
