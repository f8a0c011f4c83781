import type { LoadEvent } from "../state/load-events.js";
import type { Subscribe } from "./use-load-events.js";

/**
 * Start reading the image now, before the app is up (Ink takes a while to load): its events are
 * kept, and handed to the app in order when it subscribes; later ones go straight through. The
 * read is cancelled when the app unsubscribes.
 */
export function subscribeEarly(subscribe: Subscribe): Subscribe {
  const held: LoadEvent[] = [];
  let target: ((e: LoadEvent) => void) | null = null;
  const cancel = subscribe((e) => {
    if (target) target(e);
    else held.push(e);
  });
  return (emit) => {
    target = emit;
    for (const e of held.splice(0)) emit(e);
    return () => {
      target = null;
      if (typeof cancel === "function") cancel();
    };
  };
}
