import { useEffect } from "react";
import type { LoadEvent } from "../state/load-events.js";

/** The CLI's side of loading: it calls `emit` for each event; it may return a cancel function. */
// biome-ignore lint/suspicious/noConfusingVoidType: a subscriber that returns nothing is the common case
export type Subscribe = (emit: (e: LoadEvent) => void) => (() => void) | void;

const PROGRESS_EVERY_MS = 50;

/**
 * Feeds load events to `onEvent`. Progress can arrive per tar entry (and pull messages per chunk),
 * so it is coalesced: the latest per layer read and per layer pulled, at most every 50 ms; other
 * events flush pending progress first, keeping the order.
 */
export function useLoadEvents(subscribe: Subscribe, onEvent: (e: LoadEvent) => void): void {
  useEffect(() => {
    const pending = new Map<string, LoadEvent>();
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
      const key = coalescingKey(e);
      if (key !== null) {
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

/**
 * Events with the same key replace each other while they wait: a layer's read progress (the second
 * image's, with --compare, kept apart), a pulled layer's status (the pull's decoder caps how many
 * layers there are). Null: the event is delivered in order, never replaced.
 */
function coalescingKey(e: LoadEvent): string | null {
  if (e.kind === "progress") return `read ${e.layer}`;
  if (e.kind === "compare" && e.event !== null) {
    const inner = coalescingKey(e.event);
    return inner === null ? null : `compare ${inner}`;
  }
  // A line about the whole pull (id null) is delivered as it comes: the first ones head the board.
  if (e.kind === "pull") return e.update.id === null ? null : `pull ${e.update.id}`;
  return null;
}
