import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, demoArchive, ensureBuilt, realFixtures } from "../cli/run-cli.js";
import { describeReal } from "../real-fixtures.js";

beforeAll(() => ensureBuilt());

const archive = join(realFixtures, "test-docker-image.tar");
const diveCi = join(realFixtures, "dive-ci.yaml");
/** A directory with no rules file in it, so dive's defaults apply. */
const bare = () => mkdtempSync(join(tmpdir(), "lv-ci-"));

/** Tags balance and attributes are quoted: enough to know a CI system can parse the report. */
function wellFormedXml(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, "");
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[4] === "/") continue;
    if (m[1] === "/") {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  const stray = body.replace(/<[^>]*>/g, "").match(/[<>]/);
  return stack.length === 0 && stray === null;
}

// dive's figures for this archive (its own tests): efficiency 0.9844212134184309, wasted 32025 B,
// user wasted 0.4834911001404049.
describeReal("layerview --ci on dive's test image", () => {
  it("passes all three rules of dive's example .dive-ci (0.95, 20Mb, 0.5) and warns about the rest", () => {
    // 0.984 ≥ 0.95; 32025 B ≤ 20,000,000 B; 0.483 ≤ 0.5.
    const r = cli(["--ci", "--ci-config", diveCi, archive], { cwd: bare() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}lowestEfficiency .*98\.4421 % ≥ 95 %/);
    expect(r.stdout).toMatch(/PASS {2}highestWastedBytes .*32025 B ≤ 20000000 B/);
    expect(r.stdout).toMatch(/PASS {2}highestUserWastedPercent .*48\.3491 % ≤ 50 %/);
    expect(r.stdout).toContain("unknown section 'plugins' ignored");
    expect(r.stdout).toContain("unknown rule 'rules.plugin1/rule1' ignored");
    expect(r.stdout).toContain("Result: PASS [Total:3] [Passed:3] [Failed:0] [Skipped:0]");
    expect(r.stderr).toBe("");
  });

  it("fails dive's default highestUserWastedPercent (0.1) with exit code 4", () => {
    // 0.483 > 0.1 fails; lowestEfficiency 0.9 passes; highestWastedBytes is disabled by default.
    const r = cli(["--ci", archive], { cwd: bare() });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("Rules file   none (dive's defaults and command-line flags)");
    expect(r.stdout).toMatch(/FAIL {2}highestUserWastedPercent .*48\.3491 % > 10 %/);
    expect(r.stdout).toMatch(/SKIP {2}highestWastedBytes/);
    expect(r.stdout).toContain("Result: FAIL [Total:3] [Passed:1] [Failed:1] [Skipped:1]");
  });

  it("picks up a .dive-ci in the current directory, as dive does", () => {
    const dir = bare();
    copyFileSync(diveCi, join(dir, ".dive-ci"));
    const r = cli(["--ci", archive], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Rules file   .dive-ci (dive's .dive-ci format)");
  });

  it("prefers .layerview-ci.yaml and says which file it ignored", () => {
    const dir = bare();
    copyFileSync(diveCi, join(dir, ".dive-ci"));
    writeFileSync(join(dir, ".layerview-ci.yaml"), "rules:\n  highestUserWastedPercent: 0.4\n");
    const r = cli(["--ci", archive], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("Rules file   .layerview-ci.yaml (layerview rules file)");
    expect(r.stdout).toContain("warning: .dive-ci ignored: .layerview-ci.yaml is used");
  });

  it("takes thresholds from flags, in layerview's and in dive's spelling, flags over the file", () => {
    const opts = { cwd: bare() };
    expect(cli(["--ci", "--highest-user-wasted-percent", "0.5", archive], opts).code).toBe(0);
    expect(cli(["--ci", "--highestUserWastedPercent=0.5", archive], opts).code).toBe(0);
    expect(cli(["--ci", "--ci-config", diveCi, "--lowestEfficiency", "0.99", archive], opts).code).toBe(4);
    // highestWastedBytes: dive fails only when wasted > threshold: 32025 passes, 32024 fails.
    const base = ["--ci", "--highest-user-wasted-percent", "disabled"];
    expect(cli([...base, "--highest-wasted-bytes", "32025", archive], opts).code).toBe(0);
    expect(cli([...base, "--highest-wasted-bytes", "32024", archive], opts).code).toBe(4);
    expect(cli([...base, "--highest-wasted-bytes", "32KB", archive], opts).code).toBe(4);
    expect(cli([...base, "--highest-wasted-bytes", "32KiB", archive], opts).code).toBe(0);
  });

  it("uses layerview's own figures when asked, and says so", () => {
    // layerview's efficiency here is 0.9737628604995257 (visible / total layer bytes), dive's 0.984.
    const opts = { cwd: bare() };
    const dive = cli(
      ["--ci", "--lowest-efficiency", "0.98", "--highest-user-wasted-percent", "off", archive],
      opts,
    );
    expect(dive.code).toBe(0);
    const lv = cli(
      [
        "--ci",
        "--ci-figures",
        "layerview",
        "--lowest-efficiency",
        "0.98",
        "--highest-user-wasted-percent",
        "off",
        archive,
      ],
      opts,
    );
    expect(lv.code).toBe(4);
    expect(lv.stdout).toMatch(
      /FAIL {2}lowestEfficiency {10}layerview .*97\.3763 % < 98 % \(layerview's figures\)/,
    );
  });

  it("reads layerview's JSON rules file with figures per rule", () => {
    const dir = bare();
    const file = join(dir, "rules.json");
    writeFileSync(
      file,
      JSON.stringify({
        rules: {
          lowestEfficiency: { threshold: 0.98, figures: "dive" },
          highestWastedBytes: { threshold: "30KB", figures: "layerview" },
          highestUserWastedPercent: "disabled",
        },
      }),
    );
    const r = cli(["--ci", "--ci-config", file, "--ci-format", "json", archive], { cwd: dir });
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.rulesFile).toEqual({ path: file, format: "layerview" });
    expect(
      doc.rules.map((x: { name: string; figures: string; status: string }) => [x.name, x.figures, x.status]),
    ).toEqual([
      ["lowestEfficiency", "dive", "pass"],
      ["highestWastedBytes", "layerview", "fail"],
      ["highestUserWastedPercent", "dive", "skip"],
    ]);
  });
});

describeReal("CI output formats", () => {
  const run = (format: string) => cli(["--ci", "--ci-format", format, archive], { cwd: bare() });

  it("json: the figures, every rule, and the advice", () => {
    const r = run("json");
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.pass).toBe(false);
    expect(doc.figures.dive).toMatchObject({
      efficiency: 0.9844212134184309,
      wastedBytes: 32025,
      userWastedPercent: 0.4834911001404049,
    });
    expect(doc.rules).toEqual([
      expect.objectContaining({
        name: "lowestEfficiency",
        status: "pass",
        threshold: 0.9,
        value: 0.9844212134184309,
        source: "default",
      }),
      expect.objectContaining({
        name: "highestWastedBytes",
        status: "skip",
        threshold: null,
        configured: "disabled",
      }),
      expect.objectContaining({
        name: "highestUserWastedPercent",
        status: "fail",
        threshold: 0.1,
        value: 0.4834911001404049,
      }),
    ]);
    expect(doc.tally).toEqual({ total: 3, passed: 1, failed: 1, skipped: 1 });
    expect(doc.advice.length).toBeGreaterThan(0);
    expect(cli(["--ci", "--json", archive], { cwd: bare() }).stdout).toBe(r.stdout);
  });

  it("junit: one test case per rule, the failure with its message, the skip marked", () => {
    const r = run("junit");
    expect(r.code).toBe(4);
    expect(wellFormedXml(r.stdout)).toBe(true);
    expect(r.stdout).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="layerview" tests="3" failures="1" errors="0" skipped="1">/,
    );
    expect(r.stdout).toContain(
      '<testcase classname="layerview.ci" name="lowestEfficiency (dive figures, ≥ 90 %)"/>',
    );
    expect(r.stdout).toMatch(
      /<testcase classname="layerview.ci" name="highestUserWastedPercent \(dive figures, ≤ 10 %\)">\n {6}<failure message="too many bytes wasted relative to the user layers: 48\.3491 % &gt; 10 %/,
    );
    expect(r.stdout).toContain('<skipped message="rule disabled"/>');
    expect(r.stdout).toContain('<property name="dive.wastedBytes" value="32025"/>');
  });

  it("markdown: a summary table for a CI job page", () => {
    const r = run("markdown");
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^## layerview CI: ❌ failed — `dive-test:latest`/);
    expect(r.stdout).toContain("| Rule | Figures | Value | Threshold | Result |");
    expect(r.stdout).toContain("| `highestUserWastedPercent` | dive | 48.3491 % | ≤ 10 % | ❌ fail |");
    expect(r.stdout).toContain("| `lowestEfficiency` | dive | 98.4421 % | ≥ 90 % | ✅ pass |");
    expect(r.stdout).toContain("| dive | 98.4421 % | 32 kB (32025 B) | 48.3491 % |");
  });

  it("passing runs say so in every format", () => {
    for (const format of ["text", "json", "junit", "markdown"]) {
      const r = cli(["--ci", "--ci-config", diveCi, "--ci-format", format, archive], { cwd: bare() });
      expect(r.code, format).toBe(0);
    }
    const md = cli(["--ci", "--ci-config", diveCi, "--ci-format", "markdown", archive], { cwd: bare() });
    expect(md.stdout).toMatch(/^## layerview CI: ✅ passed/);
    // Warnings about the rules file go to stderr too when stdout is machine-readable.
    expect(md.stderr).toContain("layerview: warning: ");
  });
});

describe("CI rules that cannot be used are usage errors (exit 2)", () => {
  it("an out-of-range or malformed value", () => {
    const r = cli(["--ci", "--lowest-efficiency", "1.5", archive], { cwd: bare() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--lowest-efficiency: 1.5 is outside the allowed range 0-1");
    expect(cli(["--ci", "--highest-wasted-bytes", "lots", archive], { cwd: bare() }).code).toBe(2);
  });

  it("a rules file that is missing or is not YAML", () => {
    const dir = bare();
    expect(cli(["--ci", "--ci-config", join(dir, "nope.yaml"), archive], { cwd: dir }).code).toBe(2);
    writeFileSync(join(dir, "bad.yaml"), "rules:\n  lowestEfficiency: [\n");
    const r = cli(["--ci", "--ci-config", join(dir, "bad.yaml"), archive], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not valid YAML or JSON");
  });

  it("rule flags without --ci", () => {
    const r = cli(["--lowest-efficiency", "0.9", archive]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--lowest-efficiency applies to --ci only");
  });

  it("an unreadable image is still exit 1", () => {
    expect(cli(["--ci", join(bare(), "missing.tar")], { cwd: bare() }).code).toBe(1);
  });
});

describe("--ci on the bundled example", () => {
  it("fails the defaults on dive's figures (efficiency 0.86 < 0.9, user wasted 0.65 > 0.1)", () => {
    const r = cli(["--ci", "--ci-format", "json", demoArchive], { cwd: bare() });
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.rules.map((x: { status: string }) => x.status)).toEqual(["fail", "skip", "fail"]);
    expect(doc.figures.layerview.wastedBytes).toBe(886624);
    expect(doc.advice.filter((a: { category: string }) => a.category === "exposure")).toHaveLength(2);
  });
});
