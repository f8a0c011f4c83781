import { beforeAll, describe, expect, it } from "vitest";
import { cli, demoArchive, ensureBuilt } from "./run-cli.js";

beforeAll(ensureBuilt);

describe("--base on the command line", () => {
  it("a base that cannot be read is one line naming --base, exit 1", () => {
    const r = cli(["--json", "--base", "/nonexistent/base.tar", demoArchive]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^layerview: --base \/nonexistent\/base\.tar: .*no such file or directory.*\n$/);
  });

  it("applies to reading one image only", () => {
    const r = cli(["diff", "--base", demoArchive, demoArchive, demoArchive]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^layerview: --base applies to layerview IMAGE/);
  });

  it("the image as its own base: every layer is the base's, said in the text report", () => {
    const r = cli(["--report", "--base", demoArchive, demoArchive]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Base {7}layerview\/demo:1\.0 — layers 0–7 \(exact: the bottom 8 layers have layerview\/demo:1\.0's DiffIDs\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}Own layers {9}0, 0 B, of which 0 B wasted$/m);
  });

  it("without --base or metadata the demo image has no boundary", () => {
    const r = cli(["--json", demoArchive]);
    const j = JSON.parse(r.stdout) as { image: { base: unknown }; layers: { base: unknown }[] };
    expect(j.image.base).toBeNull();
    expect(j.layers.every((l) => l.base === null)).toBe(true);
  });
});
