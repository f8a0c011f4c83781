import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { describeReal } from "../real-fixtures.js";
import { cli, demoArchive, ensureBuilt, listLayer, readMember, realFixtures } from "./run-cli.js";

beforeAll(() => ensureBuilt());

const isWhiteout = (name: string) => /(^|\/)\.wh\./.test(name);

describeReal("layerview --json on dive's classic docker-save fixture", () => {
  const archive = join(realFixtures, "test-docker-image.tar");
  const r = cli(["--json", archive]);
  const report = JSON.parse(r.stdout);
  const manifest = JSON.parse(readMember(archive, "manifest.json"))[0];

  it("exits 0 with nothing on stderr", () => {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("has one layer per manifest entry, sized as GNU tar lists them", () => {
    expect(report.layers).toHaveLength(manifest.Layers.length);
    manifest.Layers.forEach((member: string, i: number) => {
      const entries = listLayer(archive, member);
      const files = entries.filter((e) => e.type === "-" && !isWhiteout(e.name));
      const nonDirs = entries.filter((e) => e.type !== "d" && !isWhiteout(e.name));
      expect(report.layers[i].size, `layer ${i} size`).toBe(files.reduce((s, e) => s + e.size, 0));
      expect(report.layers[i].fileCount, `layer ${i} fileCount`).toBe(nonDirs.length);
      expect(report.layers[i].entryCount, `layer ${i} entryCount`).toBe(entries.length);
    });
  });

  it("reports dive's figures exactly as dive's own test expects them for this archive", () => {
    // From dive's image_archive_analysis_test.go for the same test-docker-image.tar.
    expect(report.summary.dive.efficiency).toBe(0.9844212134184309);
    expect(report.summary.dive.wastedBytes).toBe(32025);
    expect(report.summary.dive.userWastedPercent).toBe(0.4834911001404049);
    expect(report.summary.dive.sizeBytes).toBe(1220598);
    expect(report.summary.dive.userSizeBytes).toBe(66237);
  });

  it("splits the layer bytes into content and waste", () => {
    const s = report.summary;
    expect(s.totalLayerBytes).toBe(report.layers.reduce((a: number, l: { size: number }) => a + l.size, 0));
    expect(s.contentBytes + s.wastedBytes).toBe(s.totalLayerBytes);
    expect(s.efficiency).toBeCloseTo(s.contentBytes / s.totalLayerBytes, 12);
  });

  it("names the instructions of the Dockerfile that built it", () => {
    const commands = report.layers.map((l: { command: string }) => l.command);
    expect(commands).toContain("RUN rm -rf /root/example/");
    expect(commands).toContain("RUN chmod +x /root/saved.txt");
    expect(report.history.filter((h: { emptyLayer: boolean }) => h.emptyLayer).length).toBeGreaterThan(0);
  });

  it("finds deleted and moved files as waste, hidden by the layers the Dockerfile says", () => {
    const layerOf = (cmd: string) => report.layers.findIndex((l: { command: string }) => l.command === cmd);
    const byPath = (p: string) => report.inefficiencies.find((i: { path: string }) => i.path === p);
    // RUN cp → somefile1; RUN chmod 444 rewrites it (a second copy); RUN rm -rf /root/example/ deletes it.
    expect(byPath("/root/example/somefile1.txt")).toMatchObject({
      copies: 2,
      hiddenBy: layerOf("RUN rm -rf /root/example/"),
      reason: "deleted",
    });
    expect(byPath("/root/example/somefile2.txt")).toMatchObject({
      copies: 1,
      hiddenBy: layerOf("RUN rm -rf /root/example/"),
    });
    // RUN mv moves somefile3 away: a whiteout in the mv layer.
    expect(byPath("/root/example/somefile3.txt")).toMatchObject({
      hiddenBy: layerOf("RUN mv /root/example/somefile3.txt /root/saved.txt"),
      reason: "deleted",
    });
    // RUN chmod +x rewrites saved.txt: the older copy is overwritten, the new one visible.
    expect(byPath("/root/saved.txt")).toMatchObject({ visibleAtTop: true, reason: "overwritten" });
  });
});

describe("the bundled example image (built by a real Docker)", () => {
  const r = cli(["--json", demoArchive]);
  const report = JSON.parse(r.stdout);

  it("reads the reference, config and a real opaque whiteout", () => {
    expect(r.code).toBe(0);
    expect(report.image.reference).toBe("layerview/demo:1.0");
    expect(report.image.config.User).toBe("65534:65534");
    expect(report.image.config.ExposedPorts).toEqual({ "8080/tcp": {} });
    const old = report.inefficiencies.find((i: { path: string }) => i.path === "/srv/app/assets/app.js");
    expect(old).toMatchObject({ reason: "opaque", visibleAtTop: false });
  });

  it("keeps the deleted key in the layer below, as waste", () => {
    const key = report.inefficiencies.find((i: { path: string }) => i.path === "/root/.ssh/id_deploy");
    expect(key).toMatchObject({ reason: "deleted", copies: 1 });
  });

  it("shows build args in the readable command", () => {
    expect(
      report.layers.some((l: { command: string }) => l.command.endsWith("# args: BUILD_VERSION=1.4.2")),
    ).toBe(true);
  });
});

describe("the text report", () => {
  it("is printed when stdout is not a terminal", () => {
    const r = cli([demoArchive]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Image {6}layerview\/demo:1\.0/);
    expect(r.stdout).toContain("Layers");
    expect(r.stdout).toContain("Summary");
    expect(r.stdout).toMatch(/Most wasteful paths \(10 of \d+\)/);
    expect(r.stdout).toContain("/var/cache/pkgs/toolchain.tar");
  });

  it("reads an archive from stdin", () => {
    const r = cli(["--json", "-"], { input: readFileSync(demoArchive) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).image.reference).toBe("layerview/demo:1.0");
  });
});

describe("bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "lv-cli-"));
  const oneLine = (s: string) => s.trim().split("\n").length === 1;

  it("a missing file", () => {
    const r = cli([join(dir, "nope.tar")]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("nope.tar");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a file that is not an archive", () => {
    const f = join(dir, "notes.txt");
    writeFileSync(f, "just some text, not a tar\n".repeat(50));
    const r = cli([f]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain("notes.txt");
  });

  it("a truncated archive", () => {
    const f = join(dir, "cut.tar");
    writeFileSync(f, readFileSync(demoArchive).subarray(0, 1_000_000));
    const r = cli(["--json", f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("cut.tar");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("shows a stack trace only with --debug", () => {
    const f = join(dir, "notes.txt");
    const r = cli(["--debug", f]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").length).toBeGreaterThan(2);
  });

  it("an unknown option is a usage error", () => {
    const r = cli(["--frobnicate", demoArchive]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --frobnicate");
  });

  it("never changes the archive it read", () => {
    const before = execFileSync("sha256sum", [demoArchive]).toString();
    cli(["--json", demoArchive]);
    expect(execFileSync("sha256sum", [demoArchive]).toString()).toBe(before);
  });
});
