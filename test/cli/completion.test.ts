/**
 * Shell completion: the scripts are made from the option and subcommand tables, and they work in
 * the real shells (bash always; zsh and fish where installed — .ci/run installs them): a value's
 * choices, subcommands, archive paths, and image names from the real daemon.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COMMANDS, OPTIONS } from "../../src/cli/args.js";
import { COMMON_PLATFORMS, completesFor, completionScript, lineImage } from "../../src/cli/completion.js";
import { probeEngine } from "../engines/harness.js";
import { writeRealMultiPlatformArchive } from "../fixtures/real-multi-platform.js";
import { useRealFixtures } from "../real-fixtures.js";
import { cli, ensureBuilt, repoRoot } from "./run-cli.js";

const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;
const REQUIRE = process.env.LAYERVIEW_REQUIRE_TERMINAL === "1";

describe("the scripts come from the tables", () => {
  test("what a placeholder completes to", () => {
    expect(completesFor("docker|podman|archive|registry")).toEqual({
      kind: "choices",
      words: ["docker", "podman", "archive", "registry"],
    });
    expect(completesFor("[show|clear|path]")).toEqual({ kind: "choices", words: ["show", "clear", "path"] });
    expect(completesFor("FILE")).toEqual({ kind: "file" });
    expect(completesFor("DEST")).toEqual({ kind: "dir" });
    expect(completesFor("IMAGE_B")).toEqual({ kind: "image" });
    expect(completesFor("OS/ARCH[/VARIANT]")).toEqual({ kind: "platform" });
    expect(completesFor("N")).toEqual({ kind: "none" });
  });

  test("the image a partly typed line names, and how it is to be read", () => {
    expect(lineImage(["app.tar"])).toEqual({ target: "app.tar", insecureRegistries: [] });
    expect(
      lineImage([
        "--image",
        "a:1",
        "--source=registry",
        "--insecure-registry",
        "10.0.0.0/8",
        "--creds",
        "u:p",
        "--json",
        "host/app:1",
      ]),
    ).toEqual({
      target: "host/app:1",
      image: "a:1",
      source: "registry",
      creds: "u:p",
      insecureRegistries: ["10.0.0.0/8"],
    });
    // Subcommands: IMAGE is their first operand; a line not finished yet still names it.
    expect(lineImage(["cat", "app.tar", "/etc/passwd"]).target).toBe("app.tar");
    expect(lineImage(["diff", "a.tar"]).target).toBe("a.tar");
    expect(lineImage(["extract"]).target).toBeNull();
    expect(lineImage(["cache", "show"]).target).toBeNull();
    expect(lineImage(["--top", "5"]).target).toBeNull();
    expect(lineImage(["--", "-odd-name.tar"]).target).toBe("-odd-name.tar");
    // An option left without its value names nothing.
    expect(lineImage(["app.tar", "--image"])).toEqual({ target: "app.tar", insecureRegistries: [] });
  });

  test("every option and subcommand is in every script, and a new option flows in", () => {
    const extra = {
      ...OPTIONS[0]!,
      flag: "--brand-new",
      value: "one|two",
      summary: "a new option",
      help: ["a new option"],
    };
    for (const shell of ["bash", "zsh", "fish"] as const) {
      const script = completionScript(shell, [...OPTIONS, extra], COMMANDS);
      for (const o of OPTIONS)
        expect(script, `${shell}: ${o.flag}`).toContain(shell === "fish" ? `-l ${o.flag.slice(2)}` : o.flag);
      for (const c of COMMANDS) expect(script, `${shell}: ${c.name}`).toContain(c.name);
      expect(script).toContain("brand-new");
      expect(script).toMatch(/one two|\(one two\)/);
    }
  });
});

describe("in the shells", () => {
  let dir = "";
  let env: NodeJS.ProcessEnv = {};
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "lv-completion-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // `layerview` as an installed one is: the scripts call it for image names.
    writeFileSync(
      join(bin, "layerview"),
      `#!/bin/sh\nexec "${process.execPath}" "${repoRoot}/bin/layerview.js" "$@"\n`,
    );
    chmodSync(join(bin, "layerview"), 0o755);
    mkdirSync(join(dir, "work"));
    writeFileSync(join(dir, "work", "app-image.tar"), "");
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKER_HOST: "", CONTAINER_HOST: "" };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** COMPREPLY for the words with the cursor on word `cword` (default: the last). */
  const bash = (words: string[], extraEnv: NodeJS.ProcessEnv = {}, cword = words.length - 1) => {
    const script = cli(["completion", "bash"]).stdout;
    writeFileSync(join(dir, "c.bash"), script);
    const quoted = words.map((w) => `'${w}'`).join(" ");
    const r = spawnSync(
      "bash",
      [
        "-c",
        `source '${join(dir, "c.bash")}'; COMP_WORDS=(${quoted}); COMP_CWORD=${cword}; _layerview; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: join(dir, "work"), env: { ...env, ...extraEnv }, encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    return r.stdout.split("\n").filter((l) => l !== "");
  };

  test("bash: values, options, subcommands, archives", () => {
    expect(bash(["layerview", "--source", ""])).toEqual(["docker", "podman", "archive", "registry"]);
    expect(bash(["layerview", "--ci-format", "j"])).toEqual(["json", "junit"]);
    expect(bash(["layerview", "--platform", "linux/ar"])).toEqual([
      "linux/arm64",
      "linux/arm/v7",
      "linux/arm/v6",
    ]);
    expect(bash(["layerview", "--no-"])).toEqual(["--no-cache", "--no-color", "--no-mouse", "--no-follow"]);
    expect(bash(["layerview", "comp"])).toEqual(["completion"]);
    expect(bash(["layerview", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    expect(bash(["layerview", "cache", "c"])).toEqual(["clear"]);
    expect(bash(["layerview", "app"])).toEqual(["app-image.tar"]);
    // After --image (which takes a value) the next word is still the image.
    expect(bash(["layerview", "--image", "x", "app"])).toEqual(["app-image.tar"]);
  });

  test("bash: image names from the daemon", async () => {
    const docker = await probeEngine("docker");
    if (!docker.ok) {
      if (REQUIRE) throw new Error(docker.reason);
      return;
    }
    const names = bash(["layerview", docker.image.slice(0, 8)], { DOCKER_HOST: docker.host });
    expect(names).toContain(docker.image);
    const afterDiff = bash(["layerview", "diff", docker.image, docker.image.slice(0, 8)], {
      DOCKER_HOST: docker.host,
    });
    expect(afterDiff).toContain(docker.image);
    // --platform after a daemon image: the platform the daemon itself reports for it.
    const inspected = spawnSync(
      "docker",
      [
        "image",
        "inspect",
        "--format",
        "{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}",
        docker.image,
      ],
      { env: { ...env, DOCKER_HOST: docker.host }, encoding: "utf8" },
    ).stdout.trim();
    expect(inspected).toMatch(/^\w+\/\w+/);
    expect(bash(["layerview", docker.image, "--platform", ""], { DOCKER_HOST: docker.host })).toEqual([
      inspected,
    ]);
  });

  /** What zsh shows after `line` and a Tab, typed into an interactive zsh on a pty (zpty). */
  const zshComplete = (line: string) => {
    writeFileSync(join(dir, "_layerview"), cli(["completion", "zsh"]).stdout);
    // zsh completes only in its line editor: drive an interactive zsh on a pseudo-terminal (zpty).
    writeFileSync(
      join(dir, "drive.zsh"),
      [
        "zmodload zsh/zpty",
        "zpty z zsh -f -i",
        `zpty -w z "PROMPT='> '; fpath=(${dir} \\$fpath); autoload -U compinit && compinit -u -D; source ${dir}/_layerview; cd ${dir}/work"`,
        "sleep 1",
        "zpty -w -n z \"$1\"$'\\t'",
        "sleep 1.5",
        'local all="" line',
        'while zpty -rt z line; do all+="$line"; done',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's own parameter expansion
        'print -r -- "${all##*/work}"',
      ].join("\n"),
    );
    const typed = (line: string) => {
      const r = spawnSync("zsh", ["-f", join(dir, "drive.zsh"), line], {
        env,
        encoding: "utf8",
        timeout: 20_000,
      });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequences
      return r.stdout.replace(/\u001b\[[0-9;?]*[a-zA-Z]/g, "").replace(/[\r\u0007\b]/g, "");
    };
    return typed(line);
  };

  /** What fish completes `line` to. */
  const fishComplete = (line: string) => {
    writeFileSync(join(dir, "layerview.fish"), cli(["completion", "fish"]).stdout);
    return spawnSync(
      "fish",
      ["--no-config", "-c", `source '${join(dir, "layerview.fish")}'; complete -C '${line}'`],
      { cwd: join(dir, "work"), env, encoding: "utf8" },
    )
      .stdout.split("\n")
      .map((l) => l.split("\t")[0])
      .filter((l) => l !== "");
  };

  test.skipIf(!has("zsh") && !REQUIRE)(
    "zsh: completes values, subcommands and archives (typed into zsh on a pty)",
    () => {
      const complete = zshComplete;
      expect(complete("layerview --source ")).toMatch(/archive\s+docker\s+podman\s+registry/);
      expect(complete("layerview completion ")).toMatch(/bash\s+fish\s+zsh/);
      const comp = complete("layerview comp");
      expect(comp).toMatch(/letion/);
      // The script's first-word completion once raised zsh's "_tags: no tags registered" here.
      expect(comp).not.toMatch(/_tags|comptags/);
      expect(complete("layerview --ci-fo")).toMatch(/rmat/);
      expect(complete("layerview app")).toMatch(/-image\.tar/);
    },
  );

  test.skipIf(!has("fish") && !REQUIRE)("fish: completes options, values and subcommands", () => {
    const complete = fishComplete;
    expect(complete("layerview --source ")).toEqual(["archive", "docker", "podman", "registry"]);
    expect(complete("layerview --ci-f")).toEqual(expect.arrayContaining(["--ci-figures", "--ci-format"]));
    expect(complete("layerview comp")).toContain("completion");
    expect(complete("layerview app")).toContain("app-image.tar");
  });

  describe.skipIf(!useRealFixtures)("--platform: the platforms of the image on the line", () => {
    let built = "";
    // Written on first use, into the shells' working directory (made by the suite's beforeAll).
    const archive = () => {
      built ||= writeRealMultiPlatformArchive(join(dir, "work"));
      return built;
    };

    test("the callback reads them from a real multi-platform archive's index, attestation left out", () => {
      const multi = archive();
      const r = cli(["completion", "platforms", multi]);
      expect(r).toEqual({ code: 0, stdout: "linux/amd64\nlinux/arm64\n", stderr: "" });
      // The archive is one layerview reads, by either platform.
      for (const [platform, layers] of [
        ["linux/amd64", 14],
        ["linux/arm64", 1],
      ] as const) {
        const read = cli(["--json", "--platform", platform, multi]);
        expect(read.stderr).toBe("");
        expect(JSON.parse(read.stdout).layers).toHaveLength(layers);
      }
    });

    test("without an image on the line, or one that says nothing, the common platforms", () => {
      expect(cli(["completion", "platforms"]).stdout).toBe(`${COMMON_PLATFORMS.join("\n")}\n`);
      const r = cli(["completion", "platforms", "cat", join(dir, "work", "app-image.tar")]);
      expect(r).toEqual({ code: 0, stdout: `${COMMON_PLATFORMS.join("\n")}\n`, stderr: "" });
    });

    test("bash: before or after the image, as the prefix typed says", () => {
      archive();
      expect(bash(["layerview", "multi.tar", "--platform", ""])).toEqual(["linux/amd64", "linux/arm64"]);
      expect(bash(["layerview", "--platform", "linux/arm", "multi.tar"], {}, 2)).toEqual(["linux/arm64"]);
      expect(bash(["layerview", "history", "multi.tar", "/etc", "--platform", "linux/a"])).toEqual([
        "linux/amd64",
        "linux/arm64",
      ]);
    });

    test.skipIf(!has("zsh") && !REQUIRE)("zsh: offers the archive's platforms", () => {
      archive();
      const out = zshComplete("layerview multi.tar --platform linux/a");
      expect(out).toMatch(/linux\/amd64\s+linux\/arm64/);
      // The common list would have linux/arm/v7 here too.
      expect(out).not.toMatch(/arm\/v/);
    });

    test.skipIf(!has("fish") && !REQUIRE)("fish: offers the archive's platforms", () => {
      archive();
      expect(fishComplete("layerview multi.tar --platform ")).toEqual(["linux/amd64", "linux/arm64"]);
      expect(fishComplete("layerview --platform=linux/a").sort()).toEqual(
        COMMON_PLATFORMS.filter((p) => p.startsWith("linux/a"))
          .map((p) => `--platform=${p}`)
          .sort(),
      );
    });
  });

  test("a shell layerview has no script for is a usage error", () => {
    const r = cli(["completion", "powershell"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "layerview: layerview completion takes bash, zsh or fish, not 'powershell' — see layerview --help\n",
    );
  });
});
