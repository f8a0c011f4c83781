/**
 * Real zstd:chunked and eStargz blobs made by the real tools: skopeo (containers/storage's
 * compressor) and ctr-remote (stargz-snapshotter) against a containerd of our own. Results are
 * cached under the temp dir by input digest and command, so reruns take no engine time.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const CACHE = join(tmpdir(), "layerview-toc-cache");

/** A cache directory for this input and command; `make` fills a fresh one, kept only if it succeeds. */
async function cached(
  input: string,
  command: string[],
  make: (dir: string) => Promise<void>,
): Promise<string> {
  const key = createHash("sha256").update(readFileSync(input)).update(JSON.stringify(command)).digest("hex");
  const dir = join(CACHE, key.slice(0, 24));
  if (existsSync(join(dir, "index.json"))) return dir;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, "work-"));
  try {
    await make(work);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/** `skopeo copy --dest-compress-format zstd:chunked` of a docker archive into an OCI layout; returns the dir. */
export function skopeoZstdChunked(dockerArchive: string): Promise<string> {
  const args = ["copy", "--format", "oci", "--dest-compress-format", "zstd:chunked"];
  return cached(dockerArchive, ["skopeo", ...args], async (dir) => {
    await run("skopeo", [...args, `docker-archive:${dockerArchive}`, `oci:${dir}:toc`], { timeout: 120_000 });
  });
}

export interface Containerd {
  socket: string;
  stop(): Promise<void>;
}

/** A containerd with its own root, state and socket in a temp dir (CRI off); stop() ends it by PID. */
export async function startContainerd(): Promise<Containerd> {
  const base = mkdtempSync(join(tmpdir(), "lv-ctrd-"));
  const socket = join(base, "c.sock");
  const config = join(base, "config.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${base}/root"`,
      `state = "${base}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${socket}"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${base}/opt"`,
      "",
    ].join("\n"),
  );
  const child = spawn("containerd", ["--config", config], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    rmSync(base, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (existsSync(socket)) {
      try {
        await run("ctr-remote", ["-a", socket, "version"], { timeout: 5_000 });
        return { socket, stop };
      } catch {
        // not serving yet
      }
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error("containerd did not start");
}

/** Import a docker archive, `ctr-remote image convert <flags>` it, export it as an OCI layout; returns the dir. */
export function ctrRemoteConvert(
  ctrd: () => Promise<Containerd>,
  archive: string,
  flags: string[],
): Promise<string> {
  return cached(archive, ["ctr-remote", ...flags], async (dir) => {
    const c = await ctrd();
    const ctr = (...args: string[]) => run("ctr-remote", ["-a", c.socket, ...args], { timeout: 180_000 });
    const tag = `localhost/toc-${createHash("sha256").update(flags.join(" ")).digest("hex").slice(0, 8)}`;
    await ctr("image", "import", "--no-unpack", "--index-name", `${tag}:src`, archive);
    await ctr("image", "convert", ...flags, "--oci", `${tag}:src`, `${tag}:out`);
    const out = join(dir, "out.tar");
    await ctr("image", "export", out, `${tag}:out`);
    await run("tar", ["-xf", out, "-C", dir]);
    rmSync(out);
  });
}
