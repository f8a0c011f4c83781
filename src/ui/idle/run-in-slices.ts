/**
 * The one scheduler for the explorer's background work (layer steps, view warm-up, advisor, range
 * diff): `slice` runs once per turn of the event loop, the first after `delayMs`, until it returns
 * true (finished); then `onDone` runs. The returned function stops it (no further slice, no
 * `onDone`). Each slice must be short (a few milliseconds): keys are read between slices.
 */
export function runInSlices(
  slice: () => boolean,
  opts: { delayMs?: number; onDone?: () => void } = {},
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const turn = () => {
    timer = null;
    if (stopped) return;
    if (slice()) {
      stopped = true;
      opts.onDone?.();
      return;
    }
    timer = setTimeout(turn, 0);
  };
  timer = setTimeout(turn, opts.delayMs ?? 0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
