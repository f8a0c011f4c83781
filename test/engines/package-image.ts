/**
 * A real image with real package databases, built with real `docker build` on the private dockerd:
 *   layer 0  a Debian bookworm rootfs from debootstrap (.ci/engines.sh makes it once: debian-rootfs.tar)
 *   layer 1  COPY of .deb files fetched on the host with `apt-get download` (RUN has no network)
 *   layer 2  RUN dpkg -i of them (jq, libjq1, libonig5), then rm of the .debs
 *   layer 3  COPY of a wheel installed on the host with `pip install --target` (a real RECORD)
 *   layer 4  COPY of an npm project whose node_modules npm installed on the host from the registry
 * Inputs are made once under the engines dir; the image is saved to an archive for each test file.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { enginesEnv, probeEngine } from "./harness.js";

const run = promisify(execFile);
const big = { maxBuffer: 256 * 1024 * 1024 };
/** Layer 0 alone: the debootstrap rootfs imported (the package image is built FROM it). */
export const BASE = "localhost/layerview-debian:bookworm";
export const PACKAGE_IMAGE = "layerview-packages:test";
export const APT_PACKAGES = ["jq", "libjq1", "libonig5"];
export const PIP_PACKAGE = { name: "lvdemo", version: "1.4.2" };
export const NPM_PACKAGES = ["lodash@4.17.21", "chalk@4.1.2"];
export const LAYER = { debs: 1, apt: 2, pip: 3, npm: 4 } as const;

export interface PackageImage {
  ok: boolean;
  reason: string;
  /** docker save of the image. */
  archive: string;
  /** The inputs as the build context had them: debs/, pylib/, app/. */
  inputs: string;
  /** Base rootfs tarball (layer 0). */
  rootfs: string;
  dockerEnv: NodeJS.ProcessEnv;
  /** A scratch directory of this run (removed by `cleanup`). */
  scratch: string;
  cleanup(): void;
}

/** Build (or reuse) the image and save it; ok false with the reason when something needed is missing. */
export async function packageImage(): Promise<PackageImage> {
  const docker = await probeEngine("docker");
  const vars = enginesEnv();
  const D = vars.LAYERVIEW_ENGINES_DIR ?? "/tmp/layerview-engines";
  const rootfs = join(D, "debian-rootfs.tar");
  if (!docker.ok || !existsSync(D)) {
    // No engines on this machine (a fresh clone): nothing to build in, nothing to clean up.
    const reason = docker.ok ? `no engines directory ${D}` : docker.reason;
    return {
      ok: false,
      reason,
      archive: "",
      inputs: "",
      rootfs,
      dockerEnv: process.env,
      scratch: "",
      cleanup: () => {},
    };
  }
  const scratch = mkdtempSync(join(D, "package-test-"));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  const inputs = join(D, "package-test-inputs");
  const dockerEnv = { ...process.env, DOCKER_HOST: docker.host, DOCKER_CONFIG: join(D, "docker-cli") };
  const image: PackageImage = {
    ok: false,
    reason: "",
    archive: join(scratch, "image.tar"),
    inputs,
    rootfs,
    dockerEnv,
    scratch,
    cleanup,
  };
  if (!docker.ok) return { ...image, reason: docker.reason };
  if (!existsSync(rootfs))
    return { ...image, reason: `no ${rootfs} — run \`.ci/engines.sh debian-rootfs\` (needs debootstrap)` };
  try {
    await makeInputs(inputs);
  } catch (e) {
    return { ...image, reason: `could not fetch the test packages: ${(e as Error).message}` };
  }
  const opts = { env: dockerEnv, maxBuffer: 64 * 1024 * 1024 };
  if ((await run("docker", ["images", "-q", BASE], opts)).stdout.trim() === "") {
    await run("docker", ["import", rootfs, BASE], opts);
  }
  const ctx = join(scratch, "context");
  mkdirSync(ctx);
  for (const d of ["debs", "pylib", "app"]) cpSync(join(inputs, d), join(ctx, d), { recursive: true });
  writeFileSync(
    join(ctx, "Dockerfile"),
    [
      `FROM ${BASE}`,
      "COPY debs/ /tmp/debs/",
      "RUN dpkg -i /tmp/debs/*.deb && rm -rf /tmp/debs",
      "COPY pylib/ /usr/local/lib/python3.11/dist-packages/",
      "COPY app/ /app/",
      'CMD ["jq", "--version"]',
      "",
    ].join("\n"),
  );
  await run("docker", ["build", "--network", "none", "-q", "-t", PACKAGE_IMAGE, ctx], {
    ...opts,
    env: { ...dockerEnv, DOCKER_BUILDKIT: "0" },
  });
  await run("docker", ["save", "-o", image.archive, PACKAGE_IMAGE], opts);
  return { ...image, ok: true };
}

