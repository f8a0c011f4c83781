/**
 * The main thread's side of the entry worker (entry-worker.ts): one worker per image read, given
 * layer blobs in image order; it reads, decompresses, checks every tar header and hashes every
 * file, and posts the entries in batches. This thread adds each layer's entries to the image's
 * path table in its turn, as they come: interning paths (its part) and parsing (the worker's) run
 * side by side. The result is the one reading in this thread gives, entry for entry, path ids too.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ResourceLimits, Worker } from "node:worker_threads";
import { LayerContentsBuilder } from "../../model/layer-contents.js";
import type { PathTable } from "../../model/path-table.js";
import type { LayerBlobResult } from "../layer-blob.js";
import { batchTransfers, replayBatch } from "./entry-batch.js";
import type { EntryWorkerMessage, FileRange, MainMessage } from "./entry-job.js";

/**
 * The worker's heap: it keeps no entries (they are posted as they are parsed), only the chunks in
 * flight, the package databases it decodes and the batches waiting for this thread.
 */
const LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

/** The worker script beside this module once built; tests run the TypeScript source and use dist/. */
export function entryWorkerScript(): URL | null {
  const here = new URL("./entry-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL("../../../dist/sources/workers/entry-worker.js", import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : null;
}

type LayerMessage =
  | Extract<EntryWorkerMessage, { type: "batch" | "done" }>
  | { type: "failed"; message: string };

/** One layer's batches and end, in the order the worker sent them. */
class LayerMessages {
  private readonly queue: LayerMessage[] = [];
  private waiter: ((m: LayerMessage) => void) | null = null;

  push(m: LayerMessage): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w(m);
    } else this.queue.push(m);
  }

  next(): LayerMessage | Promise<LayerMessage> {
    return (
      this.queue.shift() ??
      new Promise((resolve) => {
        this.waiter = resolve;
      })
    );
  }
}

type Progress = (blobBytes: number, entries: number) => void;

/** One layer given to the worker: `take` adds its entries (null: the worker failed, read it another way). */
export interface WorkerLayer {
  take(onProgress?: Progress): Promise<LayerBlobResult | null>;
}

/** A worker thread reading layer blobs for one path table, in the order they are given. */
export class EntryWorker {
  private readonly worker: Worker;
  /** Layers given and not yet ended, by job id. */
  private readonly layers = new Map<number, LayerMessages>();
  private nextId = 0;
  private failure: string | null = null;

  constructor(
    script: URL,
    private readonly paths: PathTable,
  ) {
    this.worker = new Worker(script, { resourceLimits: LIMITS });
    this.worker.unref();
    this.worker.on("message", (m: EntryWorkerMessage) => this.onMessage(m));
    this.worker.on("error", (e) => this.onWorkerGone(`the worker stopped: ${e.message}`));
    this.worker.on("exit", (code) => this.onWorkerGone(`the worker exited (code ${code})`));
  }

  /** Queue a layer blob; the worker reads it after those given before it (the next one ahead). */
  give(range: FileRange, label: string): WorkerLayer {
    const messages = new LayerMessages();
    if (this.failure !== null) messages.push({ type: "failed", message: this.failure });
    else {
      const id = this.nextId++;
      this.layers.set(id, messages);
      // Only while layers are being read does the worker keep the process alive.
      this.worker.ref();
      this.post({ type: "read", jobs: [{ id, range, label }] });
    }
    return { take: (onProgress) => this.take(messages, onProgress) };
  }

  /**
   * Add a given layer's entries to the path table (layers are taken in the order given). Null when
   * the worker failed: the caller reads the layer another way (what was added so far only interned
   * paths, which is harmless).
   */
  private async take(
    messages: LayerMessages,
    onProgress: Progress | undefined,
  ): Promise<LayerBlobResult | null> {
    let builder: LayerContentsBuilder | null = null;
    for (;;) {
      let m = messages.next();
      if (m instanceof Promise) m = await m;
      switch (m.type) {
        case "failed":
          return null;
        case "batch":
          builder ??= new LayerContentsBuilder(this.paths, 1024, { hashScheme: m.hashScheme });
          replayBatch(m.batch, builder);
          if (this.failure === null) this.post({ type: "return", batch: m.batch });
          onProgress?.(m.blobBytes, builder.entriesRead);
          // Back to the event loop after each batch. Messages that keep coming are all handled in
          // one turn of it (the next one arrives while this one is added): timers, input and the
          // explorer's frames would wait for the whole image, and so would the collector's
          // observers (capYoungGeneration; Node 24 peak memory 360 → 490 MB for 1M entries).
          await new Promise<void>((resolve) => setImmediate(resolve));
          break;
        case "done":
          if (m.error === null)
            builder ??= new LayerContentsBuilder(this.paths, 16, { hashScheme: m.hashScheme });
          onProgress?.(m.blobBytes, builder?.entriesRead ?? 0);
          return {
            contents: m.error === null ? builder!.finish() : null,
            compression: m.compression,
            error: m.error,
            skipped: m.skipped,
            blobBytes: m.blobBytes,
            packages: m.error === null ? m.packages : null,
            tarBytes: m.tarBytes,
          };
      }
    }
  }

  /** Stop: the worker ends (its files closed with it); a `take` still waiting gets null. */
  async close(): Promise<void> {
    this.failure ??= "the read was stopped";
    await this.worker.terminate();
  }

  private onMessage(m: EntryWorkerMessage): void {
    const messages = this.layers.get(m.id);
    if (messages === undefined) return;
    if (m.type !== "batch") {
      this.layers.delete(m.id);
      if (this.layers.size === 0) this.worker.unref();
    }
    messages.push(m);
  }

  private onWorkerGone(message: string): void {
    this.failure ??= message;
    for (const messages of this.layers.values()) messages.push({ type: "failed", message });
    this.layers.clear();
  }

  private post(m: MainMessage): void {
    this.worker.postMessage(m, m.type === "return" ? batchTransfers(m.batch) : []);
  }
}
