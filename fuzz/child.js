// One fuzz worker: runs cases in this process (much faster than a process per case) and reports each
// case's outcome to the driver over IPC. The driver times cases out, watches memory and restarts a
// worker that hung, crashed or grew too big. Usage: forked by fuzz/driver.ts, never run by hand.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { join, sep } from "node:path";
import { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";

const [mainPath, work] = process.argv.slice(2);
const { main } = await import(pathToFileURL(mainPath).href);

let current = null;
const send = (m) => process.send?.(m);

function fail(kind, e) {
  if (current !== null) {
    send({ type: "result", number: current, code: null, kind, stderr: String(e?.stack ?? e).slice(0, 4000) });
  }
  process.exit(70);
}
process.on("uncaughtException", (e) => fail("uncaught", e));
process.on("unhandledRejection", (e) => fail("unhandled rejection", e));

class Sink extends Writable {
  constructor(keep) {
    super();
    this.keep = keep;
    this.bytes = 0;
    this.text = "";
    this.isTTY = false;
  }
  _write(chunk, _enc, cb) {
    this.bytes += chunk.length;
    if (this.text.length < this.keep)
      this.text += chunk.toString("utf8").slice(0, this.keep - this.text.length);
    cb();
  }
}

function emptyStdin() {
  const s = Readable.from([]);
  s.isTTY = false;
  return s;
}

/** Paths outside DEST that the mutations aim at: none of them may exist after an extract. */
function escapeTargets(sandbox) {
  const out = [
    join(sandbox, "outside-dest"),
    "/abs-outside",
    "/tmp/layerview-fuzz-absolute",
    "/outside-dest",
  ];
  for (let d = sandbox; d !== sep && d !== "."; d = join(d, "..")) out.push(join(d, "outside-dest"));
  return out;
}

function walk(dir, root, found) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    const real = realpathSync(p);
    if (real !== root && !real.startsWith(root + sep)) found.push(p);
    if (st.isDirectory()) {
      try {
        chmodSync(p, 0o700);
      } catch {}
      walk(p, root, found);
    }
  }
}

function checkEscape(sandbox, dest) {
  const found = [];
  for (const name of readdirSync(sandbox)) if (name !== "dest") found.push(join(sandbox, name));
  for (const t of escapeTargets(sandbox)) if (existsSync(t)) found.push(t);
  if (existsSync(dest)) {
    chmodSync(dest, 0o700);
    walk(dest, realpathSync(dest), found);
  }
  return found;
}

function clearDir(dir) {
  if (!existsSync(dir)) return;
  try {
    chmodSync(dir, 0o700);
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) clearDir(p);
    }
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}

/**
 * This process's peak resident memory. Linux's VmHWM belongs to this process image; getrusage's
 * maxRSS is carried over exec from the parent (a big test runner would make every case look big).
 */
function peakRss() {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
    if (kb) return Number(kb[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}

process.on("message", async (msg) => {
  if (msg.type === "stop") process.exit(0);
  if (msg.type !== "case") return;
  current = msg.number;
  const sandbox = join(work, "sandbox");
  const dest = join(sandbox, "dest");
  clearDir(sandbox);
  mkdirSync(sandbox, { recursive: true });
  for (const t of escapeTargets(sandbox))
    if (existsSync(t) && !t.startsWith(work)) rmSync(t, { recursive: true, force: true });
  const args = msg.args.map((a) => (a === "<dest>" ? dest : a));
  const stdout = new Sink(0);
  const stderr = new Sink(8000);
  const started = performance.now();
  let code;
  let kind = null;
  try {
    code = await main([...args, "--no-cache"], { stdin: emptyStdin(), stdout, stderr });
  } catch (e) {
    code = null;
    kind = "main threw";
    stderr.text += String(e?.stack ?? e);
  }
  const ms = performance.now() - started;
  let escaped = [];
  if (msg.command === "extract") {
    try {
      escaped = checkEscape(sandbox, dest);
    } catch (e) {
      escaped = [`cannot check: ${e.message}`];
    }
  }
  const maxRssBytes = peakRss();
  send({
    type: "result",
    number: msg.number,
    code,
    kind,
    stderr: stderr.text,
    stdoutBytes: stdout.bytes,
    ms,
    rss: process.memoryUsage().rss,
    maxRssBytes,
    escaped,
  });
  current = null;
});
send({ type: "ready" });
