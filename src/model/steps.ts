/**
 * Long computations over a whole image (the advisor, layer comparisons) are written as generators
 * that pause every few milliseconds of work, so an interactive caller can run them in idle time.
 */
export type Steps<T> = Generator<void, T, void>;

/** Run resumable work to its end. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
