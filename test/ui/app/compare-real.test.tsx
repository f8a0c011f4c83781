/**
 * `layerview IMAGE --compare OTHER` on two versions of an image built with real `docker build`:
 * A from the Docker daemon, B from its `docker save` archive, read by the CLI's own loader. Every
 * figure on screen is checked against what the test wrote and what the engine reports.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseArgs } from "../../../src/cli/args.js";
import { explorerLoader } from "../../../src/cli/commands/inspect.js";
import { formatBytes } from "../../../src/model/format-bytes.js";
import { buildCompareImages, type CompareImages, TAG_V1, TAG_V2 } from "../../engines/compare-images.js";
import { engineDescribe, probeEngine } from "../../engines/harness.js";
import { type Explorer, renderExplorer, treeColumn, waitFor } from "../render-explorer.js";

const docker = await probeEngine("docker");

const signed = (n: number) => (n === 0 ? "" : `${n > 0 ? "+" : "−"}${formatBytes(Math.abs(n))}`);
const squash = (line: string) =>
  line
    .replace(/[│├└─⊕]/g, " ")
    .replace(/\s+/g, " ")
    .trim();

function rowOf(frame: string, name: string): string {
  const line = treeColumn(frame)
    .split("\n")
    .find((l) => new RegExp(`[─⊕] ${name.replace(/\./g, "\\.")}/?( |$)`).test(l));
  if (!line) throw new Error(`no row ${name} in\n${frame}`);
  return squash(line);
}

engineDescribe(docker, "--compare on two real docker builds (daemon + docker save archive)", () => {
  let images: CompareImages;
  let ex: Explorer | null = null;
  const hostBefore = process.env.DOCKER_HOST;
  beforeAll(async () => {
    images = await buildCompareImages(docker);
    process.env.DOCKER_HOST = docker.host;
  }, 180_000);
  afterAll(() => {
    ex?.unmount();
    if (hostBefore === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = hostBefore;
    images?.cleanup();
  });

  test("the view's figures are the engine's and the files'", async () => {
    const loader = explorerLoader(
      parseArgs([`docker://${TAG_V1}`, "--compare", images.archiveB, "--no-cache"]),
    );
    ex = await renderExplorer({
      columns: 150,
      rows: 44,
      subscribe: loader.subscribe,
      openContent: loader.openContent,
    });
    const e = ex;
    await waitFor(() => e.frame().includes("Content "), "the comparison", 60_000);
    const f = e.frame();
    const A = images.filesA;
    const B = images.filesB;
    const sizeRow = (mark: string, a: number | null, b: number | null, name: string, note = "") =>
      [
        mark,
        a === null ? "—" : formatBytes(a),
        b === null ? "—" : formatBytes(b),
        signed((b ?? 0) - (a ?? 0)),
        name,
        note,
      ]
        .filter((x) => x !== "")
        .join(" ");
    const v = "/srv/app/version";
    const d = "/srv/app/data.bin";
    expect(rowOf(f, "version")).toBe(sizeRow("~", A[v]!.length, B[v]!.length, "version", "(content)"));
    expect(rowOf(f, "data.bin")).toBe(sizeRow("~", A[d]!.length, B[d]!.length, "data.bin", "(content)"));
    const readme = B["/srv/app/new/readme.txt"]!.length;
    expect(rowOf(f, "readme.txt")).toBe(sizeRow("+", null, readme, "readme.txt"));
    expect(rowOf(f, "new")).toBe(sizeRow("+", null, readme, "new/"));
    expect(rowOf(f, "old.txt")).toBe(sizeRow("-", A["/srv/app/old.txt"]!.length, null, "old.txt"));
    expect(rowOf(f, "gone.bin")).toBe(sizeRow("-", images.baseGone.size, null, "gone.bin"));
    // Directories: everything under them, as the harness stacks the saved layers.
    for (const dir of ["/srv", "/srv/app"]) {
      const a = images.under("a", dir);
      const b = images.under("b", dir);
      expect(rowOf(f, dir.split("/").pop()!)).toBe(
        `${formatBytes(a)} ${formatBytes(b)} ${signed(b - a)} ${dir.split("/").pop()}/`,
      );
    }
    const contentDelta = images.contentB - images.contentA;
    expect(f).toContain(
      `Content  ${formatBytes(images.contentA)} → ${formatBytes(images.contentB)} (${signed(contentDelta)})`,
    );
    // Layers by the engine's DiffIDs: busybox and the base's RUN are in both.
    const shared = images.diffIdsA.filter((x) => images.diffIdsB.includes(x)).length;
    expect(shared).toBe(2);
    expect(f).toMatch(
      new RegExp(
        `Layers\\s+${shared} shared · ${images.diffIdsA.length - shared} only in A · ${images.diffIdsB.length - shared} only in B`,
      ),
    );
    expect(f).toContain(`A ${TAG_V1}`);
    // Paths: version and data.bin changed, readme added, old.txt and gone.bin removed.
    expect(f).toMatch(/Paths\s+\+1 \(1\.2 kB\) −2 \(4\.1 kB\) ~2/);

    // Sorted by size change: data.bin (+30 kB), new/ (+1.2 kB), old.txt (−18 B), version (+5 B).
    await e.press({ text: "s" });
    const names = treeColumn(e.frame())
      .split("\n")
      .map((l) => /[─⊕] (\S+)/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    expect(names.slice(names.indexOf("app/") + 1, names.indexOf("app/") + 6)).toEqual([
      "data.bin",
      "new/",
      "readme.txt",
      "old.txt",
      "version",
    ]);

    // Either side's file, read again from its own source (A: the daemon, B: the archive).
    for (let i = 0; i < 30 && !treeColumn(e.frame()).includes(`${v} · changed`); i++) await e.press("down");
    await e.press({ text: "v" });
    await waitFor(() => e.frame().includes("1.5.0-rc.1"), "B's version file", 30_000);
    expect(e.frame()).toContain(`image B (${TAG_V2})`);
    await e.press("escape", { text: "V" });
    await waitFor(() => e.frame().includes("1.4.0"), "A's version file", 30_000);
    expect(e.frame()).toContain(`image A (${TAG_V1})`);
  }, 120_000);
});
