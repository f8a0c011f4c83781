/**
 * Pulls an async source of chunks ahead of its consumer, holding at most `limit` bytes: a layer's
 * download starts (and its latency is paid) while the layer before it is still being parsed, yet
 * no more than `limit` of it is ever in memory.
 */
export class Prefetch implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private ended = false;
  private failure: unknown = null;
  private cancelled = false;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;
  private readonly pump: Promise<void>;
  private readonly source: AsyncGenerator<Buffer>;
  private readonly abort = new AbortController();

  /** `open` gets a signal that cancel() aborts, so a download waiting on the network stops at once. */
  constructor(
    open: (signal: AbortSignal) => AsyncGenerator<Buffer>,
    private readonly limit: number,
  ) {
    this.source = open(this.abort.signal);
    this.pump = this.run();
  }

  private async run(): Promise<void> {
    try {
      for await (const chunk of this.source) {
        if (this.cancelled) break;
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        this.notifyReader();
        while (this.buffered >= this.limit && !this.cancelled) {
          await new Promise<void>((resolve) => {
            this.wakeWriter = resolve;
          });
        }
        if (this.cancelled) break;
      }
    } catch (e) {
      this.failure = e;
    }
    this.ended = true;
    this.notifyReader();
  }

  private notifyReader(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  private notifyWriter(): void {
    const wake = this.wakeWriter;
    this.wakeWriter = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.head < this.chunks.length) {
          const chunk = this.chunks[this.head]!;
          this.chunks[this.head++] = EMPTY;
          if (this.head > 1024 && this.head * 2 > this.chunks.length) {
            this.chunks.splice(0, this.head);
            this.head = 0;
          }
          this.buffered -= chunk.length;
          this.notifyWriter();
          yield chunk;
          continue;
        }
        if (this.ended) {
          if (this.failure !== null) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
        });
      }
    } finally {
      if (!this.ended) await this.cancel();
    }
  }

  /** Stop the download (its generator's cleanup closes the connection) and drop what is buffered. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.notifyWriter();
    this.chunks.length = 0;
    this.head = 0;
    this.buffered = 0;
    this.abort.abort(new Error("download cancelled"));
    await this.pump.catch(() => {});
  }
}

const EMPTY = Buffer.alloc(0);
