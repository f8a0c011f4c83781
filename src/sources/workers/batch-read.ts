/**
 * Reading one layer blob into batches of entries (entry-batch.ts) rather than into a path table:
 * what the entry worker (entry-worker.ts) does with each layer it is given.
 */
import type { HashScheme } from "../../model/layer-contents.js";
import { SyncFileRangeChunks } from "../file-range.js";
import { LayerBlobReader } from "../layer-blob.js";
import { type EntryBatch, EntryBatchWriter } from "./entry-batch.js";
import type { BatchReadEnd, FileRange } from "./entry-job.js";

export interface BatchReadOptions {
  /** Read and decompress ahead, but parse nothing until `release` (LayerBlobReader.hold). */
  held: boolean;
  hashScheme?: HashScheme;
  /** A full batch (and the last one), with the stored bytes read so far. */
  post: (batch: EntryBatch, blobBytes: number, hashScheme: HashScheme) => void;
  /** The batch to fill next. */
  next: () => EntryBatch;
  /** A promise while too many batches wait to be taken: reading and decompressing stop until it settles. */
  room: () => Promise<void> | null;
}

export interface BatchRead {
  reader: LayerBlobReader;
  result: Promise<BatchReadEnd>;
}

/** Read the blob at `range` into batches; the result never rejects for bad data (its `error` says). */
export function readIntoBatches(range: FileRange, label: string, o: BatchReadOptions): BatchRead {
  let reader: LayerBlobReader | null = null;
  const writer = new EntryBatchWriter((batch) => {
    o.post(batch, reader!.blobBytesRead, reader!.hashScheme);
    const wait = o.room();
    if (wait !== null) reader!.pauseOutputUntil(wait);
  }, o.next);
  reader = new LayerBlobReader(writer, { hashScheme: o.hashScheme });
  if (o.held) reader.hold();
  return { reader, result: read(range, label, reader, writer, o) };
}

async function read(
  range: FileRange,
  label: string,
  reader: LayerBlobReader,
  writer: EntryBatchWriter,
  o: BatchReadOptions,
): Promise<BatchReadEnd> {
  const source = new SyncFileRangeChunks(range.file, range.start, range.length, label);
  let failure: string | null = null;
  try {
    for await (const chunk of source) {
      const wait = reader.write(chunk);
      if (!reader.holdsInput) source.recycle(chunk);
      if (wait) await wait;
      const full = o.room();
      if (full) await full;
    }
  } catch (e) {
    reader.destroy();
    failure = `reading the blob failed: ${(e as Error).message}`;
  }
  const r = await reader.end();
  writer.flush();
  return {
    compression: r.compression,
    error: failure ?? r.error,
    skipped: r.skipped,
    blobBytes: r.blobBytes,
    tarBytes: r.tarBytes ?? 0,
    packages: failure === null ? r.packages : null,
    hashScheme: reader.hashScheme,
  };
}
