// Memory of the real explorer, in a real terminal (tmux), on the synthetic archive of bench/run.js:
// open it, use it (every layer, a filter, the views), and read the process's peak RSS (VmHWM),
// set against the archive reader's budget of 400 bytes per tar entry.
// Usage: npm run build && node bench/explorer-memory.js [files=500000] [layers=10]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cachedSynthetic } from "./generate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const files = Number(process.argv[2] ?? 500000);
const layers = Number(process.argv[3] ?? 10);
const session = `lv-mem-${process.pid}`;

const meta = cachedSynthetic(root, files, layers);

const tmux = (...args) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", session);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keys = async (list, gapMs = 300) => {
  for (const k of list) {
    tmux("send-keys", "-t", session, k);
    await sleep(gapMs);
  }
};

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { peak: kib("VmHWM") * 1024, now: kib("VmRSS") * 1024 };
}

/** User + system CPU seconds of a process (clock ticks are 100 Hz on Linux). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const start = Date.now();
tmux(
  "new-session",
  "-d",
  "-s",
  session,
  "-x",
  "120",
  "-y",
  "40",
  `exec ${process.execPath} ${join(root, "bin/layerview.js")} ${meta.archive}`,
);
try {
  const pid = Number(tmux("list-panes", "-t", session, "-F", "#{pane_pid}").trim());
  // Loaded when the status line shows the cursor's row of the tree ("1/524,573 …").
  while (!/(^|[│\s])1\/[\d,]+ /m.test(screen())) {
    if (Date.now() - start > 120_000) throw new Error(`not loaded after 2 minutes:\n${screen()}`);
    await sleep(200);
  }
  const loadedMs = Date.now() - start;
  const afterLoad = status(pid);
  await sleep(1000); // idle: steps between layers prepared, views warmed up
  await keys(Array(layers - 1).fill("["));
  await keys(Array(layers - 1).fill("]"));
  await keys(["Tab", "/", "l", "i", "b", "3", "Enter"]);
  await keys(["c", "u", "c", "u", "s", "L", "L", "Escape"]);
  await keys(["[", "[", "[", "c", "]", "]", "]"]);
  await keys(["A", "Escape", "x", "[", "[", "Escape"], 500);
  const afterUse = status(pid);
  // Idle: once idle work (steps, views, advisor, range diffs) is done, the process should sleep.
  await sleep(3000);
  const t0 = cpuSeconds(pid);
  await sleep(3000);
  const idleCpu = (cpuSeconds(pid) - t0) / 3;
  await keys(["q"], 500);
  const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const per = (b) => `${(b / meta.entries).toFixed(0)} B per tar entry`;
  console.log(`archive: ${meta.entries.toLocaleString("en")} tar entries; explorer loaded in ${loadedMs} ms`);
  console.log(
    `RSS when loaded: ${mib(afterLoad.now)}; peak while loading: ${mib(afterLoad.peak)} (${per(afterLoad.peak)})`,
  );
  console.log(
    `RSS after use: ${mib(afterUse.now)}; peak over the session: ${mib(afterUse.peak)} (${per(afterUse.peak)})`,
  );
  console.log(`CPU while idle (3 s after 3 s of quiet): ${(idleCpu * 100).toFixed(1)} %`);
  const budget = 400 * meta.entries;
  console.log(
    `budget (archive reader): 400 B per tar entry = ${mib(budget)} — ${afterUse.peak <= budget ? "within" : "OVER"}`,
  );
} finally {
  // Gone already when `q` worked.
  try {
    execFileSync("tmux", ["kill-session", "-t", session], { stdio: "ignore" });
  } catch {}
}
