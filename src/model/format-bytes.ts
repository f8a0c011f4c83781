const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/**
 * A size as the docker CLI prints it, in decimal units to three significant digits, with a space:
 * "0 B", "999 B", "1.2 kB", "34 MB", "120 MB", "-3 B". The one size format of every layer's output.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "?";
  const sign = bytes < 0 ? "-" : "";
  let v = Math.abs(bytes);
  if (v < 999.5) return `${sign}${Math.round(v)} B`;
  let u = 0;
  // 999.5 rounds up to the next unit ("1.0 MB", not "1000 kB").
  while (v >= 999.5 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${sign}${v.toFixed(v < 9.95 ? 1 : 0)} ${UNITS[u]}`;
}
