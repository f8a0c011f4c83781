/** `layerview config`, the config file's errors, and colour in every output, through the real CLI. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli, demoArchive, ensureBuilt } from "./run-cli.js";

const ESC = "\u001b[";
let home = "";
let env: NodeJS.ProcessEnv = {};
beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), "lv-config-"));
  mkdirSync(join(home, "xdg", "layerview"), { recursive: true });
  env = { HOME: home, XDG_CONFIG_HOME: join(home, "xdg"), NO_COLOR: "", FORCE_COLOR: undefined };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));
const write = (text: string) => writeFileSync(join(home, "xdg", "layerview", "config.yaml"), text);

describe("layerview config", () => {
  test("prints the effective configuration and where each value came from", () => {
    write("theme: light\nview:\n  sort: size\nkeys:\n  filter: [f, ctrl+f]\n");
    writeFileSync(join(home, ".dive.yaml"), "keybinding:\n  quit: ctrl+c\n  toggle-wrap-tree: ctrl+p\n");
    const r = cli(["config"], { env });
    expect(r.code).toBe(0);
    const file = join(home, "xdg", "layerview", "config.yaml");
    expect(r.stdout).toContain(`config file      ${file}\n`);
    expect(r.stdout).toContain(`dive config      ${join(home, ".dive.yaml")} (key bindings)`);
    expect(r.stdout).toMatch(new RegExp(`theme\\s+light\\s+${file}:1`));
    expect(r.stdout).toMatch(new RegExp(`view\\.sort\\s+size\\s+${file}:3`));
    expect(r.stdout).toMatch(new RegExp(`filter\\s+f Ctrl\\+F\\s+${file}:5`));
    expect(r.stdout).toContain("~/.dive.yaml:3: toggle-wrap-tree (layerview has no such action)");
    rmSync(join(home, ".dive.yaml"));
  });

  test("a bad config file is one line naming the line, exit 2, for every command that reads it", () => {
    write("view:\n  sort: age\n");
    for (const args of [["config"], ["--report", demoArchive]]) {
      const r = cli(args, { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^layerview: .*config\.yaml:2: view\.sort must be name or size, not 'age' — see the Configuration section of the README\n$/,
      );
    }
    write("keys:\n  help: q\n");
    const clash = cli(["config"], { env });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/config\.yaml:2: q for help is already bound to quit \(rebind that too\)/);
    // --version and --help never read it.
    expect(cli(["--version"], { env }).code).toBe(0);
  });
});

describe("colour: the same decision in every output", () => {
  test("--color always colours the report and the CI output; never, NO_COLOR and a pipe do not", () => {
    write("");
    const report = cli(["--report", "--color", "always", demoArchive], { env });
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`${ESC}1mLayers${ESC}0m`);
    const ci = cli(["--ci", "--color", "always", demoArchive], { env });
    expect(ci.stdout).toMatch(new RegExp(`${ESC.replace("[", "\\[")}(32mPASS|1;31mFAIL)`));
    for (const [args, extra] of [
      [["--report", demoArchive], {}],
      [["--report", "--no-color", demoArchive], { FORCE_COLOR: "1" }],
      [["--report", "--color", "auto", demoArchive], { NO_COLOR: "1", FORCE_COLOR: "1" }],
      [["--ci", "--color", "never", demoArchive], {}],
    ] as const) {
      expect(cli([...args], { env: { ...env, ...extra } }).stdout).not.toContain(ESC);
    }
    expect(cli(["--report", demoArchive], { env: { ...env, FORCE_COLOR: "1" } }).stdout).toContain(ESC);
  });

  test("the config file's color applies; the command line wins", () => {
    write("color: always\n");
    expect(cli(["--report", demoArchive], { env }).stdout).toContain(ESC);
    expect(cli(["--report", "--color", "never", demoArchive], { env }).stdout).not.toContain(ESC);
    expect(cli(["--color", "sometimes", demoArchive], { env }).stderr).toBe(
      "layerview: --color must be auto, always or never, not 'sometimes'\n",
    );
  });
});
