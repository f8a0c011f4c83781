import type { HashScheme } from "../../model/layer-contents.js";
import type { LayerPackageFiles } from "../../model/package-db.js";
import type { SkippedEntries } from "../layer-tar.js";
import type { Compression } from "../types.js";
import type { EntryBatch } from "./entry-batch.js";

/** Bytes of one file that hold a layer blob: a member of an archive tar, or an OCI layout's blob file. */
export interface FileRange {
  file: string;
  start: number;
  length: number;
}

/** One layer blob for the entry worker to read; jobs are read one after another, in the order sent. */
export interface EntryJob {
  id: number;
  range: FileRange;
  /** Names the file in an error (the archive's path as the user gave it). */
  label: string;
  hashScheme?: HashScheme;
}

/** How one layer read into batches ended. */
export interface BatchReadEnd {
  compression: Compression | null;
  error: string | null;
  skipped: SkippedEntries[];
  blobBytes: number;
  tarBytes: number;
  packages: LayerPackageFiles | null;
  hashScheme: HashScheme;
}

/** The main thread to the entry worker: a layer to read, or a batch it is done with (buffers back). */
export type MainMessage = { type: "read"; jobs: EntryJob[] } | { type: "return"; batch: EntryBatch };

/** The entry worker to the main thread, per job: batches of entries in order, then its end. */
export type EntryWorkerMessage =
  | { type: "batch"; id: number; batch: EntryBatch; blobBytes: number; hashScheme: HashScheme }
  | ({ type: "done"; id: number } & BatchReadEnd)
  /** The worker itself failed (not the layer's data). */
  | { type: "failed"; id: number; message: string };
