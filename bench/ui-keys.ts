/**
 * Key-press latency of the explorer on a synthetic image of ~1.1 million tar entries over ten
 * layers (overwrites, file and directory whiteouts, opaque directories): the time from a key
 * reaching stdin to Ink writing the new frame — reducer, visible-row computation and rendering the
 * whole 120×40 frame — per action, median and p99, plus RSS. A benchmark, not a test.
 *
 *   npx tsc -p bench/ui-tsconfig.json && node .bench/ui/bench/ui-keys.js [--quick]
 *
 * Keys are sent back to back (no think time) unless the action says otherwise. The explorer computes
 * the steps between layers in idle time after it opens; layer changes are measured after that, and
 * once more with the steps forgotten ("cold"), the case of keys pressed before idle time could help.
 * `--quick` uses a 100k-entry image. Run with `--expose-gc` to also see RSS after a collection.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { render } from "ink";
import { createElement } from "react";
import { ExplorerApp } from "../src/ui/app/explorer-app.js";
import type { Subscribe } from "../src/ui/app/use-load-events.js";
import type { ExplorerSession } from "../src/ui/session/explorer-session.js";
import { outlineOf } from "../src/ui/state/load-events.js";
import { FakeStdin, syntheticModel } from "./ui-synthetic.js";

const COLUMNS = 120;
const ROWS = 40;

class FakeStdout extends EventEmitter {
  columns = COLUMNS;
  rows = ROWS;
  isTTY = false;
  frames = 0;
  lastWrite = 0;
  last = "";
  write = (data: string) => {
    // Ink writes its own (empty) output too; the explorer's frame is the non-empty write.
    if (data === "" || data === "\n") return true;
    this.frames++;
    this.lastWrite = performance.now();
    this.last = data;
    return true;
  };
}

const quick = process.argv.includes("--quick");
const t0 = performance.now();
const model = quick ? syntheticModel({ packages: 260 }) : syntheticModel();
const buildMs = performance.now() - t0;
const entries = model.layers.reduce((n, l) => n + l.entryCount, 0);

const stdout = new FakeStdout();
const stdin = new FakeStdin();
const subscribe: Subscribe = (emit) => {
  emit({ kind: "image", ...outlineOf(model) });
  emit({ kind: "ready", model });
};
const readyStart = performance.now();
let session: ExplorerSession | null = null;
const onSession = (s: ExplorerSession) => {
  session = s;
};
/** The image's session, once the explorer made it. */
const opened = (): ExplorerSession => {
  if (!session) throw new Error("the explorer has no session yet");
  return session;
};
/** Forget the steps between layers and every view, then build the tree as of `layer` (a cold start). */
const coldAt = (layer: number) => {
  const s = opened();
  s.trees.dropSteps();
  s.views.clear();
  s.trees.at(layer);
  // Moving there may have computed (and kept) steps on the way: a cold tree has none.
  s.trees.dropSteps();
};
const ink = render(createElement(ExplorerApp, { subscribe, noColor: false, onSession }), {
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
  debug: true,
  exitOnCtrlC: false,
  patchConsole: false,
});
const tick = () => new Promise<void>((r) => setImmediate(r));
while (stdin.listenerCount("readable") === 0) await tick();
// The tree is shown once the steps between its layers are prepared (in slices, keys still work).
const treeShown = () =>
  stdout.frames > 0 && stdout.last.includes("as of layer") && !stdout.last.includes("Indexing the file tree");
while (!treeShown()) await new Promise((r) => setTimeout(r, 5));
const readyMs = performance.now() - readyStart;

/** Send a key; resolve with ms until the frame it causes is written (or the key is settled). */
async function press(key: string): Promise<number> {
  const before = stdout.frames;
  const start = performance.now();
  stdin.write(key);
  if (stdout.frames === before) {
    await tick();
    await tick();
  }
  if (stdout.frames === before) throw new Error(`key ${JSON.stringify(key)} produced no frame`);
  return stdout.lastWrite - start;
}

