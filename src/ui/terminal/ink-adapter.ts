/**
 * The one place layerview goes past Ink's renderer. The explorer composes each frame as lines
 * itself (panes/screen.ts) and writes it whole through Ink's `write`, with Ink in debug mode: Ink's
 * renderer tokenizes and measures every character of the screen on every frame (~20 ms at 120×40
 * here), the whole key-press budget (bench/ui-ink-render.ts measures it against Ink's own
 * `incrementalRendering`). Ink still owns input, raw mode, React and the app lifecycle.
 *
 * What this relies on, checked by test/ui/terminal/ink-adapter.test.tsx (it fails if Ink changes):
 *  - `render(…, { debug: true })` writes each render's output to `stdout.write` as one plain string
 *    (here "": the app renders nothing), with no cursor, erase or synchronized-update sequences;
 *  - in debug mode `useStdout().write(data)` reaches `stdout.write` as `data` followed by the
 *    previous output (again "", so exactly `data`);
 *  - Ink reads `columns`/`rows` from the stdout it is given and never needs more of a stream than
 *    `write`, `on`/`off` and `isTTY`;
 *  - `useInput` reports every flag of KeyFlags on its key object.
 */
import { type Instance, type Key, render, useInput, useStdout } from "ink";
import { type ReactElement, useCallback, useRef } from "react";
import { type KeyFlags, keyFlagsOf } from "../keymap/key-flags.js";
import { type PointerEvent, parsePointer } from "../state/pointer.js";

/** What frames are written to: a terminal-sized sink that decides what reaches the terminal (FrameWriter). */
export interface FrameSink {
  readonly isTTY: false;
  readonly columns: number;
  readonly rows: number;
  write(data: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean;
  on(event: "resize", listener: () => void): unknown;
  off(event: "resize", listener: () => void): unknown;
}

/** Mount `element` with Ink passing its frames to `sink` untouched (no log-update, no CI special case, no clear-screen at full height). */
export function renderToFrameSink(
  element: ReactElement,
  opts: { stdin: NodeJS.ReadStream; sink: FrameSink },
): Instance {
  const nowhere = {
    write: () => true,
    isTTY: false,
    columns: 80,
    rows: 24,
    on: () => nowhere,
    off: () => nowhere,
  };
  return render(element, {
    stdin: opts.stdin,
    // Ink types these as Node streams; it uses only what FrameSink has (see above).
    stdout: opts.sink as unknown as NodeJS.WriteStream,
    stderr: nowhere as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
}

/** Write a whole frame past Ink's renderer (to the sink, or in tests to ink-testing-library's stdout). */
export function useFrameWrite(): (frame: string) => void {
  return useStdout().write;
}

/**
 * Key presses from Ink, translated to KeyFlags here so that nothing past this module sees Ink's Key.
 * Ink passes a mouse report on as one unknown key (its CSI sequence without the ESC): those go to
 * `onPointer` instead, so a click never types into the filter.
 */
export function useKeys(
  onKey: (input: string, key: KeyFlags) => void,
  onPointer?: (event: PointerEvent) => void,
): void {
  // One handler for the app's life: Ink subscribes again (and may miss a key) when it changes.
  const latest = useRef({ onKey, onPointer });
  latest.current = { onKey, onPointer };
  useInput(
    useCallback((input: string, key: Key) => {
      if (input.startsWith("[<") || input.startsWith("\u001b[<")) {
        const event = parsePointer(input);
        if (event) {
          latest.current.onPointer?.(event);
          return;
        }
      }
      latest.current.onKey(input, keyFlagsOf(key));
    }, []),
  );
}
