import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ResourceLimits, Worker } from "node:worker_threads";
import type { LayerJob, LayerJobMessage } from "./layer-job.js";

export type LayerJobResult = Extract<LayerJobMessage, { type: "done" | "failed" }>;

/**
 * Each worker's heap: a small young generation, and an old one that a layer of a few hundred
 * thousand entries fits in. Left to V8's defaults, two workers' heaps grow by ~80 MB more than the
 * reading needs (bench/run.js, peak RSS per entry). A layer too big for it ends that worker with
 * ERR_WORKER_OUT_OF_MEMORY: the job answers `failed`, and the layer is read in the main thread.
 */
const WORKER_LIMITS: ResourceLimits = {
  maxYoungGenerationSizeMb: Number(process.env.YG ?? 8),
  maxOldGenerationSizeMb: Number(process.env.OG ?? 256),
};

interface Pending {
  job: LayerJob;
  onProgress: ((blobBytes: number, entries: number) => void) | undefined;
  resolve: (r: LayerJobResult) => void;
}

/**
 * The worker script: beside this module once built; tests run this module from its TypeScript source,
 * and then use the built copy in dist/. Null when neither exists (then layers are read in-thread).
 */
export function layerWorkerScript(): URL | null {
  const here = new URL("./layer-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL("../../../dist/sources/workers/layer-worker.js", import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : null;
}

/**
 * A few worker threads that read layer blobs side by side, one job at a time each, first come first
 * served. Owned by one image read: `close()` ends every worker, whether jobs are left or not.
 */
export class LayerWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private closed = false;

  /** The heap limits each worker gets (see WORKER_LIMITS). */
  static limitsFor(): ResourceLimits {
    return WORKER_LIMITS;
  }

  constructor(script: URL, threads: number, limits: ResourceLimits = LayerWorkerPool.limitsFor()) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(script, { resourceLimits: limits });
      w.on("message", (m: LayerJobMessage) => this.onMessage(w, m));
      w.on("error", (e) => this.onExit(w, `the worker stopped: ${e.message}`));
      w.on("exit", (code) => this.onExit(w, `the worker exited (code ${code})`));
      // An idle worker does not keep the process alive.
      w.unref();
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Queue one layer; the promise always resolves (a worker failure is a `failed` result). */
  read(
    range: LayerJob["range"],
    dataOffsets: boolean,
    onProgress?: (blobBytes: number, entries: number) => void,
  ): Promise<LayerJobResult> {
    const job: LayerJob = { id: this.nextId++, range, dataOffsets };
    return new Promise((resolve) => {
      if (this.closed) {
        resolve({ type: "failed", id: job.id, message: "the worker pool is closed" });
        return;
      }
      this.queue.push({ job, onProgress, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve({ type: "failed", id: p.job.id, message: "cancelled" });
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.ref();
      w.postMessage(p.job);
    }
  }

  private onMessage(w: Worker, m: LayerJobMessage): void {
    const p = this.running.get(w);
    if (p === undefined || p.job.id !== m.id) return;
    if (m.type === "progress") {
      p.onProgress?.(m.blobBytes, m.entries);
      return;
    }
    this.running.delete(w);
    w.unref();
    this.idle.push(w);
    p.resolve(m);
    this.dispatch();
  }

  private onExit(w: Worker, message: string): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    const idle = this.idle.indexOf(w);
    if (idle >= 0) this.idle.splice(idle, 1);
    const p = this.running.get(w);
    this.running.delete(w);
    if (p !== undefined) p.resolve({ type: "failed", id: p.job.id, message });
    // No worker left: what is queued is read without them.
    if (this.workers.length === 0) {
      for (const q of this.queue.splice(0)) q.resolve({ type: "failed", id: q.job.id, message });
    }
  }
}
