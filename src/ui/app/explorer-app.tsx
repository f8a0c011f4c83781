import { useApp } from "ink";
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer } from "react";
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
import type { ExplorerSession } from "../session/explorer-session.js";
import { type ExplorerState, initialState } from "../state/explorer-state.js";
import { comparing } from "../state/geometry.js";
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
}: ExplorerAppProps) {
  const { exit } = useApp();
  const write = useFrameWrite();
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState());
  useTerminalSize(
    useCallback((columns: number, rows: number) => dispatch({ type: "resize", columns, rows }), []),
  );
  useImageSession(subscribe, dispatch, onSession);
  useKeys(useCallback((input: string, key: KeyFlags) => dispatch({ type: "key", input, key }), []));
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
  const frame = useMemo(() => composeFrame(state, !noColor).join("\n"), [state, noColor]);
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