async function makeInputs(dir: string): Promise<void> {
  if (existsSync(join(dir, "done"))) return;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "debs"), { recursive: true });
  await run("apt-get", ["download", ...APT_PACKAGES], { cwd: join(tmp, "debs") });
  // A wheel made here, installed by the host's pip: the dist-info (RECORD, INSTALLER…) is pip's own.
  const wheel = join(tmp, `${PIP_PACKAGE.name}-${PIP_PACKAGE.version}-py3-none-any.whl`);
  await run("python3", ["-c", WHEEL_SCRIPT, wheel, PIP_PACKAGE.name, PIP_PACKAGE.version]);
  await run("python3", [
    "-m",
    "pip",
    "install",
    "--no-index",
    "--no-deps",
    "--no-compile",
    "--disable-pip-version-check",
    "--target",
    join(tmp, "pylib"),
    wheel,
  ]);
  rmSync(wheel);
  mkdirSync(join(tmp, "app"));
  writeFileSync(
    join(tmp, "app", "package.json"),
    `${JSON.stringify({ name: "lv-app", version: "1.0.0", private: true })}\n`,
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...NPM_PACKAGES], {
    cwd: join(tmp, "app"),
  });
  writeFileSync(join(tmp, "done"), createHash("sha256").update(NPM_PACKAGES.join()).digest("hex"));
  try {
    renameSync(tmp, dir); // atomic: another test file making the same inputs at once wins or loses whole
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** dpkg-query's view of an admin dir: package → [version, installed bytes]. */
export async function dpkgQuery(admindir: string): Promise<Map<string, [string, number]>> {
  const { stdout } = await run(
    "dpkg-query",
    [
      "--admindir",
      admindir,
      "-W",
      "-f",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
      "${db:Status-Status}\\t${Package}\\t${Version}\\t${Installed-Size}\\n",
    ],
    big,
  );
  const out = new Map<string, [string, number]>();
  for (const line of stdout.split("\n")) {
    const [status, name, version, kib] = line.split("\t");
    if (status === "installed" && name) out.set(name, [version!, Number(kib) * 1024]);
  }
  return out;
}

/**
 * Regular files of one layer blob of the saved archive, by path ("/usr/bin/jq"), with GNU tar;
 * `types` the tar -tv type letters to keep ("-l": symlinks too).
 */
export async function layerFiles(archive: string, index: number, types = "-"): Promise<Map<string, number>> {
  const manifest = JSON.parse((await run("tar", ["-xOf", archive, "manifest.json"], big)).stdout);
  const blob: string = manifest[0].Layers[index];
  const { stdout } = await run("sh", ["-c", 'tar -xOf "$1" "$2" | tar -tvf -', "sh", archive, blob], big);
  const out = new Map<string, number>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S)\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
    if (m && types.includes(m[1]!))
      out.set(`/${m[3]!.replace(/ -> .*$/, "").replace(/^\.?\//, "")}`, Number(m[2]));
  }
  return out;
}

/** Bookworm is merged-/usr: /bin, /sbin, /lib, /lib64 are links into /usr. */
export const merged = (p: string) => (/^\/(bin|sbin|lib|lib64)\//.test(p) ? `/usr${p}` : p);

const WHEEL_SCRIPT = `
import base64, hashlib, sys, zipfile
path, name, version = sys.argv[1:4]
info = f"{name}-{version}.dist-info"
files = {
  f"{name}/__init__.py": "VALUE = 42\\n" + "# padding\\n" * 2000,
  f"{name}/data.bin": "x" * 150000,
  f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\nSummary: layerview test\\n",
  f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: layerview-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(path, "w") as z:
  for n, c in files.items():
    b = c.encode()
    z.writestr(n, b)
    h = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
    record.append(f"{n},sha256={h},{len(b)}")
  record.append(f"{info}/RECORD,,")
  z.writestr(f"{info}/RECORD", "\\n".join(record) + "\\n")
`;
