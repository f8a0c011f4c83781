import { useApp, useStdout } from "ink";
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef } from "react";
import {
  useAdvisor,
  useComparison,
  useNeighbourSteps,
  usePackages,
  useRangeDiff,
  useViewWarmUp,
} from "../idle/use-idle-work.js";
import type { KeyFlags } from "../keymap/key-flags.js";
import { composeFrame } from "../panes/screen.js";
import { type ThemeName, themed } from "../render/theme.js";
import type { ExplorerSession } from "../session/explorer-session.js";
import { type ExplorerPreferences, type ExplorerState, initialState } from "../state/explorer-state.js";
import { comparing } from "../state/geometry.js";
import type { PointerEvent } from "../state/pointer.js";
import { reduce } from "../state/reducer.js";
import { useFrameWrite, useKeys } from "../terminal/ink-adapter.js";
import { useTerminalSize } from "../terminal/use-terminal-size.js";
import type { OpenContent } from "../viewer/read-capped.js";
import { useFileContent } from "./use-file-content.js";
import { useImageSession } from "./use-image-session.js";
import type { Subscribe } from "./use-load-events.js";

export interface ExplorerAppProps {
  subscribe: Subscribe;
  /** Markers and attributes (bold, inverse…) only; no colours. */
  noColor?: boolean;
  /** Called with the state once the user quits, before Ink exits (e.g. to stop drawing). */
  onQuit?: (state: ExplorerState) => void;
  /** The bytes of a file as of a layer, for the file viewer; without it the viewer says it cannot read files. */
  openContent?: OpenContent;
  /** Called when the image's session is made (benchmarks and tests look into it). */
  onSession?: (session: ExplorerSession) => void;
  /** What the user's configuration sets: keys, sort, views, focus, filter mode. */
  preferences?: ExplorerPreferences;
  /** Colours for a dark (default) or a light terminal background. */
  theme?: ThemeName;
  /** Put text on the clipboard (the terminal's OSC 52). */
  onCopy?: (text: string) => void;
  /** Ctrl+Z: hand the terminal back and stop until `fg`; the frame is redrawn whole after. */
  onSuspend?: () => void;
}

/** Exit code when the user quits: 1 if the image (or the one compared with it) could not be read, else 0. */
export function exitCodeOf(s: ExplorerState): number {
  return s.error !== null || (s.compare?.error ?? null) !== null ? 1 : 0;
}

/**
 * The explorer: state from the reducer; input, raw mode and lifecycle from Ink; background work
 * of the image's session in idle slices. The frame is composed from the state by pure pane
 * functions and written past Ink's renderer (terminal/ink-adapter.ts says why).
 */
export function ExplorerApp({
  subscribe,
  noColor = false,
  onQuit,
  openContent,
  onSession,
  preferences,
  theme = "dark",
  onCopy,
  onSuspend,
}: ExplorerAppProps) {
  const { exit } = useApp();
  const write = useFrameWrite();
  const { stdout } = useStdout();
  const [state, dispatch] = useReducer(reduce, undefined, () =>
    initialState(stdout.columns || 80, stdout.rows || 24, preferences),
  );
  useTerminalSize(
    useCallback((columns: number, rows: number) => dispatch({ type: "resize", columns, rows }), []),
  );
  useImageSession(subscribe, dispatch, onSession);
  useKeys(
    useCallback((input: string, key: KeyFlags) => dispatch({ type: "key", input, key }), []),
    useCallback((event: PointerEvent) => dispatch({ type: "pointer", event }), []),
  );
  const { session } = state;
  useNeighbourSteps(session, state.layer);
  useViewWarmUp(session, state.layer);
  useAdvisor(session, state.findings === null && state.layersRead === null, state.advice !== null, dispatch);
  usePackages(session, state.layersRead === null);
  const rangeFrom = comparing(state) ? state.compareFrom : -1;
  useRangeDiff(session, rangeFrom, state.layer, state.rangeDiff === null, dispatch);
  const compare = state.compare;
  useComparison(compare?.session ?? null, compare !== null && compare.comparison === null, dispatch);
  useFileContent(state.viewer?.status === "loading" ? state.viewer : null, openContent, dispatch);
  const frame = useMemo(() => {
    const painted = composeFrame(state, !noColor).join("\n");
    return noColor ? painted : themed(painted, theme);
  }, [state, noColor, theme]);
  // Each request is handled once, however often the app renders.
  const handled = useRef({ copy: 0, suspends: 0 });
  useEffect(() => {
    const c = state.copy;
    if (c === null || c.seq === handled.current.copy) return;
    handled.current.copy = c.seq;
    onCopy?.(c.text);
  }, [state.copy, onCopy]);
  useEffect(() => {
    if (state.suspends === handled.current.suspends) return;
    handled.current.suspends = state.suspends;
    onSuspend?.();
  }, [state.suspends, onSuspend]);
  useLayoutEffect(() => {
    if (!state.quit) write(frame);
  }, [frame, write, state.quit]);
  useEffect(() => {
    if (!state.quit) return;
    onQuit?.(state);
    exit(exitCodeOf(state));
  }, [state, exit, onQuit]);
  return null;
}
