/**
 * The terminal state the explorer changes — alternate screen, hidden cursor, no auto-wrap, mouse
 * reporting, raw mode — and the one place that puts it back, whatever way the session ends.
 */
const ENTER = "\u001b[?1049h\u001b[?25l\u001b[?7l\u001b[H\u001b[2J";
/** Button presses and the wheel (1000), with drags (1002), reported as SGR (1006: no 223-column limit). */
export const MOUSE_ON = "\u001b[?1000h\u001b[?1002h\u001b[?1006h";
export const MOUSE_OFF = "\u001b[?1006l\u001b[?1002l\u001b[?1000l";
/** Mouse reporting goes off whether or not it was turned on: a terminal left reporting is unusable. */
const LEAVE = `\u001b[0m${MOUSE_OFF}\u001b[?7h\u001b[?25h\u001b[?1049l`;

export class TerminalSession {
  private active = false;
  private captured: { restore: () => string } | null = null;

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly stdout: NodeJS.WriteStream,
    private readonly mouse = false,
  ) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.captured = captureStray(this.stdout);
    // Raw at once, not when Ink is up: keys typed meanwhile must not echo onto the screen.
    try {
      if (this.stdin.isTTY && !this.stdin.isRaw) this.stdin.setRawMode(true);
    } catch {
      // Not a terminal after all (tests): Ink says so when it starts.
    }
    this.stdout.write(this.mouse ? `${ENTER}${MOUSE_ON}` : ENTER);
  }

  /** After a suspension: the same state again, raw mode included (Ink set it the first time). */
  reenter(): void {
    this.enter();
  }

  /** Idempotent and synchronous enough for an 'exit' handler (TTY writes are synchronous). */
  restore(): void {
    if (!this.active) return;
    this.active = false;
    try {
      if (this.stdin.isTTY && this.stdin.isRaw) this.stdin.setRawMode(false);
    } catch {
      // stdin may already be closed; nothing else to put back there.
    }
    try {
      this.stdout.write(LEAVE);
    } catch {
      // The terminal went away (SIGHUP): nothing to restore.
    }
    const stray = this.captured?.restore() ?? "";
    this.captured = null;
    if (stray !== "") process.stderr.write(stray);
  }
}

/**
 * Console output and stderr writes during the session would land in the middle of the screen:
 * hold them and print them once the terminal is back.
 */
function captureStray(screen: NodeJS.WriteStream): { restore: () => string } {
  const held: string[] = [];
  const hold = (...args: unknown[]) => {
    held.push(
      `${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? (a.stack ?? a.message) : JSON.stringify(a))).join(" ")}\n`,
    );
  };
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = hold;
  const stderr = process.stderr;
  const stderrWrite = stderr.write;
  const patchStderr = stderr.isTTY === true && (stderr as unknown) !== (screen as unknown);
  if (patchStderr) {
    stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      held.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof stderr.write;
  }
  return {
    restore: () => {
      methods.forEach((m, i) => {
        console[m] = saved[i]!;
      });
      if (patchStderr) stderr.write = stderrWrite;
      return held.join("");
    },
  };
}
