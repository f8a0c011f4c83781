/**
 * The explorer's entry point, and the only module the CLI imports from src/ui. Ink and React are
 * loaded only when the explorer actually starts, so report mode never pays for them.
 */

import { subscribeEarly } from "./app/early-subscribe.js";
import type { Subscribe } from "./app/use-load-events.js";
import { composeFrame } from "./panes/screen.js";
import { type ThemeName, themed } from "./render/theme.js";
import { type ExplorerPreferences, initialState } from "./state/explorer-state.js";
import { FrameWriter } from "./terminal/frame-writer.js";
import { TerminalSession } from "./terminal/terminal-session.js";
import type { OpenContent } from "./viewer/read-capped.js";

export type { Subscribe } from "./app/use-load-events.js";
export type { ExplorerPreferences } from "./state/explorer-state.js";
export type { ImageOutline, LayerProgress, LoadEvent } from "./state/load-events.js";
export type { OpenContent } from "./viewer/read-capped.js";

export interface ExplorerOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /**
   * Called once when the explorer is up; start reading and call `emit` for each event:
   * `image` (as soon as the config is read), `progress`…, then `ready` or `error`. May return a
   * function that cancels the read; it is called when the user quits first.
   */
  subscribe: Subscribe;
  /** Where a failure of the explorer is reported once the terminal is restored (default: process.stderr). */
  stderr?: NodeJS.WritableStream;
  /** A failure is one line; with --debug its stack follows. */
  debug?: boolean;
  /** No colours (markers, bold and inverse stay). Defaults to NO_COLOR being set and non-empty. */
  noColor?: boolean;
  /** The bytes of a file (node id) as of a layer, for the file viewer; read at most 1 MiB, then destroyed. */
  openContent?: OpenContent;
  /** Mouse reporting on (default): wheel, clicks. Off leaves the mouse to the terminal (selecting text). */
  mouse?: boolean;
  /** The user's configuration: keys, views, sort, filter mode, theme. */
  preferences?: ExplorerPreferences & { theme?: ThemeName };
}

/** OSC 52: the terminal (also over SSH, and tmux with set-clipboard on) puts `text` on the clipboard. */
export function osc52(text: string): string {
  return `\u001b]52;c;${Buffer.from(text, "utf8").toString("base64")}\u0007`;
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Runs the interactive explorer until the user quits; resolves to the exit code: 0, or 1 when an
 * `error` event was shown or the UI failed (the failure is printed after the terminal is restored).
 * On SIGINT/SIGTERM/SIGHUP the terminal is restored and the process exits 130/143/129.
 * Throws at once if stdin or stdout is not a terminal: Ink must never start then.
 */
export async function runExplorer(opts: ExplorerOptions): Promise<number> {
  const { stdin, stdout } = opts;
  if (!stdin.isTTY || !stdout.isTTY) {
    throw new Error("runExplorer needs a terminal on both stdin and stdout; print a report instead");
  }
  const noColor = opts.noColor ?? (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "");
  const session = new TerminalSession(stdin, stdout, opts.mouse ?? true);
  const screen = new FrameWriter(stdout);
  // Ctrl+Z (raw mode delivers it as a key): give the terminal back, stop the process group as the
  // terminal would, and on `fg` (SIGCONT) take the terminal again and draw the screen whole.
  const suspend = () => {
    if (process.platform === "win32") return;
    screen.pause();
    session.restore();
    process.once("SIGCONT", () => {
      session.reenter();
      screen.resume();
    });
    process.kill(0, "SIGTSTP");
  };
  const copy = (text: string) => {
    try {
      stdout.write(osc52(text));
    } catch {
      // The terminal went away; nothing to copy to.
    }
  };
  const restore = () => {
    screen.freeze();
    session.restore();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.exit(SIGNAL_EXIT[signal] ?? 1);
  };
  const stderr = opts.stderr ?? process.stderr;
  const failed = (err: unknown) => {
    restore();
    const message = err instanceof Error ? err.message : String(err);
    stderr.write(
      `layerview: the explorer failed: ${message}${opts.debug ? "" : " (run with --debug for details)"}\n`,
    );
    if (opts.debug && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
  };
  // An exception outside React (a timer, a stream's callback) would end the process with a stack
  // trace and the terminal still raw: restore it, say it in one line, exit 1.
  const onUncaught = (err: unknown) => {
    failed(err);
    process.exit(1);
  };
  const signals = Object.keys(SIGNAL_EXIT) as NodeJS.Signals[];
  for (const s of signals) process.on(s, onSignal);
  process.on("exit", restore);
  process.on("uncaughtException", onUncaught);
  let loading: Promise<typeof import("./terminal/mount-explorer.js")> | undefined;
  try {
    // Ink and React take most of the start-up to load: ask for them first, and meanwhile draw the
    // explorer's first frame from its initial state alone (the panes need neither).
    loading = import("./terminal/mount-explorer.js");
    session.enter();
    const first = composeFrame(initialState(screen.columns, screen.rows, opts.preferences), !noColor);
    screen.write(noColor ? first.join("\n") : themed(first.join("\n"), opts.preferences?.theme ?? "dark"));
    // The image is read while Ink loads.
    const subscribe = subscribeEarly(opts.subscribe);
    const { mountExplorer } = await loading;
    const ink = mountExplorer({
      stdin,
      screen,
      subscribe,
      noColor,
      openContent: opts.openContent,
      preferences: opts.preferences,
      theme: opts.preferences?.theme,
      onCopy: copy,
      onSuspend: suspend,
    });
    try {
      const result = await ink.waitUntilExit();
      return typeof result === "number" ? result : 0;
    } finally {
      ink.cleanup();
    }
  } catch (err) {
    failed(err);
    return 1;
  } finally {
    restore();
    for (const s of signals) process.off(s, onSignal);
    process.off("exit", restore);
    process.off("uncaughtException", onUncaught);
    // A failure before Ink was mounted (the loader threw at once) leaves the import in flight:
    // let it settle here, so nothing of this call is still loading once it has returned.
    await loading?.then(
      () => undefined,
      () => undefined,
    );
  }
}
