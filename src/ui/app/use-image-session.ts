import { type Dispatch, useCallback, useEffect, useRef } from "react";
import { layerStepsSlice } from "../idle/prefetch-steps.js";
import { runInSlices } from "../idle/run-in-slices.js";
import { ExplorerSession } from "../session/explorer-session.js";
import type { Action } from "../state/explorer-state.js";
import type { LoadEvent } from "../state/load-events.js";
import { type Subscribe, useLoadEvents } from "./use-load-events.js";

/**
 * Load events into the state; on `ready`, the image's session is made and, for a big image, the
 * steps between its layers are prepared in idle slices before the tree first shows (then no layer
 * change waits for a step). Unmounting stops the preparation.
 */
export function useImageSession(
  subscribe: Subscribe,
  dispatch: Dispatch<Action>,
  onSession?: (session: ExplorerSession) => void,
): void {
  const stops = useRef<(() => void)[]>([]);
  useEffect(
    () => () => {
      for (const stop of stops.current) stop();
    },
    [],
  );
  const latestOnSession = useRef(onSession);
  latestOnSession.current = onSession;
  const onEvent = useCallback(
    (event: LoadEvent) => {
      if (event.kind !== "ready") return dispatch({ type: "load", event });
      const session = new ExplorerSession(event.model);
      latestOnSession.current?.(session);
      stops.current.push(
        runInSlices(layerStepsSlice(session.trees), {
          onDone: () => dispatch({ type: "opened", session }),
        }),
      );
    },
    [dispatch],
  );
  useLoadEvents(subscribe, onEvent);
}
