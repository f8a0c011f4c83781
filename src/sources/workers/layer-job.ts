import type { SkippedEntries } from "../layer-tar.js";
import type { Compression } from "../types.js";

/** Bytes of one file that hold a layer blob: a member of an archive tar, or an OCI layout's blob file. */
export interface FileRange {
  file: string;
  start: number;
  length: number;
}

/** One layer for a worker to read: its blob's bytes, and whether to keep data offsets. */
export interface LayerJob {
  id: number;
  range: FileRange;
  dataOffsets: boolean;
}

/** What a worker sends back while a job runs, and once at its end. */
export type LayerJobMessage =
  | { type: "progress"; id: number; blobBytes: number; entries: number }
  | {
      type: "done";
      id: number;
      /** The layer's index in the layer index cache's format (its own path table), or null on error. */
      encoded: Uint8Array | null;
      compression: Compression | null;
      error: string | null;
      skipped: SkippedEntries[];
      blobBytes: number;
    }
  /** The worker itself failed (not the layer's data): the job is read again without workers. */
  | { type: "failed"; id: number; message: string };
