/**
 * The fuzz driver: makes each case (deterministic from the run's seed and the case's number), hands
 * it to one of a few worker processes that run the CLI in-process, and classifies the outcome:
 *   ok           exit 0 (or 4, a CI rule failed)
 *   clean error  exit 1, 2 or 3 with a message on stderr and no stack trace
 *   crash        `internal error`, a stack trace, an uncaught exception, a silent failure, a signal
 *   hang         no answer within the case timeout
 *   escape       `extract` wrote something outside DEST
 *   memory       the worker went over the memory limit (or wrote output out of proportion to its input)
 */
import { type ChildProcess, fork } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ARCHIVE, type CommandName, type FuzzCase, makeCase, ORIGINAL } from "./cases.js";
import { loadSeeds, type Seed } from "./seeds.js";

export const OUTCOMES = ["ok", "clean error", "crash", "hang", "escape", "memory"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface CaseResult {
  number: number;
  seed: string;
  command: CommandName;
  args: string[];
  mutations: string[];
  outcome: Outcome;
  code: number | null;
  ms: number;
  /** Why the outcome is what it is: stderr's first lines, the signal, the paths written outside DEST. */
  detail: string;
  /** The worker that ran it, and how many cases that worker process had run before it. */
  worker: number;
  casesBefore: number;
}

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** The first case number (a range of a longer run). */
  first?: number;
  /** Run these case numbers (of `seed`) instead of a range: the cases that once found a bug. */
  only?: readonly number[];
  jobs: number;
  /** A case that takes longer is a hang. */
  timeoutMs: number;
  /** A worker whose resident memory goes over this is a memory failure. */
  memoryLimitBytes: number;
  /** Stop starting cases after this long (the cases run so far are reported). */
  timeBudgetMs?: number;
  /**
   * Run a copy of dist/ taken at the start (under .fuzz/), so that a rebuild during a long run does
   * not change the program half-way.
   */
  snapshot?: boolean;
  /** Leave out the real fixtures (for a quick run that needs only what the repository builds). */
  realFixtures?: boolean;
  onResult?: (r: CaseResult, done: number) => void;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  counts: Record<Outcome, number>;
  byCommand: Record<string, Record<Outcome, number>>;
  ms: number;
  peakRssBytes: number;
  slowest: CaseResult | null;
  failures: CaseResult[];
  /** Cases that hung once but not when run again in a fresh worker. */
  flaky: CaseResult[];
  /** Cases the fuzzer could not make (its own bugs), with their stacks. */
  generatorErrors: string[];
  seeds: string[];
}

export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (
    !existsSync(join(d, "package.json")) ||
    !readFileSync(join(d, "package.json"), "utf8").includes('"name": "layerview"')
  ) {
    const up = dirname(d);
    if (up === d) throw new Error("cannot find the layerview repository above the fuzzer");
    d = up;
  }
  return d;
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

interface WorkerMessage {
  type: "ready" | "result";
  number?: number;
  code?: number | null;
  kind?: string | null;
  stderr?: string;
  stdoutBytes?: number;
  ms?: number;
  maxRssBytes?: number;
  escaped?: string[];
}

export function classify(
  c: Pick<FuzzCase, "archive">,
  m: WorkerMessage,
  memoryLimitBytes: number,
): { outcome: Outcome; detail: string } {
  const stderr = m.stderr ?? "";
  const head = stderr.split("\n").filter(Boolean).slice(0, 4).join(" | ").slice(0, 600);
  if (m.kind) return { outcome: "crash", detail: `${m.kind}: ${stderr.slice(0, 800)}` };
  if (m.escaped && m.escaped.length > 0)
    return { outcome: "escape", detail: `written outside DEST: ${m.escaped.slice(0, 5).join(", ")}` };
  if ((m.maxRssBytes ?? 0) > memoryLimitBytes)
    return { outcome: "memory", detail: `peak RSS ${mib(m.maxRssBytes ?? 0)} MiB; ${head}` };
  const outLimit = Math.max(64 << 20, 100 * c.archive.length);
  if ((m.stdoutBytes ?? 0) > outLimit)
    return {
      outcome: "memory",
      detail: `${m.stdoutBytes} bytes of output for ${c.archive.length} bytes of input`,
    };
  if (/internal error/.test(stderr) || STACK_LINE.test(stderr)) return { outcome: "crash", detail: head };
  if (m.code === 0 || m.code === 4) return { outcome: "ok", detail: head };
  if (m.code === 1 || m.code === 2 || m.code === 3) {
    if (stderr.trim() === "") return { outcome: "crash", detail: `exit ${m.code} with nothing on stderr` };
    return { outcome: "clean error", detail: head };
  }
  return { outcome: "crash", detail: `exit ${m.code}: ${head}` };
}

