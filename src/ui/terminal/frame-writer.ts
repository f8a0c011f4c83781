import { EventEmitter } from "node:events";

const SYNC_START = "\u001b[?2026h";
const SYNC_END = "\u001b[?2026l";

/**
 * What Ink writes to. The explorer hands over every frame whole (through Ink's `write`, in debug
 * mode so Ink adds nothing); this writes only the lines that changed, each at its absolute row,
 * inside a synchronized update — no clear-and-redraw, so no flicker, and no scrolling whatever the
 * frame height. A resize forces a full redraw.
 * It reports columns/rows of the real terminal and relays its resize events.
 */
export class FrameWriter extends EventEmitter {
  /** Ink must not write cursor or kitty sequences of its own. */
  readonly isTTY = false;
  private previous: string[] = [];
  private frozen = false;
  /** While suspended (Ctrl+Z) frames are kept, not drawn; the last one is drawn whole on resume. */
  private paused = false;
  private last = "";

  constructor(private readonly out: NodeJS.WriteStream) {
    super();
    out.on("resize", this.onResize);
  }

  get columns(): number {
    return this.out.columns || 80;
  }

  get rows(): number {
    return this.out.rows || 24;
  }

  write = (data: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
    const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    // Ink's own (empty) output arrives too; the explorer's frames come through Ink's `write`.
    if (!this.frozen && text !== "" && text !== "\n") {
      this.last = text;
      if (!this.paused) this.draw(text);
    }
    const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
    if (typeof done === "function") done();
    return true;
  };

  /** The sequence that turns the previous frame into `frame` (exposed for tests). */
  diff(frame: string): string {
    const lines = frame.split("\n");
    if (lines.length > this.rows) lines.length = this.rows;
    let out = "";
    const n = Math.max(lines.length, this.previous.length);
    for (let i = 0; i < n; i++) {
      const line = lines[i] ?? "";
      if (line === this.previous[i]) continue;
      out += `\u001b[${i + 1};1H\u001b[2K${line}`;
    }
    this.previous = lines;
    return out;
  }

  private draw(frame: string): void {
    const d = this.diff(frame);
    if (d !== "") this.out.write(`${SYNC_START}${d}\u001b[0m${SYNC_END}`);
  }

  /** Forget what is on screen: the next frame is drawn whole. */
  invalidate(): void {
    this.previous = [];
    if (!this.frozen) this.out.write("\u001b[0m\u001b[2J");
  }

  /** Stop drawing until `resume` (the process is being suspended). */
  pause(): void {
    this.paused = true;
  }

  /** Draw the latest frame whole again (the terminal was someone else's meanwhile). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.invalidate();
    if (!this.frozen && this.last !== "") this.draw(this.last);
  }

  /** Stop drawing (the session is ending); later writes are dropped. */
  freeze(): void {
    this.frozen = true;
    this.out.off("resize", this.onResize);
  }

  private readonly onResize = () => {
    this.invalidate();
    this.emit("resize");
  };
}
