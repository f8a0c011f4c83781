#!/usr/bin/env node
/**
 * Start-up: `node -e 0`, `layerview --version`, and the explorer's first frame on the bundled
 * example (time from spawn until the first frame with the layer list is on the terminal), in a real
 * pseudo-terminal made by script(1). Each is run RUNS times; medians and the spread are printed.
 *
 *   npm run build && node bench/startup.js [RUNS]
 */
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin", "layerview.js");
const demo = join(root, "test", "fixtures", "example", "layerview-demo.tar");
const runs = Number(process.argv[2] ?? 15);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeSpawn(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Spawn the explorer in a pty (script -qfec): the time to its first frame (the panes drawn) and
 * to the first frame showing the image (the tree pane's title names the layer).
 */
function firstFrame() {
  return new Promise((resolve, reject) => {
    const cmd = `stty cols 120 rows 40; exec ${process.execPath} ${bin} --no-mouse ${demo}`;
    const t = process.hrtime.bigint();
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, TERM: "xterm-256color", NO_COLOR: "1" },
    });
    let out = "";
    let at = null;
    let shown = null;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("no frame within 20 s"));
    }, 20_000);
    child.stdout.on("data", (d) => {
      out += d.toString("utf8");
      // The first frame with the layer list drawn (FrameWriter writes it in one synchronized update).
      const now = Number(process.hrtime.bigint() - t) / 1e6;
      if (at === null && out.includes("Layers") && out.includes("\u001b[?2026l")) at = now;
      if (shown === null && /as of layer \d/.test(out)) {
        shown = now;
        child.stdin.write("q");
      }
    });
    child.on("exit", () => {
      clearTimeout(timer);
      if (at === null || shown === null)
        reject(new Error(`no frame seen; output: ${JSON.stringify(out.slice(0, 300))}`));
      else resolve({ at, shown });
    });
  });
}

const results = [];
const measure = async (name, f) => {
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(await f());
  results.push({ name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
};

await measure("node -e 0", () => timeSpawn(["-e", "0"]));
await measure("layerview --version", () => timeSpawn([bin, "--version"]));
await measure("layerview --help", () => timeSpawn([bin, "--help"]));
const frames = [];
for (let i = 0; i < runs; i++) frames.push(await firstFrame());
for (const [name, key] of [
  ["explorer: first frame (demo, 120x40)", "at"],
  ["explorer: image shown (demo, 120x40)", "shown"],
]) {
  const xs = frames.map((f) => f[key]);
  results.push({ name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
}

const base = results[0].median;
for (const r of results) {
  const over = r === results[0] ? "" : `  (+${(r.median - base).toFixed(0)} ms over node -e 0)`;
  console.log(
    `${r.name.padEnd(38)} median ${r.median.toFixed(0).padStart(5)} ms  min ${r.min.toFixed(0).padStart(5)}  max ${r.max.toFixed(0).padStart(5)}${over}`,
  );
}
