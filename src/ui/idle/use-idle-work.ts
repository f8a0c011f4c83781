/**
 * The explorer's background work as hooks, each one job of the image's session run by runInSlices
 * while the user is not pressing keys, and stopped when what it was for changes.
 */
import { type Dispatch, useEffect, useRef } from "react";
import type { CompareSession } from "../session/compare-session.js";
import type { ExplorerSession } from "../session/explorer-session.js";
import type { Action } from "../state/explorer-state.js";
import { neighbourStepsSlice } from "./prefetch-steps.js";
import { runInSlices } from "./run-in-slices.js";

/** Warm-up and the advisor wait for the first frame and the first prepared steps; small images need no warm-up. */
const WARM_UP_DELAY_MS = 150;
const WARM_UP_MIN_PATHS = 50_000;
/** On big images the advisor starts after the steps between layers are prepared. */
const ADVICE_DELAY_MS = 1000;
/** One slice of the advisor or of a range diff. */
const ANALYSIS_SLICE_MS = 8;
/** Packages are worked out (one slice, tens of milliseconds) after the first frames settle. */
const PACKAGES_DELAY_MS = 300;
/** Neighbouring steps are prepared once the user stays on a layer this long. */
const PREFETCH_DELAY_MS = 40;

/** While the user looks at a layer, prepare the steps to the ones next to it. */
export function useNeighbourSteps(session: ExplorerSession | null, layer: number): void {
  useEffect(
    () =>
      session
        ? runInSlices(neighbourStepsSlice(session.trees, layer), { delayMs: PREFETCH_DELAY_MS })
        : undefined,
    [session, layer],
  );
}

/** Once the tree is up, run the view passes once (see ViewCache.warmUp). */
export function useViewWarmUp(session: ExplorerSession | null, layer: number): void {
  const layerNow = useRef(layer);
  layerNow.current = layer;
  useEffect(() => {
    if (!session || session.model.paths.size < WARM_UP_MIN_PATHS) return;
    return runInSlices(
      () => {
        session.views.warmUp(layerNow.current);
        return true;
      },
      { delayMs: WARM_UP_DELAY_MS },
    );
  }, [session]);
}

/**
 * The advisor, a slice at a time, so that A opens at once on big images too; at once when the
 * overlay waits for it. Its findings go into the state.
 */
export function useAdvisor(
  session: ExplorerSession | null,
  pending: boolean,
  waiting: boolean,
  dispatch: Dispatch<Action>,
): void {
  useEffect(() => {
    if (!session || !pending) return;
    const jobs = session.analysis;
    const big = session.model.paths.size >= WARM_UP_MIN_PATHS;
    return runInSlices(() => jobs.prepareAdvice(ANALYSIS_SLICE_MS), {
      delayMs: waiting || !big ? 0 : ADVICE_DELAY_MS,
      onDone: () => {
        const findings = jobs.adviceIfReady();
        if (findings) dispatch({ type: "advice-ready", findings });
      },
    });
  }, [session, pending, waiting, dispatch]);
}

/** Packages per layer worked out in idle time once the image is read, so p and the owner line are at hand. */
export function usePackages(session: ExplorerSession | null, read: boolean): void {
  useEffect(() => {
    if (!session || !read || !session.hasPackageDatabases()) return;
    return runInSlices(
      () => {
        session.packages();
        return true;
      },
      { delayMs: PACKAGES_DELAY_MS },
    );
  }, [session, read]);
}

/** A range diff the key did not finish goes on in idle slices; the state gets it when ready. */
export function useRangeDiff(
  session: ExplorerSession | null,
  from: number,
  to: number,
  pending: boolean,
  dispatch: Dispatch<Action>,
): void {
  useEffect(() => {
    if (!session || from < 0 || !pending) return;
    const jobs = session.analysis;
    return runInSlices(() => jobs.prepareRangeDiff(from, to, ANALYSIS_SLICE_MS), {
      onDone: () => {
        const diff = jobs.rangeDiffIfReady(from, to);
        if (diff) dispatch({ type: "range-diff-ready", diff });
      },
    });
  }, [session, from, to, pending, dispatch]);
}

/** Two images compared (--compare): the comparison a slice at a time; the state gets it when ready. */
export function useComparison(
  session: CompareSession | null,
  pending: boolean,
  dispatch: Dispatch<Action>,
): void {
  useEffect(() => {
    if (!session || !pending) return;
    return runInSlices(() => session.prepare(ANALYSIS_SLICE_MS), {
      onDone: () => dispatch({ type: "compare-ready", session }),
    });
  }, [session, pending, dispatch]);
}
