/**
 * `npm run fuzz -- [--cases N] [--seed S] [--first N] [--jobs J] [--timeout MS] [--time-limit S]
 *                  [--no-real] [--json FILE] [--log FILE] [--verbose] [--no-snapshot]`: a mutation fuzz run of
 *   the CLI, with its figures; --json writes the summary, --log one line per case.
 * `npm run fuzz -- --case N [--seed S] [--out FILE]`: write case N's archive to FILE (default
 * fuzz-case-N.tar) and print the command that reproduces it.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ARCHIVE, DEST, makeCase, ORIGINAL } from "./cases.js";
import { type FuzzSummary, OUTCOMES, repoRoot, runFuzz } from "./driver.js";
import { loadSeeds } from "./seeds.js";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    first: { type: "string", default: "0" },
    jobs: { type: "string", default: "2" },
    timeout: { type: "string", default: "30000" },
    "time-limit": { type: "string" },
    "memory-limit-mib": { type: "string", default: "1024" },
    "no-real": { type: "boolean", default: false },
    json: { type: "string" },
    log: { type: "string" },
    case: { type: "string" },
    out: { type: "string" },
    verbose: { type: "boolean", default: false },
    snapshot: { type: "boolean", default: true },
    "no-snapshot": { type: "boolean", default: false },
  },
});

const seed = Number(values.seed);

if (values.case !== undefined) {
  const root = repoRoot();
  const c = makeCase(loadSeeds(root, { real: !values["no-real"] }), seed, Number(values.case));
  const out = resolve(values.out ?? `fuzz-case-${c.number}.tar`);
  writeFileSync(out, c.archive);
  const args = c.args.map((a) =>
    a === ARCHIVE ? out : a === ORIGINAL ? `<the seed ${c.seed}>` : a === DEST ? "/tmp/fuzz-dest" : a,
  );
  console.log(`case ${c.number} (seed ${seed}): ${c.seed}, ${c.command}`);
  for (const m of c.mutations) console.log(`  ${m}`);
  console.log(
    `wrote ${out}\nnode ${join(root, "bin/layerview.js")} ${args.map((a) => JSON.stringify(a)).join(" ")}`,
  );
  process.exit(0);
}

const cases = Number(values.cases);
const limit = values["time-limit"] ? Number(values["time-limit"]) * 1000 : undefined;
const summary = await runFuzz({
  seed,
  cases,
  first: Number(values.first),
  jobs: Number(values.jobs),
  timeoutMs: Number(values.timeout),
  memoryLimitBytes: Number(values["memory-limit-mib"]) * (1 << 20),
  timeBudgetMs: limit,
  realFixtures: !values["no-real"],
  snapshot: !values["no-snapshot"],
  onResult: (r, done) => {
    if (values.log) {
      const { mutations: _m, args: _a, ...brief } = r;
      appendFileSync(values.log, `${JSON.stringify({ ...brief, detail: r.detail.slice(0, 200) })}\n`);
    }
    if (values.verbose || (r.outcome !== "ok" && r.outcome !== "clean error"))
      console.log(`case ${r.number}: ${r.outcome} (${r.command} on ${r.seed}) ${r.detail.slice(0, 300)}`);
    if (done % 250 === 0) console.error(`[fuzz] ${done} cases`);
  },
});
console.log(formatSummary(summary));
if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
process.exitCode = summary.failures.length > 0 || summary.generatorErrors.length > 0 ? 1 : 0;

export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `fuzz: seed ${s.seed}, ${s.cases} cases in ${(s.ms / 1000).toFixed(1)} s, peak worker RSS ${Math.round(s.peakRssBytes / (1 << 20))} MiB`,
    `  ${OUTCOMES.map((o) => `${o} ${s.counts[o]}`).join(", ")}`,
  ];
  for (const [cmd, c] of Object.entries(s.byCommand).sort()) {
    lines.push(`  ${cmd.padEnd(8)} ${OUTCOMES.map((o) => `${o} ${c[o]}`).join(", ")}`);
  }
  if (s.slowest)
    lines.push(`  slowest: case ${s.slowest.number} (${s.slowest.command}), ${Math.round(s.slowest.ms)} ms`);
  for (const g of s.generatorErrors) lines.push(`  fuzzer error: ${g}`);
  for (const f of s.flaky)
    lines.push(`  flaky: case ${f.number} ${f.command} on ${f.seed}: ${f.detail.slice(0, 200)}`);
  for (const f of s.failures.slice(0, 100)) {
    lines.push(`  ${f.outcome}: case ${f.number} ${f.command} on ${f.seed}: ${f.detail.slice(0, 200)}`);
    for (const m of f.mutations.slice(0, 6)) lines.push(`      ${m.slice(0, 160)}`);
  }
  return lines.join("\n");
}
