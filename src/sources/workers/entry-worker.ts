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

type Running = { job: EntryJob; read: BatchRead };

/** This worker's reading: the jobs given, the one being parsed, the one read ahead, batches out. */
class EntryReading {
  private readonly queue: EntryJob[] = [];
  private readonly free: EntryBatch[] = [];
  private posted = 0;
  private waiting: (() => void)[] = [];
  private current: Running | null = null;
  private next: Running | null = null;

  constructor(private readonly send: (m: EntryWorkerMessage, transfer?: ArrayBuffer[]) => void) {}

  onMessage(m: MainMessage): void {
    if (m.type === "read") {
      this.queue.push(...m.jobs);
      this.pump();
      return;
    }
    this.posted--;
    this.free.push(reuseBatch(m.batch));
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  private room(): Promise<void> | null {
    if (this.posted < MAX_POSTED) return null;
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private start(job: EntryJob, held: boolean): Running {
    const read = readIntoBatches(job.range, job.label, {
      held,
      hashScheme: job.hashScheme,
      post: (batch, blobBytes, hashScheme) => {
        this.posted++;
        this.send({ type: "batch", id: job.id, batch, blobBytes, hashScheme }, batchTransfers(batch));
      },
      next: () => this.free.pop() ?? newBatch(),
      room: () => this.room(),
    });
    return { job, read };
  }

  private pump(): void {
    if (this.current === null) {
      const c = this.next ?? (this.queue.length > 0 ? this.start(this.queue.shift()!, false) : null);
      this.next = null;
      if (c === null) return;
      this.current = c;
      c.read.reader.release(); // the held read ahead: parsed from here on (a no-op when not held)
      c.read.result.then(
        (end) => this.finish({ type: "done", id: c.job.id, ...end }),
        (e: unknown) =>
          this.finish({ type: "failed", id: c.job.id, message: String((e as Error)?.message ?? e) }),
      );
    }
    if (this.next === null && this.queue.length > 0) this.next = this.start(this.queue.shift()!, true);
  }

  private finish(m: EntryWorkerMessage): void {
    this.send(m);
    this.current = null;
    this.pump();
  }
}

const reading = new EntryReading((m, transfer = []) => port.postMessage(m, transfer));
port.on("message", (m: MainMessage) => reading.onMessage(m));
