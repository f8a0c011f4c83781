/**
 * The --help text and the README options table, both made from the option table in args.ts. Print the
 * README table with `npm run build && node dist/cli/help.js --readme-table`; test/cli/help.test.ts
 * checks README.md holds it.
 */
import { pathToFileURL } from "node:url";
import { COMMANDS, type CommandSpec, OPTIONS, type OptionSpec, SECTIONS, type Section } from "./args.js";

export const OPTION_TABLE_START = "<!-- options:start -->";
export const OPTION_TABLE_END = "<!-- options:end -->";

const HEADER = `Usage: layerview [options] IMAGE | ARCHIVE | -
       layerview --ci [rule options] IMAGE | ARCHIVE
       layerview cat [--layer N] IMAGE PATH
       layerview extract [--layer N] [--force] IMAGE PATH DEST
       layerview diff [--json] [--depth N] IMAGE_A IMAGE_B
       layerview history [--json] IMAGE PATH
       layerview [options] IMAGE --compare OTHER
       layerview cache [show|clear|path]
       layerview completion bash|zsh|fish
       layerview config

Explore a container image's layers: what each layer added, changed and deleted,
the merged filesystem as of any layer, and where the image's size really comes from.

  IMAGE      an image reference as docker pull takes it: name[:tag], host:port/repo@sha256:…;
             read from the Docker daemon when it has it, else straight from its registry;
             or with a prefix: registry://…, docker://… (the daemon), podman://…,
             docker-archive://PATH; or an image ID (daemons only)
  ARCHIVE    a docker save / podman save / OCI archive (.tar or .tar.gz), an OCI layout
             directory, ARCHIVE:name:tag to pick one image, or - to read the archive from stdin`;

const SECTION_HELP: Record<Section, { title: string[]; note?: string }> = {
  Options: { title: ["Options:"] },
  "CI gate": {
    title: [
      "CI gate (exit 4 when a rule fails; rules from flags, --ci-config FILE, or .layerview-ci.yaml,",
      ".layerview-ci.yml, .layerview-ci.json or dive's .dive-ci in the current directory):",
    ],
    note: "(dive's --lowestEfficiency etc. work too; 'disabled' turns a rule off)",
  },
  Subcommands: { title: ["Subcommands:"] },
};

const FOOTER = `Exit codes: 0 fine, 1 could not read the image (or do what cat/extract/history were asked),
2 bad usage, 3 read with problems, 4 a CI rule failed.`;

const INDENT = "  ";
/** Descriptions start in this column; a longer label gets a line of its own. */
const LABEL_WIDTH = 22;
const CONTINUED = " ".repeat(INDENT.length + LABEL_WIDTH + 1);

function label(o: OptionSpec): string {
  return `${o.short !== undefined ? `-${o.short}, ` : ""}${o.flag}${o.value !== undefined ? ` ${o.value}` : ""}`;
}

function entry(name: string, help: readonly string[]): string[] {
  const [first = "", ...more] = help;
  const head =
    name.length <= LABEL_WIDTH
      ? [`${INDENT}${name.padEnd(LABEL_WIDTH)} ${first}`]
      : [`${INDENT}${name}`, `${CONTINUED}${first}`];
  return [...head, ...more.map((l) => `${CONTINUED}${l}`)];
}

function commandEntry(c: CommandSpec): string[] {
  return entry(`${c.name} ${c.operands.join(" ")}`, c.help);
}

/** What `layerview --help` prints. */
export function renderHelp(options: readonly OptionSpec[] = OPTIONS): string {
  const parts = [HEADER];
  for (const section of SECTIONS) {
    const { title, note } = SECTION_HELP[section];
    const lines = [...title];
    if (section === "Subcommands") for (const c of COMMANDS) lines.push(...commandEntry(c));
    for (const o of options.filter((x) => x.section === section)) lines.push(...entry(label(o), o.help));
    if (note !== undefined) lines.push(`${CONTINUED}${note}`);
    parts.push(lines.join("\n"));
  }
  parts.push(FOOTER);
  return parts.join("\n\n");
}

export const USAGE = renderHelp();

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/** The README's options table alone: every option, by section, with its one-line summary. */
export function renderOptionTable(options: readonly OptionSpec[] = OPTIONS): string {
  const lines = ["| option | meaning |", "|---|---|"];
  for (const section of SECTIONS) {
    const inSection = options.filter((o) => o.section === section);
    if (inSection.length === 0) continue;
    lines.push(`| **${section}** | |`);
    for (const o of inSection) lines.push(`| \`${cell(label(o))}\` | ${cell(o.summary)} |`);
  }
  return lines.join("\n");
}

/** The table between its markers, as it should appear in README.md. */
export function renderOptionTableBlock(options: readonly OptionSpec[] = OPTIONS): string {
  return `${OPTION_TABLE_START}\n${renderOptionTable(options)}\n${OPTION_TABLE_END}`;
}

/** The part of a README between the markers, or null when the markers are missing. */
export function extractOptionTableBlock(readme: string): string | null {
  const a = readme.indexOf(OPTION_TABLE_START);
  const b = readme.indexOf(OPTION_TABLE_END);
  if (a < 0 || b < a) return null;
  return readme.slice(a, b + OPTION_TABLE_END.length);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${process.argv[2] === "--readme-table" ? renderOptionTableBlock() : USAGE}\n`);
}
