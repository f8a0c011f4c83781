import { EntryType } from "../../model/layer-contents.js";

export { formatBytes } from "../../model/format-bytes.js";

/** "12,345". */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return "?";
  return `${(ratio * 100).toFixed(1)} %`;
}

const TYPE_CHAR: Record<EntryType, string> = {
  [EntryType.File]: "-",
  [EntryType.Dir]: "d",
  [EntryType.Symlink]: "l",
  // A hard link is a regular file, as ls shows it; the tree marks it with "⇒ target".
  [EntryType.Hardlink]: "-",
  [EntryType.CharDevice]: "c",
  [EntryType.BlockDevice]: "b",
  [EntryType.Fifo]: "p",
};

/** `ls -l` style: "drwxr-xr-x", with setuid/setgid/sticky as s/S, s/S, t/T. */
export function formatMode(type: EntryType, mode: number): string {
  const rwx = (bits: number, special: boolean, on: string, off: string) =>
    (bits & 4 ? "r" : "-") +
    (bits & 2 ? "w" : "-") +
    (special ? (bits & 1 ? on : off) : bits & 1 ? "x" : "-");
  return (
    (TYPE_CHAR[type] ?? "?") +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, "s", "S") +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, "s", "S") +
    rwx(mode & 7, (mode & 0o1000) !== 0, "t", "T")
  );
}

/** "sha256:0123456789ab" — algorithm and the first 12 hex digits, or the whole thing when `full`. */
export function shortDigest(d: string | null, full = false): string {
  if (d === null) return "—";
  if (full) return d;
  const i = d.indexOf(":");
  return i < 0 ? d.slice(0, 12) : d.slice(0, i + 13);
}

/** A progress bar `width` cells wide, `ratio` of it full. */
export function bar(ratio: number, width: number): string {
  const full = Math.round(Math.max(0, Math.min(1, ratio)) * width);
  return "█".repeat(full) + "░".repeat(width - full);
}
