import { describe, expect, test } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { UserError } from "../../src/model/diagnostics.js";

/** The one-line error (message — hint) a bad command line gets, as main prints it. */
function errorOf(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.hint ? `${e.message} — ${e.hint}` : e.message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("parseArgs: what a command line means", () => {
  test("an image and the inspect options, with values separate or after =", () => {
    const a = parseArgs([
      "--json",
      "--image=app:1",
      "--platform",
      "linux/arm64",
      "--source",
      "registry",
      "--pull",
      "--creds",
      "me:secret",
      "--insecure-registry",
      "reg.local:5000",
      "--insecure-registry=10.0.0.0/8",
      "--no-cache",
      "--top",
      "5",
      "--large-file-size",
      "2MB",
      "--debug",
      "img.tar",
    ]);
    expect(a).toMatchObject({
      command: "inspect",
      target: "img.tar",
      operands: [],
      mode: "json",
      image: "app:1",
      platform: "linux/arm64",
      source: "registry",
      pull: true,
      creds: "me:secret",
      insecureRegistries: ["reg.local:5000", "10.0.0.0/8"],
      noCache: true,
      top: 5,
      largeFileBytes: 2_000_000,
      debug: true,
      help: false,
      version: false,
      ci: false,
    });
  });

  test("defaults: explorer or report mode chosen later, nothing set", () => {
    expect(parseArgs(["nginx"])).toEqual({
      command: "inspect",
      target: "nginx",
      operands: [],
      mode: "auto",
      pull: false,
      insecureRegistries: [],
      noCache: false,
      debug: false,
      help: false,
      version: false,
      ci: false,
      ciRules: {},
      force: false,
      noFollow: false,
      noMouse: false,
    });
    expect(parseArgs(["--report", "x"]).mode).toBe("report");
  });

  test("- is stdin, and after -- everything is an operand", () => {
    expect(parseArgs(["-"]).target).toBe("-");
    expect(parseArgs(["--", "--json"]).target).toBe("--json");
    expect(parseArgs(["--json", "--", "-x"])).toMatchObject({ mode: "json", target: "-x" });
  });

  test("help and version, with or without an image", () => {
    expect(parseArgs(["-h"]).help).toBe(true);
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(parseArgs(["--version"]).version).toBe(true);
    expect(parseArgs([]).target).toBeNull();
  });

  test("the CI gate: rules in layerview's and dive's spellings, kept as written", () => {
    const a = parseArgs([
      "--ci",
      "--ci-config",
      "rules.yaml",
      "--ci-format",
      "junit",
      "--ci-figures",
      "layerview",
      "--lowest-efficiency",
      "0.9",
      "--highestWastedBytes=20MB",
      "--highest-user-wasted-percent",
      "disabled",
      "img",
    ]);
    expect(a).toMatchObject({
      ci: true,
      ciConfig: "rules.yaml",
      ciFormat: "junit",
      ciFigures: "layerview",
      ciRules: { lowestEfficiency: "0.9", highestWastedBytes: "20MB", highestUserWastedPercent: "disabled" },
    });
    expect(
      parseArgs(["--ci", "--lowestEfficiency", "0.5", "--highestUserWastedPercent", "0.2", "i"]).ciRules,
    ).toEqual({
      lowestEfficiency: "0.5",
      highestUserWastedPercent: "0.2",
    });
  });

  test("--compare OTHER: the second image of the explorer, with diff's --depth", () => {
    expect(parseArgs(["app:1", "--compare", "registry://app:2", "--depth", "2"])).toMatchObject({
      command: "inspect",
      target: "app:1",
      compare: "registry://app:2",
      depth: 2,
    });
    expect(parseArgs(["-", "--compare", "v2.tar"])).toMatchObject({ target: "-", compare: "v2.tar" });
  });

  test("subcommands and their operands and options", () => {
    expect(parseArgs(["cat", "--layer", "2", "--no-follow", "img", "/etc/passwd"])).toMatchObject({
      command: "cat",
      target: "img",
      operands: ["/etc/passwd"],
      layer: 2,
      noFollow: true,
    });
    expect(parseArgs(["extract", "--force", "img", "/srv", "out"])).toMatchObject({
      command: "extract",
      target: "img",
      operands: ["/srv", "out"],
      force: true,
    });
    expect(parseArgs(["diff", "--json", "--depth=3", "a", "b"])).toMatchObject({
      command: "diff",
      target: "a",
      operands: ["b"],
      mode: "json",
      depth: 3,
    });
    expect(parseArgs(["history", "--json", "img", "/etc/passwd"])).toMatchObject({
      command: "history",
      target: "img",
      operands: ["/etc/passwd"],
      mode: "json",
    });
    expect(parseArgs(["cache"])).toMatchObject({ command: "cache", operands: ["show"], target: null });
    expect(parseArgs(["cache", "clear"]).operands).toEqual(["clear"]);
    expect(parseArgs(["./diff"])).toMatchObject({ command: "inspect", target: "./diff" });
  });
});

describe("parseArgs: every bad command line is one clear line", () => {
  test.each([
    [["--frobnicate", "x"], "unknown option --frobnicate — see layerview --help"],
    [["-x", "img"], "unknown option -x — see layerview --help"],
    [["--image"], "--image needs a value — see layerview --help"],
    [["img", "--top"], "--top needs a value — see layerview --help"],
    [["--source", "kube", "x"], "--source must be docker, podman, archive or registry, not 'kube'"],
    [["--creds", "nobody", "x"], "--creds needs USER:PASSWORD — see layerview --help"],
    [["--insecure-registry", "a b", "x"], "--insecure-registry needs HOST[:PORT] or a CIDR, not 'a b'"],
    [["--insecure-registry", "", "x"], "--insecure-registry needs HOST[:PORT] or a CIDR, not ''"],
    [["--top", "-1", "x"], "--top needs a whole number, e.g. --top 20"],
    [["--top", "many", "x"], "--top needs a whole number, e.g. --top 20"],
    [["--large-file-size", "big", "x"], "--large-file-size needs a size such as 10MB or 500KB, not 'big'"],
    [["--ci", "--ci-format", "xml", "x"], "--ci-format must be text, json, junit or markdown, not 'xml'"],
    [["--ci", "--ci-figures", "mine", "x"], "--ci-figures must be dive, layerview or own, not 'mine'"],
    [["cat", "--layer", "top", "i", "/a"], "--layer needs a layer number (0 = the bottom layer)"],
    [["cat", "--layer", "-1", "i", "/a"], "--layer needs a layer number (0 = the bottom layer)"],
    [["diff", "--depth", "0", "a", "b"], "--depth needs a whole number of 1 or more"],
    [["a", "b"], "expected one image or archive, got 2: a b — see layerview --help"],
    [["cat", "img"], "layerview cat takes IMAGE PATH, got img — see layerview --help"],
    [["extract", "i", "p"], "layerview extract takes IMAGE PATH DEST, got i p — see layerview --help"],
    [["diff", "a"], "layerview diff takes IMAGE_A IMAGE_B, got a — see layerview --help"],
    [["cat"], "layerview cat takes IMAGE PATH, got nothing — see layerview --help"],
    [["history", "img"], "layerview history takes IMAGE PATH, got img — see layerview --help"],
    [
      ["history", "--layer", "1", "i", "/a"],
      "--layer applies to cat and extract only — see layerview --help",
    ],
    [["cache", "drop"], "layerview cache takes show, clear or path, got drop — see layerview --help"],
    [["cache", "show", "x"], "layerview cache takes show, clear or path, got show x — see layerview --help"],
    [["--lowest-efficiency", "0.9", "x"], "--lowest-efficiency applies to --ci only — see layerview --help"],
    [["--lowestEfficiency", "0.9", "x"], "--lowestEfficiency applies to --ci only — see layerview --help"],
    [["--ci-format", "json", "x"], "--ci-format applies to --ci only — see layerview --help"],
    [
      ["cat", "--ci", "i", "/a"],
      "--ci applies to layerview IMAGE (not a subcommand) only — see layerview --help",
    ],
    [["--layer", "1", "x"], "--layer applies to cat and extract only — see layerview --help"],
    [["cat", "--force", "i", "/a"], "--force applies to extract only — see layerview --help"],
    [["extract", "--no-follow", "i", "/a", "d"], "--no-follow applies to cat only — see layerview --help"],
    [
      ["-", "--compare", "-"],
      "only one of the two images can come from standard input — save one to a file first",
    ],
    [["x", "--compare", ""], "--compare needs an image to compare with — see layerview --help"],
    [["--depth", "2", "x"], "--depth applies to diff and --compare only — see layerview --help"],
    [["cache", "--pull"], "--pull applies to commands that read an image only — see layerview --help"],
    [
      ["diff", "--image", "x", "a", "b"],
      "--image applies to single-image commands (write ARCHIVE:name:tag for diff and --compare) only — see layerview --help",
    ],
    [["cat", "--report", "i", "/a"], "--report applies to layerview IMAGE only — see layerview --help"],
    [
      ["cat", "--json", "i", "/a"],
      "--json applies to layerview IMAGE, diff and history only — see layerview --help",
    ],
    [["--ci", "--report", "x"], "--ci and --report do not go together — use --ci-format"],
  ])("%j", (argv, line) => {
    expect(errorOf(argv)).toBe(line);
  });
});
