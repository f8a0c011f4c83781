import { useApp, useInput, useStdout } from "ink";
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef } from "react";
import { composeFrame } from "../panes/screen.js";
import { prepareAdvice, prepareRangeDiff, rangeDiffIfReady } from "../session/analysis-jobs.js";
import { comparing, type ExplorerState, initialState, reduce } from "../state/explorer-state.js";
import type { LoadEvent } from "../state/load-events.js";
import { useTerminalSize } from "../terminal/use-terminal-size.js";
import { prefetchNeighbours, prepareLayerSteps } from "../tree/layer-tree.js";
import { warmUpViews } from "../tree/visible-tree.js";
import { VIEW_CAP_BYTES } from "../viewer/file-view.js";
import { type OpenContent, readCapped } from "../viewer/read-capped.js";
import { type Subscribe, useLoadEvents } from "./use-load-events.js";

export interface ExplorerAppProps {
  subscribe: Subscribe;
  /** Markers and attributes (bold, inverse…) only; no colours. */
  noColor?: boolean;
  /** Called with the state once the user quits, before Ink exits (e.g. to stop drawing). */
  onQuit?: (state: ExplorerState) => void;
  /** The bytes of a file as of a layer, for the file viewer; without it the viewer says it cannot read files. */
  openContent?: OpenContent;
}

/** Exit code when the user quits: 1 if the image could not be read, else 0. */
export function exitCodeOf(s: ExplorerState): number {
  return s.error !== null ? 1 : 0;
}

/**
 * The explorer: state from the reducer; input, raw mode and lifecycle from Ink. The frame is
 * composed from the state by pure pane functions and written with Ink's `write`, not laid out by
 * Ink: Ink's renderer tokenizes and measures every character of the screen on every frame
 * (~20 ms at 120×40 here), the whole key-press budget.
 */
/** Warm-up runs after the first frame and the first prepared steps; small images need none. */
const WARM_UP_DELAY_MS = 150;
const WARM_UP_MIN_PATHS = 50_000;
/** The advisor starts after the steps between layers are prepared; each slice (of it or of a range diff) is short. */
const ADVICE_DELAY_MS = 1000;
const ANALYSIS_SLICE_MS = 8;

export function ExplorerApp({ subscribe, noColor = false, onQuit, openContent }: ExplorerAppProps) {
  const { exit } = useApp();
  const { write } = useStdout();
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState());
  const onSize = useCallback(
    (columns: number, rows: number) => dispatch({ type: "resize", columns, rows }),
    [],
  );
  useTerminalSize(onSize);
  // The tree is shown once the steps between its layers are prepared (see prepareLayerSteps).
  const unmounted = useRef(false);
  useEffect(
    () => () => {
      unmounted.current = true;
    },
    [],
  );
  const onEvent = useCallback((event: LoadEvent) => {
    if (event.kind !== "ready") return dispatch({ type: "load", event });
    prepareLayerSteps(event.model, () => unmounted.current).then(() => {
      if (!unmounted.current) dispatch({ type: "load", event });
    });
  }, []);
  useLoadEvents(subscribe, onEvent);
  useInput(useCallback((input, key) => dispatch({ type: "key", input, key }), []));
  // While the user looks at a layer, prepare the ones next to it in small idle slices.
  useEffect(
    () => (state.model ? prefetchNeighbours(state.model, state.layer) : undefined),
    [state.model, state.layer],
  );
  // Once the tree is up, run the view passes once in idle time (see warmUpViews).
  const model = state.model;
  const layerNow = useRef(state.layer);
  layerNow.current = state.layer;
  useEffect(() => {
    if (!model || model.paths.size < WARM_UP_MIN_PATHS) return;
    const timer = setTimeout(() => warmUpViews(model, layerNow.current), WARM_UP_DELAY_MS);
    return () => clearTimeout(timer);
  }, [model]);
  // Then the advisor (A), a slice at a time, so the overlay opens at once on big images too.
  useEffect(() => {
    if (!model || model.paths.size < WARM_UP_MIN_PATHS) return;
    let timer = setTimeout(function slice() {
      if (!prepareAdvice(model, ANALYSIS_SLICE_MS)) timer = setTimeout(slice, 0);
    }, ADVICE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [model]);
  // A range diff (x) not finished while drawing goes on in idle slices, then the frame is redrawn.
  const rangeFrom = model && comparing(state) ? state.compareFrom : -1;
  const rangeTo = state.layer;
  useEffect(() => {
    if (!model || rangeFrom < 0 || rangeDiffIfReady(model, rangeFrom, rangeTo)) return;
    let timer = setTimeout(function slice() {
      if (prepareRangeDiff(model, rangeFrom, rangeTo, ANALYSIS_SLICE_MS)) dispatch({ type: "computed" });
      else timer = setTimeout(slice, 0);
    }, 0);
    return () => clearTimeout(timer);
  }, [model, rangeFrom, rangeTo]);
  // The viewer's bytes are read off the key path; closing the viewer (or opening another) stops the read.
  const viewing = state.viewer?.status === "loading" ? state.viewer : null;
  useEffect(() => {
    if (!viewing) return;
    const { request, node, layer } = viewing;
    if (!openContent) {
      dispatch({ type: "viewer-failed", request, message: "this explorer was started without file access" });
      return;
    }
    const abort = new AbortController();
    readCapped(() => openContent(node, layer), VIEW_CAP_BYTES, abort.signal).then(
      ({ data, truncated }) => dispatch({ type: "viewer-loaded", request, data, truncated }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        dispatch({
          type: "viewer-failed",
          request,
          message: err instanceof Error ? err.message : String(err),
        });
      },
    );
    return () => abort.abort();
  }, [viewing, openContent]);
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
