/**
 * Renders the explorer with ink-testing-library at a chosen terminal size and drives it with keys.
 * - ink-testing-library fixes columns at 100 and has no rows: both are overridden on its fake stdout
 *   and a resize is emitted (the app listens for it itself, as Ink does not under CI=true).
 * - Keys written before useInput subscribes are lost: we wait for Ink's 'readable' listener.
 * - ink-testing-library renders in Ink's debug mode, which writes every frame even under CI=true;
 *   the explorer paints its own SGR codes from `noColor`, so FORCE_COLOR/chalk do not matter.
 */
import { render } from "ink-testing-library";
import type { ImageModel } from "../../src/model/image-model.js";
import { ExplorerApp, exitCodeOf } from "../../src/ui/app/explorer-app.js";
import type { Subscribe } from "../../src/ui/app/use-load-events.js";
import { stripAnsi } from "../../src/ui/render/theme.js";
import type { ExplorerSession } from "../../src/ui/session/explorer-session.js";
import { type LoadEvent, outlineOf } from "../../src/ui/state/load-events.js";
import type { OpenContent } from "../../src/ui/viewer/read-capped.js";

export const KEYS = {
  up: "\u001b[A",
  down: "\u001b[B",
  right: "\u001b[C",
  left: "\u001b[D",
  pageUp: "\u001b[5~",
  pageDown: "\u001b[6~",
  home: "\u001b[H",
  end: "\u001b[F",
  tab: "\t",
  shiftTab: "\u001b[Z",
  escape: "\u001b",
  enter: "\r",
  space: " ",
  backspace: "\u007f",
} as const;

export type KeyName = keyof typeof KEYS;

export function ctrl(letter: string): string {
  return String.fromCharCode(letter.toLowerCase().charCodeAt(0) - 96);
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export async function waitFor(pred: () => boolean, what = "condition", timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Events that describe a finished load of `model`: image, then ready. */
export function eventsFor(model: ImageModel): LoadEvent[] {
  return [
    { kind: "image", ...outlineOf(model) },
    { kind: "ready", model },
  ];
}

export interface Explorer {
  /** The last frame, escape codes removed, trailing spaces trimmed per line. */
  frame(): string;
  /** The last frame as written, with escape codes. */
  rawFrame(): string;
  /** How many frames Ink has written so far. */
  frameCount(): number;
  press(...keys: (KeyName | { text: string })[]): Promise<void>;
  type(text: string): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  emit(e: LoadEvent): Promise<void>;
  /** Resolves with the exit code once the user quits. */
  exitCode(): Promise<number>;
  unmount(): void;
}

/** The file tree column of a split frame: each line after the first "│" (the separator). */
export function treeColumn(frame: string): string {
  return frame
    .split("\n")
    .map((l) => (l.includes("│") ? l.slice(l.indexOf("│") + 1) : l))
    .join("\n");
}

export function plain(frame: string): string {
  return stripAnsi(frame)
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");
}

export async function renderExplorer(opts: {
  columns?: number;
  rows?: number;
  events?: LoadEvent[];
  noColor?: boolean;
  openContent?: OpenContent;
  /** Returned by the subscription: called when the explorer stops listening (the user quit). */
  onCancel?: () => void;
  /** Called when the explorer makes the image's session. */
  onSession?: (session: ExplorerSession) => void;
  /** A real loader's subscription (e.g. the CLI's explorerLoader) instead of `events`. */
  subscribe?: Subscribe;
}): Promise<Explorer> {
  let emitRef: ((e: LoadEvent) => void) | null = null;
  const subscribe: Subscribe = (emit) => {
    emitRef = emit;
    if (opts.subscribe) return opts.subscribe(emit);
    for (const e of opts.events ?? []) emit(e);
    return opts.onCancel;
  };
  let exitResolve: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    exitResolve = r;
  });
  const inst = render(
    <ExplorerApp
      subscribe={subscribe}
      noColor={opts.noColor ?? true}
      openContent={opts.openContent}
      onQuit={(s) => exitResolve(exitCodeOf(s))}
      onSession={opts.onSession}
    />,
  );
  const stdout = inst.stdout as unknown as NodeJS.EventEmitter & { columns: number; rows: number };
  const resize = async (columns: number, rows: number) => {
    Object.defineProperty(stdout, "columns", { value: columns, configurable: true });
    Object.defineProperty(stdout, "rows", { value: rows, configurable: true });
    stdout.emit("resize");
    // React renders the resize a moment after Ink's own (empty) resize render: wait for the new frame.
    await waitFor(() => {
      const f = inst.lastFrame() ?? "";
      return f !== "" && (f.split("\n").length === rows || f.includes("Terminal too small"));
    }, `a ${columns}×${rows} frame`);
  };
  await resize(opts.columns ?? 120, opts.rows ?? 40);
  await waitFor(() => inst.stdin.listenerCount("readable") > 0, "input subscription");
  // A ready image opens its session in an idle slice (after its layer steps): wait for the tree.
  if (opts.events?.some((e) => e.kind === "ready")) {
    await waitFor(() => {
      const f = inst.lastFrame() ?? "";
      return !f.includes("Indexing the file tree") && !f.includes("Reading the image");
    }, "the tree");
  }
  await tick();
  const write = async (data: string) => {
    inst.stdin.write(data);
    // A lone Esc is held one setImmediate by Ink's parser to tell it from a sequence.
    await tick();
    await tick();
  };
  return {
    frame: () => plain(inst.lastFrame() ?? ""),
    rawFrame: () => inst.lastFrame() ?? "",
    frameCount: () => inst.frames.length,
    press: async (...keys) => {
      for (const k of keys) await write(typeof k === "string" ? KEYS[k] : k.text);
    },
    type: async (text) => {
      for (const ch of text) await write(ch);
    },
    resize,
    emit: async (e) => {
      emitRef?.(e);
      await new Promise((r) => setTimeout(r, 60));
    },
    exitCode: () => exited,
    unmount: () => inst.unmount(),
  };
}
