/**
 * `layerview completion bash|zsh|fish`: the scripts are made from the option and subcommand tables
 * (args.ts), so an option added there completes with no change here. What a value completes to is
 * read from its placeholder: "a|b|c" are its choices, FILE a file, DEST a directory, IMAGE an image
 * name (asked of the daemons through `layerview completion images`) or an archive path, OS/ARCH the
 * platforms of the image on the line (`layerview completion platforms WORDS…`).
 */
import { COMMANDS, type CommandSpec, OPTIONS, type OptionSpec } from "./args.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** What --platform offers when the image on the line says nothing (or there is none). */
export const COMMON_PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/arm/v6",
  "linux/386",
  "linux/ppc64le",
  "linux/s390x",
  "linux/riscv64",
  "windows/amd64",
];

/** What a value or an operand completes to. */
export type Completes =
  | { kind: "choices"; words: string[] }
  | { kind: "file" }
  | { kind: "dir" }
  | { kind: "image" }
  /** The image's own platforms when it can tell, else the common ones. */
  | { kind: "platform" }
  | { kind: "none" };

/** "docker|podman" → its choices; "[show|clear|path]" too; FILE, DEST, IMAGE… by name. */
export function completesFor(placeholder: string): Completes {
  const bare = placeholder.replace(/^\[(.*)\]$/, "$1");
  if (/^[a-z0-9-]+(\|[a-z0-9-]+)+$/.test(bare)) return { kind: "choices", words: bare.split("|") };
  if (/^(FILE|ARCHIVE)$/.test(bare)) return { kind: "file" };
  if (/^(DEST|DIR)$/.test(bare)) return { kind: "dir" };
  if (/^IMAGE(_[A-Z])?$/.test(bare)) return { kind: "image" };
  if (bare.startsWith("OS/ARCH")) return { kind: "platform" };
  return { kind: "none" };
}

/** Every spelling of an option that takes no value / takes one. */
function spellings(options: readonly OptionSpec[]) {
  const all = (o: OptionSpec) => [o.flag, ...(o.aliases ?? []), ...(o.short ? [`-${o.short}`] : [])];
  return {
    flags: options.flatMap((o) => [o.flag, ...(o.short ? [`-${o.short}`] : [])]),
    valued: options.filter((o) => o.value !== undefined).flatMap(all),
  };
}

function shellWords(words: readonly string[]): string {
  return words.map((w) => w.replace(/[^A-Za-z0-9_./:=+-]/g, "")).join(" ");
}

/** A shell `case` pattern for the spellings of an option. */
function pattern(o: OptionSpec): string {
  return [o.flag, ...(o.aliases ?? []), ...(o.short ? [`-${o.short}`] : [])].join("|");
}

/** The operand of `command` at position `i` (0 = IMAGE), as completions. */
function operandCompletes(c: CommandSpec, i: number): Completes {
  const op = c.operands[i];
  return op === undefined ? { kind: "none" } : completesFor(op);
}

export function completionScript(
  shell: Shell,
  options: readonly OptionSpec[] = OPTIONS,
  commands: readonly CommandSpec[] = COMMANDS,
): string {
  switch (shell) {
    case "bash":
      return bashScript(options, commands);
    case "zsh":
      return zshScript(options, commands);
    case "fish":
      return fishScript(options, commands);
  }
}

function bashCompgen(c: Completes, images: boolean): string {
  switch (c.kind) {
    case "choices":
      return `COMPREPLY=($(compgen -W "${shellWords(c.words)}" -- "$cur"))`;
    case "file":
      return `COMPREPLY=($(compgen -f -- "$cur"))`;
    case "dir":
      return `COMPREPLY=($(compgen -d -- "$cur"))`;
    case "image":
      return images
        ? `COMPREPLY=($(compgen -W "$(_layerview_images)" -- "$cur") $(compgen -f -- "$cur"))`
        : `COMPREPLY=($(compgen -f -- "$cur"))`;
    case "platform":
      return `COMPREPLY=($(compgen -W "$(_layerview_platforms)" -- "$cur"))`;
    case "none":
      return "COMPREPLY=()";
  }
}

