import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { COMMANDS, OPTIONS, parseArgs } from "../../src/cli/args.js";
import {
  extractOptionTableBlock,
  renderOptionTable,
  renderOptionTableBlock,
  USAGE,
} from "../../src/cli/help.js";

const spellings = OPTIONS.flatMap((o) => [o.flag, ...(o.aliases ?? []), ...(o.short ? [`-${o.short}`] : [])]);

describe("one option table: parser, --help and README", () => {
  test("no spelling belongs to two options", () => {
    expect(new Set(spellings).size).toBe(spellings.length);
  });

  test("--help lists every option with its placeholder, and every subcommand", () => {
    const lines = USAGE.split("\n");
    for (const o of OPTIONS) {
      const label = `${o.flag}${o.value !== undefined ? ` ${o.value}` : ""}`;
      expect(
        lines.some((l) => l.includes(label)),
        label,
      ).toBe(true);
      expect(USAGE, o.flag).toContain(o.help[0]);
    }
    for (const c of COMMANDS) expect(USAGE).toContain(`  ${c.name} ${c.operands.join(" ")}`);
    expect(lines.every((l) => l.length <= 100)).toBe(true);
  });

  test("the parser knows every spelling the table has, where the option applies", () => {
    const where = (flag: string): string[] => {
      if (flag === "--layer") return ["cat", "i", "/p"];
      if (flag === "--no-follow") return ["cat", "i", "/p"];
      if (flag === "--force") return ["extract", "i", "/p", "d"];
      if (flag === "--depth") return ["diff", "a", "b"];
      return ["i"];
    };
    for (const o of OPTIONS) {
      const ci = o.section === "CI gate" && o.flag !== "--ci" ? ["--ci"] : [];
      const sample = o.value === undefined ? [] : [o.value.includes("|") ? o.value.split("|")[0]! : "1"];
      for (const s of [o.flag, ...(o.aliases ?? []), ...(o.short ? [`-${o.short}`] : [])]) {
        const value = o.flag === "--creds" ? ["u:p"] : o.flag === "--large-file-size" ? ["1MB"] : sample;
        const [cmd, ...rest] = where(o.flag);
        const argv = cmd === "i" ? [...ci, s, ...value, "i"] : [cmd!, s, ...value, ...rest];
        expect(() => parseArgs(argv), argv.join(" ")).not.toThrow();
      }
    }
  });

  test("the README table lists every option, grouped by section", () => {
    const table = renderOptionTable();
    expect(table.split("\n")[0]).toBe("| option | meaning |");
    for (const o of OPTIONS) expect(table).toContain(`| ${o.summary.replace(/\|/g, "\\|")} |`);
    expect(table).toContain("| `--source docker\\|podman\\|archive\\|registry` | where IMAGE comes from |");
    expect(table).toContain("| **CI gate** | |");
  });

  test("README.md holds the options table generated from the option table", () => {
    const hint = "paste the output of `npm run build && node dist/cli/help.js --readme-table` into README.md";
    const block = extractOptionTableBlock(readFileSync(new URL("../../README.md", import.meta.url), "utf8"));
    expect(block, `README.md has no options table markers: ${hint}`).not.toBeNull();
    expect(block, `README.md's options table is out of date: ${hint}`).toBe(renderOptionTableBlock());
  });
});
