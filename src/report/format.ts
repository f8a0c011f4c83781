export function formatPercent(ratio: number | null, digits = 1): string {
  if (ratio === null || !Number.isFinite(ratio)) return "n/a";
  return `${(ratio * 100).toFixed(digits)} %`;
}

/** Shorten `sha256:abcdef…` to the 12 hex digits people recognise. */
export function shortDigest(digest: string | null): string {
  if (!digest) return "-";
  const hex = digest.replace(/^sha256:/, "");
  return hex.slice(0, 12);
}

/** Cut a string to a width, marking the cut with an ellipsis. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return "";
  if (s.length <= width) return s;
  return width === 1 ? "…" : `${s.slice(0, width - 1)}…`;
}

export function padStart(s: string, width: number): string {
  return s.length >= width ? s : " ".repeat(width - s.length) + s;
}

export function padEnd(s: string, width: number): string {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}
