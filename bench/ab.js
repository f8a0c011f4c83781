// Two or more ways of running `layerview --json TARGET` (other environment variables, another
// checkout) measured taking turns, run by run, so that the machine's drift falls on all of them alike:
// median and best wall time, median peak RSS (bench/measure.js reports it).
// Usage: node bench/ab.js RUNS TARGET NAME:VAR=VALUE,VAR=VALUE … (ROOT=DIR runs DIR/bench/measure.js)
//   node bench/ab.js 8 .bench/synthetic-v2-500000-10/image.tar one:LAYERVIEW_THREADS=0 default:
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const [runs, target, ...specs] = process.argv.slice(2);
if (!(Number(runs) > 0) || target === undefined || specs.length === 0) {
  console.error("usage: node bench/ab.js RUNS TARGET NAME:VAR=VALUE,… [NAME:…]");
  process.exit(2);
}
const variants = specs.map((spec) => {
  const [name, vars = ""] = spec.split(/:(.*)/s);
  const env = Object.fromEntries(
    vars
      .split(",")
      .filter(Boolean)
      .map((kv) => kv.split(/=(.*)/s).slice(0, 2)),
  );
  return { name, env, ms: [], rss: [] };
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (let i = 0; i < Number(runs); i++) {
  for (const v of variants) {
    const { ROOT, ...env } = v.env;
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(ROOT ?? root, "bench/measure.js"), "--json", target], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    if (r.status !== 0 && r.status !== 3) {
      console.error(`${v.name}: exit ${r.status}: ${String(r.stderr).slice(0, 400)}`);
      process.exit(1);
    }
    v.ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    v.rss.push(Number(/maxRSS=(\d+)/.exec(String(r.stderr))?.[1] ?? 0) / 1024);
  }
}
for (const v of variants) {
  console.log(
    `${v.name.padEnd(10)} median ${median(v.ms).toFixed(0)} ms  best ${Math.min(...v.ms).toFixed(0)} ms  peak RSS ${median(v.rss).toFixed(0)} MB  (${runs} runs)`,
  );
}