const mib = (b: number) => Math.round(b / (1 << 20));

class Worker {
  child: ChildProcess | null = null;
  ready: Promise<void> | null = null;
  childErr = "";
  peakRss = 0;
  /** Set when the run ends: a worker told to stop is not a crash. */
  stopping = false;

  /** Cases run by the current worker process. */
  ran = 0;

  constructor(
    readonly id: number,
    readonly dir: string,
    readonly mainPath: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  start(): Promise<void> {
    this.childErr = "";
    this.ran = 0;
    const child = fork(join(repoRoot(), "fuzz/child.js"), [this.mainPath, this.dir], {
      execArgv: ["--max-old-space-size=1536"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, XDG_CACHE_HOME: join(this.dir, "cache"), NO_COLOR: "1", CI: "true" },
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.childErr = (this.childErr + d.toString()).slice(-4000);
    });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === "ready") {
          child.off("message", onMessage);
          resolve();
        }
      };
      child.on("message", onMessage);
      child.once("exit", (code) =>
        reject(new Error(`fuzz worker exited at start (${code}): ${this.childErr}`)),
      );
    });
    return this.ready;
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill("SIGKILL");
    this.child = null;
  }

  /** Resident memory of the worker now (Linux), 0 where /proc is not there. */
  rss(): number {
    try {
      const status = readFileSync(`/proc/${this.child?.pid}/status`, "utf8");
      const kb = /VmRSS:\s+(\d+)/.exec(status);
      return kb ? Number(kb[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  async run(c: FuzzCase, opts: FuzzOptions, seedPath: string): Promise<CaseResult> {
    if (!this.child) await this.start();
    const child = this.child!;
    const input = join(this.dir, "input.tar");
    writeFileSync(input, c.archive);
    const args = c.args.map((a) => (a === ARCHIVE ? input : a === ORIGINAL ? seedPath : a));
    const started = performance.now();
    const result = (outcome: Outcome, code: number | null, detail: string): CaseResult => ({
      number: c.number,
      seed: c.seed,
      command: c.command,
      args: c.args,
      mutations: c.mutations,
      outcome,
      code,
      ms: performance.now() - started,
      detail,
      worker: this.id,
      casesBefore: this.ran,
    });
    return new Promise<CaseResult>((resolve) => {
      let settled = false;
      const finish = (r: CaseResult, restart: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        child.off("message", onMessage);
        child.off("exit", onExit);
        this.ran++;
        if (restart) this.kill();
        resolve(r);
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.type !== "result" || m.number !== c.number) return;
        this.peakRss = Math.max(this.peakRss, m.maxRssBytes ?? 0);
        const { outcome, detail } = classify(c, m, opts.memoryLimitBytes);
        const r = result(outcome, m.code ?? null, detail);
        r.ms = m.ms ?? r.ms;
        finish(r, m.kind != null || outcome === "memory");
      };
      const onExit = (code: number | null, signal: string | null) => {
        if (this.stopping) return;
        const oom = /heap out of memory|Allocation failed/.test(this.childErr);
        finish(
          result(
            oom ? "memory" : "crash",
            code,
            oom
              ? `worker ran out of memory: ${this.childErr.slice(-300)}`
              : `worker died (${signal ?? `exit ${code}`}): ${this.childErr.slice(-600)}`,
          ),
          true,
        );
      };
      const timer = setTimeout(
        () => finish(result("hang", null, `no answer after ${opts.timeoutMs} ms`), true),
        opts.timeoutMs,
      );
      const poll = setInterval(() => {
        const rss = this.rss();
        this.peakRss = Math.max(this.peakRss, rss);
        if (rss > opts.memoryLimitBytes) finish(result("memory", null, `worker RSS ${mib(rss)} MiB`), true);
      }, 100);
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send({ type: "case", number: c.number, command: c.command, args });
    });
  }
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const root = repoRoot();
  let mainPath = join(root, "dist/cli/main.js");
  if (!existsSync(mainPath)) throw new Error(`${mainPath} is missing: run npm run build first`);
  if (opts.snapshot) {
    const copy = join(root, ".fuzz", `dist-${process.pid}`);
    cpSync(join(root, "dist"), copy, { recursive: true });
    mainPath = join(copy, "cli/main.js");
  }
  const seeds = loadSeeds(root, { real: opts.realFixtures });
  const work = mkdtempSync(join(tmpdir(), "layerview-fuzz-"));
  const seedPaths = new Map<Seed, string>();
  mkdirSync(join(work, "seeds"));
  seeds.forEach((s, i) => {
    const p = join(work, "seeds", `${i}.tar`);
    writeFileSync(p, s.bytes);
    seedPaths.set(s, p);
  });
  const byName = new Map(seeds.map((s) => [s.name, s]));
  const workers = Array.from(
    { length: Math.max(1, opts.jobs) },
    (_, i) => new Worker(i, join(work, `w${i}`), mainPath),
  );
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const byCommand: Record<string, Record<Outcome, number>> = {};
  const failures: CaseResult[] = [];
  const flaky: CaseResult[] = [];
  const generatorErrors: string[] = [];
  let slowest: CaseResult | null = null;
  const started = performance.now();
  const first = opts.first ?? 0;
  const numbers = opts.only ?? Array.from({ length: opts.cases }, (_, i) => first + i);
  let next = 0;
  let done = 0;
  const budgetOver = () => opts.timeBudgetMs !== undefined && performance.now() - started > opts.timeBudgetMs;
  try {
    await Promise.all(
      workers.map(async (w) => {
        while (next < numbers.length && !budgetOver()) {
          const number = numbers[next++]!;
          let c: FuzzCase;
          try {
            c = makeCase(seeds, opts.seed, number);
          } catch (e) {
            // A bug of the fuzzer's own: counted and shown, the run goes on.
            generatorErrors.push(`case ${number}: ${(e as Error)?.stack ?? String(e)}`.slice(0, 600));
            continue;
          }
          const seedPath = seedPaths.get(byName.get(c.seed)!)!;
          let r = await w.run(c, opts, seedPath);
          if (r.outcome === "hang") {
            // Once more in a fresh worker: a hang that does not repeat is load or state left by earlier cases.
            const again = await w.run(c, opts, seedPath);
            if (again.outcome !== "hang") {
              again.detail = `hung once in a used worker, then ${again.outcome} in a fresh one; ${again.detail}`;
              if (again.outcome === "ok" || again.outcome === "clean error") flaky.push(again);
              r = again;
            }
          }
          done++;
          counts[r.outcome]++;
          byCommand[r.command] ??= Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
          byCommand[r.command]![r.outcome]++;
          if (r.outcome !== "ok" && r.outcome !== "clean error") failures.push(r);
          if (!slowest || r.ms > slowest.ms) slowest = r;
          opts.onResult?.(r, done);
        }
      }),
    );
  } finally {
    for (const w of workers) {
      w.stopping = true;
      w.child?.send({ type: "stop" });
      setTimeout(() => w.kill(), 2000).unref();
    }
    await new Promise((r) => setTimeout(r, 100));
    rmSync(work, { recursive: true, force: true, maxRetries: 3 });
    if (opts.snapshot) rmSync(dirname(dirname(mainPath)), { recursive: true, force: true });
  }
  failures.sort((a, b) => a.number - b.number);
  return {
    seed: opts.seed,
    cases: done,
    counts,
    byCommand,
    ms: performance.now() - started,
    peakRssBytes: Math.max(...workers.map((w) => w.peakRss)),
    slowest,
    failures,
    flaky,
    generatorErrors,
    seeds: seeds.map((s) => s.name),
  };
}
