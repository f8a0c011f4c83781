/**
 * What `--pull` shows while the daemon pulls, as `docker pull` shows it: one row per layer, updated
 * in place, in the order the layers first appeared, and the latest line about the whole pull.
 */
import { MAX_PULL_LAYERS, type PullUpdate } from "../../model/pull-progress.js";

export interface PullLayerRow {
  id: string;
  status: string;
  current: number | null;
  total: number | null;
}

export interface PullBoard {
  /** The first lines about the whole pull ("pulling X with Docker (…)", "1: Pulling from repo"). */
  header: string[];
  layers: PullLayerRow[];
  /** The latest line about the whole pull after the header ("Digest: …", "Status: …"), or null. */
  latest: string | null;
}

const HEADER_LINES = 2;

/** The board after one update (a new board; the old one is left as it was). */
export function applyPullUpdate(board: PullBoard | null, u: PullUpdate): PullBoard {
  const b = board ?? { header: [], layers: [], latest: null };
  // "1: Pulling from layerview/app" names the tag, not a layer: it heads the board, as docker shows it.
  if (u.id === null || u.status.startsWith("Pulling from ")) {
    const line = u.id === null ? u.status : `${u.id}: ${u.status}`;
    if (b.layers.length === 0 && b.header.length < HEADER_LINES && !b.header.includes(line))
      return { ...b, header: [...b.header, line] };
    return { ...b, latest: line };
  }
  const row: PullLayerRow = { id: u.id, status: u.status, current: u.current, total: u.total };
  const at = b.layers.findIndex((l) => l.id === u.id);
  if (at < 0) {
    if (b.layers.length >= MAX_PULL_LAYERS) return b;
    return { ...b, layers: [...b.layers, row] };
  }
  const layers = b.layers.slice();
  layers[at] = row;
  return { ...b, layers };
}

/** A layer with nothing more to do. */
export function layerDone(row: PullLayerRow): boolean {
  return row.status === "Pull complete" || row.status === "Already exists";
}