function bashScript(options: readonly OptionSpec[], commands: readonly CommandSpec[]): string {
  const { flags, valued } = spellings(options);
  const valueCases = options
    .filter((o) => o.value !== undefined)
    .map((o) => `    ${pattern(o)}) ${bashCompgen(completesFor(o.value!), true)}; return ;;`);
  const commandCases = commands.map((c) => {
    const ops = c.operands.map((_, i) => `      ${i}) ${bashCompgen(operandCompletes(c, i), true)} ;;`);
    return [`    ${c.name})`, '      case "$n" in', ...ops, "      *) COMPREPLY=() ;;", "      esac ;;"].join(
      "\n",
    );
  });
  return `# layerview completion for bash: source <(layerview completion bash)
_layerview_images() {
  layerview completion images 2>/dev/null
}
# The line without the option being completed and its value: layerview finds the image in it.
_layerview_platforms() {
  layerview completion platforms "\${COMP_WORDS[@]:1:COMP_CWORD-2}" "\${COMP_WORDS[@]:COMP_CWORD+1}" 2>/dev/null
}
_layerview() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # Image names hold ':'; complete them whole.
  COMP_WORDBREAKS="\${COMP_WORDBREAKS//:/}"
  case "$prev" in
${valueCases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${shellWords(flags)}" -- "$cur"))
    return
  fi
  local valued=" ${shellWords(valued)} "
  local sub="" n=0 i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ "$w" == -* ]]; then
      [[ "$valued" == *" $w "* ]] && ((i++))
      continue
    fi
    if [[ -z "$sub" ]]; then sub="$w"; else ((n++)); fi
  done
  if [[ -z "$sub" ]]; then
    COMPREPLY=($(compgen -W "${shellWords(commands.map((c) => c.name))} $(_layerview_images)" -- "$cur") $(compgen -f -- "$cur"))
    return
  fi
  case "$sub" in
${commandCases.join("\n")}
    *) COMPREPLY=() ;;
  esac
}
complete -o default -F _layerview layerview
`;
}

function zshAction(c: Completes): string {
  switch (c.kind) {
    case "choices":
      return `(${shellWords(c.words)})`;
    case "file":
      return "_files";
    case "dir":
      return "_files -/";
    case "image":
      return "_layerview_image_or_file";
    case "platform":
      return "_layerview_platforms";
    case "none":
      return " ";
  }
}

/** An operand's completion as a zsh command line. */
function zshOperand(c: Completes): string {
  switch (c.kind) {
    case "choices":
      return `compadd -- ${shellWords(c.words)}`;
    case "file":
      return "_files";
    case "dir":
      return "_files -/";
    case "image":
      return "_layerview_image_or_file";
    case "platform":
      return "_layerview_platforms";
    case "none":
      return "_message value";
  }
}

function zshDescription(o: OptionSpec): string {
  return o.summary.replace(/`/g, "").replace(/[[\]:'\\]/g, "");
}

function zshScript(options: readonly OptionSpec[], commands: readonly CommandSpec[]): string {
  const specs = options.flatMap((o) =>
    [o.flag, ...(o.aliases ?? []), ...(o.short ? [`-${o.short}`] : [])].map((spelled) => {
      const value =
        o.value !== undefined ? `:${o.value.replace(/:/g, "")}:${zshAction(completesFor(o.value))}` : "";
      return `    '${spelled}[${zshDescription(o)}]${value}'`;
    }),
  );
  const commandCases = commands.map((c) => {
    const ops = c.operands.map((_, i) => `        ${i + 1}) ${zshOperand(operandCompletes(c, i))} ;;`);
    return [`      ${c.name})`, "        case $n in", ...ops, "        esac ;;"].join("\n");
  });
  const subs = commands.map((c) => `'${c.name}:${c.help[0]!.replace(/[':\\]/g, "")}'`).join(" ");
  return `#compdef layerview
# layerview completion for zsh: source <(layerview completion zsh), or save as _layerview on $fpath
_layerview_image_or_file() {
  local -a images
  images=(\${(f)"$(layerview completion images 2>/dev/null)"})
  _wanted images expl image compadd -a images
  _files
}
_layerview_platforms() {
  local -a platforms
  # The line without the option being completed and its value, unquoted: layerview finds the image in it.
  platforms=(\${(f)"$(layerview completion platforms \${(Q)words[2,CURRENT-2]} \${(Q)words[CURRENT+1,-1]} 2>/dev/null)"})
  _wanted platforms expl platform compadd -a platforms
}
_layerview() {
  local curcontext="$curcontext" state line
  typeset -A opt_args
  _arguments -s -S \\
${specs.join(" \\\n")} \\
    '1: :->first' \\
    '*:: :->rest'
  case $state in
    first)
      local -a subs
      subs=(${subs})
      _describe -t subcommands subcommand subs
      _layerview_image_or_file ;;
    rest)
      local n=$((CURRENT - 1))
      case $line[1] in
${commandCases.join("\n")}
      esac ;;
  esac
}
if [[ "$funcstack[1]" == _layerview ]]; then _layerview "$@"; else compdef _layerview layerview; fi
`;
}