/** Wait until idle time has computed every step between layers (or 5 s). */
async function waitForPreparedSteps(): Promise<number> {
  const start = performance.now();
  for (;;) {
    const missing = opened().trees.merged.missingStepsNear(0, model.layerCount).length;
    if (missing === 0 || performance.now() - start > 5000) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const results: { action: string; times: number[] }[] = [];
async function measure(action: string, keys: string[], thinkMs = 0) {
  const times: number[] = [];
  for (const k of keys) {
    if (thinkMs > 0) await new Promise((r) => setTimeout(r, thinkMs));
    times.push(await press(k));
  }
  results.push({ action, times });
}

const repeat = (k: string, n: number) => Array<string>(n).fill(k);
const DOWN = "\u001b[B";
const PGDN = "\u001b[6~";
const PGUP = "\u001b[5~";

const prepareMs = await waitForPreparedSteps();
await press("\t"); // focus the file tree
await measure("cursor down", repeat(DOWN, 300));
await measure("page down", repeat(PGDN, 100));
await measure("page up", repeat(PGUP, 100));
// Space on the same directory: collapse, expand, … First a package directory (~350 paths).
await press("g");
await press(" "); // collapse /opt (the first row); /usr is next
await press("j");
await press("l"); // into /usr: its first package
await measure("collapse/expand a directory", repeat(" ", 100));
await press("h"); // back to /usr, which holds nearly every row
await measure("collapse/expand /usr (~1M rows)", repeat(" ", 40));
await press(" ");
// Layer changes: the steps between layers were prepared before the tree was first shown.
await measure("layer change, first visit", repeat("[", 9));
await measure("layer change, revisit", [...repeat("]", 9), ...repeat("[", 9), ...repeat("]", 9)]);
// Cold: the steps forgotten, keys back to back, so every layer change computes its step first —
// not a state the explorer is in after opening; what a step costs when computed on demand (one
// over its budget, or the rare case of a change made while idle time prepares a neighbour).
coldAt(model.layerCount - 1); // the layer on screen stays built
await measure("layer change, cold step (not yet prepared)", repeat("[", 9));
// At a human pace (a key every 250 ms) the neighbours are prepared in idle time: from a cold
// start, the first key computes its step (as in the row above), the next ones find theirs ready.
coldAt(0);
await press("]");
await measure("layer change, 250 ms apart, after a cold one", repeat("]", 8), 250);
// Filter: type a path fragment, erase it, type another.
await press("/");
const typed: number[] = [];
for (const text of ["lib3", "file-12", "pkg0004", "new-9", "share", "x.so"]) {
  for (const ch of text) typed.push(await press(ch));
  for (let i = 0; i < text.length; i++) typed.push(await press("\u007f"));
}
results.push({ action: "filter keystroke", times: typed });
await press("\r");
await measure("toggle changes-only view", repeat("c", 20));
// The advisor runs in idle slices after the image opens; by now it is done.
const adviceWaitMs = await (async () => {
  const t = performance.now();
  while (opened().analysis.adviceIfReady() === null && performance.now() - t < 10_000)
    await new Promise((r) => setTimeout(r, 20));
  return performance.now() - t;
})();
await measure("advice overlay open / close (A)", repeat("A", 20));
// Compare mode: the layer list keeps its pace while each range diff is finished in idle time.
await press("\t");
await press("\t"); // focus the layers pane
await press("x");
await measure("layer change while comparing (x)", [...repeat("[", 9), ...repeat("]", 9)]);
await press("\u001b");
await measure("toggle sort name/size", repeat("s", 20));
await measure("hide/show unmodified", repeat("u", 20));
await measure("jump to next largest file", repeat("L", 30));
const rss = process.memoryUsage().rss;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const liveRss = process.memoryUsage().rss;
const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
ink.unmount();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number) => x.toFixed(1).padStart(7);
console.log(
  `synthetic image: ${entries.toLocaleString("en")} tar entries, ${model.paths.size.toLocaleString("en")} paths, ${model.layerCount} layers (built in ${(buildMs / 1000).toFixed(1)} s)`,
);
console.log(
  `frame ${COLUMNS}×${ROWS}; explorer ready (first frame with the tree, steps between layers prepared) in ${readyMs.toFixed(0)} ms`,
);
console.log(`(every step was ready when the tree showed: waited ${prepareMs.toFixed(0)} ms more)`);
console.log(
  `advisor finished in idle slices (waited ${adviceWaitMs.toFixed(0)} ms more for it before pressing A)\n`,
);
console.log(
  `${pad("action", 40)} ${"n".padStart(4)} ${"median".padStart(7)} ${"p99".padStart(7)} ${"max".padStart(7)}  (at)  (ms)`,
);
let allOk = true;
for (const r of results) {
  const med = pct(r.times, 50);
  const p99 = pct(r.times, 99);
  const ok = med <= 16 && p99 <= 50;
  // The cold row is shown for what it costs, not judged: it is the state of the first moments
  // after opening, before idle time has prepared the steps (see the line above the table).
  if (!r.action.includes("cold step")) allOk &&= ok;
  console.log(
    `${pad(r.action, 40)} ${String(r.times.length).padStart(4)} ${num(med)} ${num(p99)} ${num(Math.max(...r.times))} ${String(`#${r.times.indexOf(Math.max(...r.times)) + 1}`).padStart(4)}  ${ok ? "" : "over target"}`,
  );
}
console.log(
  `\nkey latency target (median ≤ 16 ms, p99 ≤ 50 ms, every row but the cold one): ${allOk ? "met" : "NOT met"}`,
);
console.log(
  `RSS ${(rss / 2 ** 20).toFixed(0)} MiB at the end${gc ? `, ${(liveRss / 2 ** 20).toFixed(0)} MiB after a GC` : ""}, peak ${(peakKiB / 1024).toFixed(0)} MiB (${((peakKiB * 1024) / entries).toFixed(0)} B per tar entry) — this process also built the image in memory and dropped two trees for the cold rows; the explorer's own memory is measured by bench/explorer-memory.js`,
);
