/**
 * Key → frame time of the explorer written past Ink's renderer (terminal/ink-adapter.ts: the pane
 * lines composed by us, written whole in Ink's debug mode to a FrameWriter) against the same
 * frames laid out by Ink itself (one <Text> per line, Ink's log-update with its own
 * `incrementalRendering`, no frame-rate cap). Both run the same reducer, session and panes on the
 * same synthetic image; only the last step differs. A benchmark, not a test: it records why the
 * bypass exists, so the decision can be revisited when Ink changes.
 *
 *   npx tsc -p bench/ui-tsconfig.json && NODE_ENV=production node .bench/ui/bench/ui-ink-render.js [--quick]
 *
 * `--quick` uses a 100k-entry image (the default is ~1.1 million entries, as bench/ui-keys.ts).
 * Each mode runs in this one process, one after the other, on its own session of the image.
 */
import { EventEmitter } from "node:events";
import { Box, render, Text } from "ink";
import { createElement, type ReactElement, useCallback, useReducer } from "react";
import { ExplorerApp } from "../src/ui/app/explorer-app.js";
import { useImageSession } from "../src/ui/app/use-image-session.js";
import type { Subscribe } from "../src/ui/app/use-load-events.js";
import type { KeyFlags } from "../src/ui/keymap/key-flags.js";
import { composeFrame } from "../src/ui/panes/screen.js";
import { initialState } from "../src/ui/state/explorer-state.js";
import { outlineOf } from "../src/ui/state/load-events.js";
import { reduce } from "../src/ui/state/reducer.js";
import { FrameWriter } from "../src/ui/terminal/frame-writer.js";
import { renderToFrameSink, useKeys } from "../src/ui/terminal/ink-adapter.js";
import { FakeStdin, syntheticModel } from "./ui-synthetic.js";

const COLUMNS = 120;
const ROWS = 40;

/** A terminal that records when it was last written to, and whether tree rows were drawn yet. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  writes = 0;
  lastWrite = 0;
  sawTree = false;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write = (data: string | Uint8Array, ...rest: unknown[]) => {
    const s = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    if (s !== "" && s !== "\n") {
      this.writes++;
      this.lastWrite = performance.now();
      if (s.includes("├─")) this.sawTree = true;
    }
    const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    cb?.();
    return true;
  };
  cursorTo() {
    return true;
  }
  moveCursor() {
    return true;
  }
  clearLine() {
    return true;
  }
}

/** The explorer with Ink laying out the frame: the same state and panes, one <Text> per line. */
function InkLaidOutExplorer({ subscribe }: { subscribe: Subscribe }): ReactElement {
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState(COLUMNS, ROWS));
  useImageSession(subscribe, dispatch);
  useKeys(useCallback((input: string, key: KeyFlags) => dispatch({ type: "key", input, key }), []));
  const lines = composeFrame(state, true);
  return createElement(
    Box,
    { flexDirection: "column" },
    ...lines.map((line, i) => createElement(Text, { key: i, wrap: "truncate" }, line)),
  );
}

const quick = process.argv.includes("--quick");
const model = quick ? syntheticModel({ packages: 260 }) : syntheticModel();
const subscribe: Subscribe = (emit) => {
  emit({ kind: "image", ...outlineOf(model) });
  emit({ kind: "ready", model });
};
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const DOWN = "\u001b[B";
const PGDN = "\u001b[6~";
const ACTIONS: { action: string; keys: string[] }[] = [
  { action: "cursor down", keys: Array<string>(200).fill(DOWN) },
  { action: "page down", keys: Array<string>(60).fill(PGDN) },
  { action: "layer change", keys: [..."[[[[[[[[[]]]]]]]]]"] },
  { action: "toggle changes-only view", keys: Array<string>(20).fill("c") },
];

interface Mode {
  name: string;
  mount: (stdin: FakeStdin, terminal: FakeTerminal) => { unmount: () => void };
}

const MODES: Mode[] = [
  {
    name: "written past Ink (debug mode, FrameWriter)",
    mount: (stdin, terminal) =>
      renderToFrameSink(createElement(ExplorerApp, { subscribe }), {
        stdin: stdin as unknown as NodeJS.ReadStream,
        sink: new FrameWriter(terminal as unknown as NodeJS.WriteStream),
      }),
  },
  {
    name: "laid out by Ink (incrementalRendering)",
    mount: (stdin, terminal) =>
      render(createElement(InkLaidOutExplorer, { subscribe }), {
        stdin: stdin as unknown as NodeJS.ReadStream,
        stdout: terminal as unknown as NodeJS.WriteStream,
        exitOnCtrlC: false,
        patchConsole: false,
        incrementalRendering: true,
        maxFps: 0,
      }),
  },
];

/** Send a key; ms until the last write it caused (writes stop for a few turns of the event loop). */
async function press(stdin: FakeStdin, terminal: FakeTerminal, key: string): Promise<number> {
  const before = terminal.writes;
  const start = performance.now();
  stdin.write(key);
  let quiet = 0;
  let seen = terminal.writes;
  while (quiet < 3) {
    await tick();
    if (terminal.writes !== seen) {
      seen = terminal.writes;
      quiet = 0;
    } else quiet++;
  }
  if (terminal.writes === before) throw new Error(`key ${JSON.stringify(key)} produced no frame`);
  return terminal.lastWrite - start;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const entries = model.layers.reduce((n, l) => n + l.entryCount, 0);
console.log(
  `synthetic image: ${entries.toLocaleString("en")} tar entries, ${model.paths.size.toLocaleString("en")} paths, ${model.layerCount} layers; frame ${COLUMNS}×${ROWS}\n`,
);
console.log(
  `${"mode / action".padEnd(66)} ${"n".padStart(4)} ${"median".padStart(7)} ${"p99".padStart(7)}  (ms)`,
);
for (const mode of MODES) {
  // Ink clears the whole screen when the output is as tall as the terminal: one row to spare.
  const terminal = new FakeTerminal(COLUMNS, ROWS + 1);
  const stdin = new FakeStdin();
  const app = mode.mount(stdin, terminal);
  while (stdin.listenerCount("readable") === 0) await tick();
  const started = performance.now();
  while (!terminal.sawTree) {
    if (performance.now() - started > 60_000) throw new Error(`${mode.name}: the tree never showed`);
    await sleep(5);
  }
  await sleep(2000); // idle work (steps, warm-up) done, as for a user who looks before pressing
  await press(stdin, terminal, "\t"); // focus the file tree
  for (const { action, keys } of ACTIONS) {
    const times: number[] = [];
    for (const k of keys) times.push(await press(stdin, terminal, k));
    const label = `${mode.name}: ${action}`;
    console.log(
      `${label.padEnd(66)} ${String(times.length).padStart(4)} ${pct(times, 50).toFixed(1).padStart(7)} ${pct(times, 99).toFixed(1).padStart(7)}`,
    );
  }
  app.unmount();
}
