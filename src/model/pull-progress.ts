/**
 * A daemon's pull progress (`docker pull`'s messages) once decoded at the source: one update per
 * message, its text already escaped and capped, so deeper code can show it as it is.
 */
import { formatBytes } from "./format-bytes.js";

/** One pull message: a layer's status (with its bytes when known), or a line about the whole pull. */
export interface PullUpdate {
  /** The layer (or, on the first line, the tag) the daemon names; null for the pull as a whole. */
  id: string | null;
  /** "Downloading", "Pull complete", "Digest: sha256:…", "error: …". */
  status: string;
  /** Bytes done and in all, when the daemon says: whole numbers, total > 0. */
  current: number | null;
  total: number | null;
}

/** Layers a pull shows at most: far more than any image has (overlayfs stacks 128 at most). */
export const MAX_PULL_LAYERS = 256;
/** Longest id and status kept: a layer id is 12 characters, a status a few words or a digest. */
export const MAX_PULL_ID = 64;
export const MAX_PULL_STATUS = 200;

/** One readable line per update, as on stderr: "3f4ca61e: Downloading 1.2 MB / 3.4 MB". */
export function pullLine(u: PullUpdate): string {
  const amount =
    u.current !== null && u.total !== null ? ` ${formatBytes(u.current)} / ${formatBytes(u.total)}` : "";
  return `${u.id !== null ? `${u.id}: ` : ""}${u.status}${amount}`;
}
