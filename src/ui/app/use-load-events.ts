import { useEffect } from "react";
import type { LoadEvent } from "../state/load-events.js";

/** The CLI's side of loading: it calls `emit` for each event; it may return a cancel function. */
// biome-ignore lint/suspicious/noConfusingVoidType: a subscriber that returns nothing is the common case
export type Subscribe = (emit: (e: LoadEvent) => void) => (() => void) | void;

const PROGRESS_EVERY_MS = 50;

/**
 * Feeds load events to `onEvent`. Progress can arrive per tar entry (and pull lines per chunk), so
 * it is coalesced (latest per layer, at most every 50 ms); other events flush pending progress
 * first, keeping the order.
 */
export function useLoadEvents(subscribe: Subscribe, onEvent: (e: LoadEvent) => void): void {
  useEffect(() => {
    const pending = new Map<number, LoadEvent>();
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const events = [...pending.values()];
      pending.clear();
      for (const e of events) onEvent(e);
    };
    const emit = (e: LoadEvent) => {
      if (closed) return;
      const p = e.kind === "compare" && e.event?.kind === "progress" ? e.event : e;
      const key = p.kind === "progress" ? (e === p ? p.layer : -2 - p.layer) : e.kind === "pull" ? -1 : null;
      if (key !== null) {
        // The second image's layers (--compare) are kept apart from the first's (keys -2 and
        // below); a pull reports every chunk too, and its latest line is enough (key -1).
        pending.set(key, e);
        timer ??= setTimeout(flush, PROGRESS_EVERY_MS);
        return;
      }
      flush();
      onEvent(e);
    };
    const cancel = subscribe(emit);
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      if (typeof cancel === "function") cancel();
    };
  }, [subscribe, onEvent]);
}