function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function fishValue(c: Completes): string {
  switch (c.kind) {
    case "choices":
      return ` -x -a ${fishQuote(c.words.join(" "))}`;
    case "file":
      return " -r -F";
    case "dir":
      return " -x -a '(__fish_complete_directories)'";
    case "image":
      return " -x -a '(layerview completion images 2>/dev/null) (__fish_complete_path)'";
    case "platform":
      return " -x -a '(__layerview_platforms)'";
    case "none":
      return " -x";
  }
}

function fishScript(options: readonly OptionSpec[], commands: readonly CommandSpec[]): string {
  const names = commands.map((c) => c.name).join(" ");
  const lines = [
    "# layerview completion for fish: layerview completion fish | source",
    "complete -c layerview -f",
    // The line before the cursor without the option being completed: layerview finds the image in it.
    "function __layerview_platforms",
    "    set -l w (commandline -opc)",
    "    set -e w[1]",
    '    if set -q w[1]; and test "$w[-1]" = --platform',
    "        set -e w[-1]",
    "    end",
    "    layerview completion platforms $w 2>/dev/null",
    "end",
    // The first operand: a subcommand, an image, or an archive.
    `complete -c layerview -n 'not __fish_seen_subcommand_from ${names}' -a '(layerview completion images 2>/dev/null) (__fish_complete_path (commandline -ct))'`,
  ];
  for (const c of commands) {
    lines.push(
      `complete -c layerview -n 'not __fish_seen_subcommand_from ${names}' -a ${c.name} -d ${fishQuote(c.help[0]!)}`,
    );
    const first = operandCompletes(c, 0);
    if (first.kind !== "none") {
      lines.push(`complete -c layerview -n '__fish_seen_subcommand_from ${c.name}'${fishValue(first)}`);
    }
  }
  for (const o of options) {
    for (const spelled of [o.flag, ...(o.aliases ?? [])]) {
      const short = spelled === o.flag && o.short ? ` -s ${o.short}` : "";
      const value = o.value !== undefined ? fishValue(completesFor(o.value)) : "";
      lines.push(
        `complete -c layerview -l ${spelled.slice(2)}${short}${value} -d ${fishQuote(o.summary.replace(/`/g, ""))}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** What a command line being completed says about its image (for `layerview completion platforms`). */
export interface LineImage {
  /** IMAGE (the first operand of cat, extract, history and diff); null when the line names none. */
  target: string | null;
  /** The values of the options that change where or how IMAGE is read, as typed. */
  source?: string;
  image?: string;
  creds?: string;
  insecureRegistries: string[];
}

/**
 * The image a partly typed command line names: its words (without `layerview`, and without the
 * option whose value is being completed) read as the parser reads them, but forgiving — a line
 * still being typed is seldom complete.
 */
export function lineImage(
  words: readonly string[],
  options: readonly OptionSpec[] = OPTIONS,
  commands: readonly CommandSpec[] = COMMANDS,
): LineImage {
  const bySpelling = new Map<string, OptionSpec>();
  for (const o of options)
    for (const s of [o.flag, ...(o.aliases ?? []), ...(o.short ? [`-${o.short}`] : [])]) bySpelling.set(s, o);
  const out: LineImage = { target: null, insecureRegistries: [] };
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (!w.startsWith("-") || w === "-") {
      positional.push(w);
      continue;
    }
    const eq = w.startsWith("--") ? w.indexOf("=") : -1;
    const o = bySpelling.get(eq > 0 ? w.slice(0, eq) : w);
    if (o?.value === undefined) continue;
    const value = eq > 0 ? w.slice(eq + 1) : words[++i];
    if (value === undefined) break;
    if (o.flag === "--source") out.source = value;
    else if (o.flag === "--image") out.image = value;
    else if (o.flag === "--creds") out.creds = value;
    else if (o.flag === "--insecure-registry") out.insecureRegistries.push(value);
  }
  const command = commands.find((c) => c.name === positional[0]);
  if (command === undefined) out.target = positional[0] ?? null;
  else if (command.operands[0]?.startsWith("IMAGE")) out.target = positional[1] ?? null;
  return out;
}
