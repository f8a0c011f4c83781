/**
 * A worker thread that reads layer blobs one after another, in the order it is given them: reads
 * the file range, decompresses, checks every tar header and hashes every file, and posts the
 * entries in batches (entry-batch.ts) for the main thread to intern. The next job is read a layer
 * ahead (held: decompressed on zlib's threads, parsed in its turn). At most MAX_POSTED batches wait
 * on the main thread; past that, reading and decompressing stop until it hands batches back.
 */
import { parentPort } from "node:worker_threads";
import { type BatchRead, readIntoBatches } from "./batch-read.js";
import { batchTransfers, type EntryBatch, newBatch, reuseBatch } from "./entry-batch.js";
import type { EntryJob, EntryWorkerMessage, MainMessage } from "./entry-job.js";

/** Batches posted and not yet handed back: ~4 MB of entries in flight. */
const MAX_POSTED = 8;

const port = parentPort;
if (port === null) throw new Error("entry-worker.js runs only as a worker thread");

const queue: EntryJob[] = [];
const free: EntryBatch[] = [];
let posted = 0;
let waiting: (() => void)[] = [];
let current: { job: EntryJob; read: BatchRead } | null = null;
let next: { job: EntryJob; read: BatchRead } | null = null;

const send = (m: EntryWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on("message", (m: MainMessage) => {
  if (m.type === "read") {
    queue.push(...m.jobs);
    pump();
    return;
  }
  posted--;
  free.push(reuseBatch(m.batch));
  const w = waiting;
  waiting = [];
  for (const f of w) f();
});

function room(): Promise<void> | null {
  if (posted < MAX_POSTED) return null;
  return new Promise<void>((resolve) => waiting.push(resolve));
}

function start(job: EntryJob, held: boolean): { job: EntryJob; read: BatchRead } {
  const read = readIntoBatches(job.range, {
    held,
    hashScheme: job.hashScheme,
    post: (batch, blobBytes, hashScheme) => {
      posted++;
      send({ type: "batch", id: job.id, batch, blobBytes, hashScheme }, batchTransfers(batch));
    },
    next: () => free.pop() ?? newBatch(),
    room,
  });
  return { job, read };
}

function pump(): void {
  if (current === null) {
    const c = next ?? (queue.length > 0 ? start(queue.shift()!, false) : null);
    next = null;
    if (c === null) return;
    current = c;
    c.read.reader.release(); // the held read ahead: parsed from here on (a no-op when not held)
    c.read.result.then(
      (end) => finish({ type: "done", id: c.job.id, ...end }),
      (e: unknown) => finish({ type: "failed", id: c.job.id, message: String((e as Error)?.message ?? e) }),
    );
  }
  if (next === null && queue.length > 0) next = start(queue.shift()!, true);
}

function finish(m: EntryWorkerMessage): void {
  send(m);
  current = null;
  pump();
}
