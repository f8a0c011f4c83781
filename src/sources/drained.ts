/** Stream waits that node:stream/promises has no form of. */

/**
 * Resolves when a writable that refused a write wants more ("drain") or has closed (destroyed,
 * failed): a writer waiting on a stream that will never drain again must not hang.
 */
export function drained(stream: {
  once(event: "drain" | "close", fn: () => void): unknown;
  off(event: "drain" | "close", fn: () => void): unknown;
}): Promise<void> {
  return new Promise<void>((resolve) => {
    const go = () => {
      stream.off("drain", go);
      stream.off("close", go);
      resolve();
    };
    stream.once("drain", go);
    stream.once("close", go);
  });
}
