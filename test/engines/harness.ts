import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import Docker from "dockerode";
import { describe, it } from "vitest";
import { contentKey, EntryType } from "../../src/model/layer-contents.js";
import type { Engine } from "../../src/sources/endpoint.js";
import type { ImageData } from "../../src/sources/types.js";

/**
 * Real-engine tests talk to the private dockerd and podman service that `.ci/engines.sh start`
 * runs; it writes their sockets to an env file. Without them the suites skip and say why;
 * with LAYERVIEW_REQUIRE_ENGINES=1 (CI) they fail instead.
 */
export const REQUIRE_ENGINES = process.env.LAYERVIEW_REQUIRE_ENGINES === "1";
export const ENV_FILE =
  process.env.LAYERVIEW_ENGINES_ENV ?? `${process.env.LAYERVIEW_ENGINES_DIR ?? "/tmp/layerview-engines"}/env`;

export const run = promisify(execFile);

/** KEY=VALUE lines of the env file, overridden by the same variables in the environment. */
export function enginesEnv(): Record<string, string> {
  const vars: Record<string, string> = {};
  if (existsSync(ENV_FILE)) {
    for (const line of readFileSync(ENV_FILE, "utf8").split("\n")) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) vars[m[1]!] = m[2]!;
    }
  }
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("LAYERVIEW_") && v !== undefined && k !== "LAYERVIEW_REQUIRE_ENGINES") vars[k] = v;
  }
  return vars;
}

export interface EngineTarget {
  engine: Engine;
  /** unix:///… of the engine's API socket. */
  host: string;
  /** The test image as the engine names it. */
  image: string;
  ok: boolean;
  /** Why the engine cannot be used (empty when ok). */
  reason: string;
  vars: Record<string, string>;
}

const HOST_VAR: Record<Engine, string> = { docker: "LAYERVIEW_DOCKER_HOST", podman: "LAYERVIEW_PODMAN_HOST" };

/** Is this engine answering, with the test image built? */
export async function probeEngine(engine: Engine): Promise<EngineTarget> {
  const vars = enginesEnv();
  const base = vars.LAYERVIEW_TEST_IMAGE ?? "layerview-test:latest";
  const image = engine === "podman" ? `localhost/${base}` : base;
  const host = vars[HOST_VAR[engine]] ?? "";
  const target = { engine, host, image, ok: false, reason: "", vars };
  if (host === "") {
    const where = existsSync(ENV_FILE) ? `${ENV_FILE} has no ${HOST_VAR[engine]}` : `no ${ENV_FILE}`;
    return { ...target, reason: `${where} — run \`.ci/engines.sh start\`` };
  }
  if (!host.startsWith("unix://")) return { ...target, reason: `${HOST_VAR[engine]}=${host} is not unix://` };
  const client = new Docker({ socketPath: host.slice("unix://".length), timeout: 5000 });
  try {
    await client.ping();
  } catch (err) {
    return { ...target, reason: `${engine} at ${host} does not answer (${(err as Error).message.trim()})` };
  }
  try {
    await client.getImage(image).inspect();
  } catch {
    return { ...target, reason: `${engine} at ${host} has no ${image} — run \`.ci/engines.sh start\`` };
  }
  return { ...target, ok: true };
}

/** describe() when the engine is there; otherwise a skipped suite that says why, or (CI) a failing one. */
export function engineDescribe(target: EngineTarget, title: string, body: () => void): void {
  if (target.ok) {
    describe(title, body);
  } else if (REQUIRE_ENGINES) {
    describe(title, () => {
      it(`needs a running ${target.engine} (LAYERVIEW_REQUIRE_ENGINES=1)`, () => {
        throw new Error(`${target.engine} engine unavailable: ${target.reason}`);
      });
    });
  } else {
    console.warn(`[layerview] SKIPPED real-engine tests "${title}": ${target.reason}`);
    describe.skip(`${title} — SKIPPED: ${target.reason}`, body);
  }
}

/** Save the test image with the engine's own CLI (not through layerview) into `file`. */
export async function saveWithCli(target: EngineTarget, file: string): Promise<void> {
  if (target.engine === "docker") {
    await run("docker", ["save", "-o", file, target.image], {
      env: {
        ...process.env,
        DOCKER_HOST: target.host,
        DOCKER_CONFIG: `${target.vars.LAYERVIEW_ENGINES_DIR}/docker-cli`,
      },
    });
  } else {
    // The podman CLI on the same storage, not the API service: an independent path to the same image.
    await run("podman", ["save", "--format", "docker-archive", "-o", file, target.image], {
      env: {
        ...process.env,
        CONTAINERS_CONF: target.vars.CONTAINERS_CONF,
        CONTAINERS_STORAGE_CONF: target.vars.CONTAINERS_STORAGE_CONF,
        CONTAINERS_REGISTRIES_CONF: target.vars.CONTAINERS_REGISTRIES_CONF,
      },
    });
  }
}

export interface EntryRow {
  type: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  link: string | null;
  hash: string;
}

/** One layer's entries by path, plus its whiteouts and opaque directories, for comparing and asserting. */
export function layerListing(data: ImageData, layer: number) {
  const contents = data.readLayers[layer]?.contents;
  if (!contents) throw new Error(`layer ${layer} was not read: ${data.readLayers[layer]?.error}`);
  const entries = new Map<string, EntryRow>();
  for (let i = 0; i < contents.count; i++) {
    entries.set(data.paths.path(contents.node[i]!), {
      type: contents.type[i]!,
      mode: contents.mode[i]!,
      uid: contents.uid[i]!,
      gid: contents.gid[i]!,
      size: contents.size[i]!,
      link: contents.links.get(i) ?? null,
      hash: contentKey(contents, i),
    });
  }
  return {
    entries,
    whiteouts: [...contents.whiteouts].map((n) => data.paths.path(n)).sort(),
    opaque: [...contents.opaqueDirs].map((n) => data.paths.path(n)).sort(),
    fileBytes: contents.fileBytes,
    tarEntries: contents.tarEntries,
  };
}

/** Everything comparable about an image read, with paths as strings (path tables differ between reads). */
export function imageSummary(data: ImageData) {
  return {
    diffIds: data.layers.map((l) => l.diffId),
    config: data.config,
    layers: data.readLayers.map((_, i) => {
      const l = layerListing(data, i);
      return { ...l, entries: [...l.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
    }),
    merged: [...mergedTree(data)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** The final filesystem by stacking layers (whiteouts, opaque dirs, a file replacing a dir); independent of src/model. */
export function mergedTree(data: ImageData): Map<string, EntryRow> {
  const tree = new Map<string, EntryRow>();
  const dropBelow = (dir: string, self: boolean) => {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    for (const p of [...tree.keys()]) if ((self && p === dir) || p.startsWith(prefix)) tree.delete(p);
  };
  data.readLayers.forEach((_, i) => {
    const l = layerListing(data, i);
    for (const d of l.opaque) dropBelow(d, false);
    for (const w of l.whiteouts) dropBelow(w, true);
    for (const [path, row] of l.entries) {
      if (row.type !== EntryType.Dir && tree.get(path)?.type === EntryType.Dir) dropBelow(path, false);
      tree.set(path, row);
    }
  });
  return tree;
}
