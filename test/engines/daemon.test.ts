import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import { pullLine } from "../../src/model/pull-progress.js";
import { daemonError } from "../../src/sources/daemon/errors.js";
import { readDaemonImage } from "../../src/sources/daemon.js";
import { type EndpointEnv, findEndpoint } from "../../src/sources/endpoint.js";
import type { ImageData, ImageInfo, ReadOptions } from "../../src/sources/types.js";
import {
  type FakeArchive,
  type FakeDaemon,
  historyFor,
  inspectFor,
  makeDockerArchive,
  sendJson,
  startFakeDaemon,
} from "./fake-daemon.js";

const env = (vars: Record<string, string>): EndpointEnv => ({
  env: vars,
  home: "/nonexistent-home",
  exists: () => false,
  readFile: () => {
    throw new Error("no files");
  },
});

async function rejection(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

/** Reads the whole stream and pretends it was an image; `lenient` ignores stream errors like a buggy reader. */
function fakeReader(lenient = false) {
  return (stream: Readable, label: string, _opts?: ReadOptions): Promise<ImageData> =>
    new Promise((resolve, reject) => {
      let bytes = 0;
      const done = () => resolve({ source: label, bytes } as unknown as ImageData);
      stream.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      stream.on("end", done);
      stream.on("error", (err) => (lenient ? done() : reject(err)));
    });
}

let daemon: FakeDaemon | null = null;
afterEach(async () => {
  await daemon?.close();
  daemon = null;
});

/** A daemon that has `archive` as fake:latest; `save` may replace how the save stream is sent. */
async function daemonWith(
  archive: FakeArchive,
  save?: (res: import("node:http").ServerResponse) => void | Promise<void>,
): Promise<FakeDaemon> {
  daemon = await startFakeDaemon(async (_req, res, path) => {
    const id = archive.configDigest;
    const names = ["fake", "fake:latest", id, id.slice(7, 19)];
    if (names.some((n) => path === `/images/${n}/json`)) return sendJson(res, 200, inspectFor(archive));
    if (path === `/images/${id}/history`) return sendJson(res, 200, historyFor(archive));
    if (path === `/images/${id}/get`) {
      if (save) return save(res);
      res.writeHead(200, { "Content-Type": "application/x-tar" });
      res.end(archive.bytes);
      return;
    }
    sendJson(res, 404, { message: `No such image: ${path}` });
  });
  return daemon;
}

describe("readDaemonImage against a fake daemon", () => {
  it("shows the layer list from inspect before the save stream has been read", async () => {
    const archive = await makeDockerArchive(
      [{ "app/": null, "app/a.txt": "a" }, { "app/b.txt": "bb" }],
      300_000,
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const half = Math.floor(archive.bytes.length / 2);
    const d = await daemonWith(archive, async (res) => {
      res.writeHead(200, { "Content-Type": "application/x-tar" });
      res.write(archive.bytes.subarray(0, half));
      await gate; // the rest only after onImage was seen: proof the list came first
      res.end(archive.bytes.subarray(half));
    });
    let early: ImageInfo | null = null;
    const data = await readDaemonImage("fake:latest", {
      engine: "docker",
      endpointEnv: env({ DOCKER_HOST: d.host }),
      onImage: (info) => {
        early = info;
        release();
      },
    });
    expect(early).not.toBeNull();
    const info = early as unknown as ImageInfo;
    expect(info.layers.map((l) => l.diffId)).toEqual(archive.diffIds);
    expect(info.config.history?.map((h) => h.created_by)).toEqual(["/bin/sh -c step 0", "/bin/sh -c step 1"]);
    expect(info.source).toBe("docker://fake:latest");
    expect(data.layers.map((l) => l.diffId)).toEqual(archive.diffIds);
    expect(data.readLayers.map((l) => l.contents?.count)).toEqual([2, 1]);
    expect(data.config.history).toEqual(archive.config.history);
    expect(data.reference).toBe("fake:latest");
    expect(data.id).toBe(archive.configDigest);
    // Saved by full ID, never by the name or a short ID.
    expect(d.requests).toContain(`GET /images/${archive.configDigest}/get`);
  });

  it("resolves a short ID through inspect and saves by the full ID", async () => {
    const archive = await makeDockerArchive([{ "x.txt": "x" }]);
    const d = await daemonWith(archive);
    const short = archive.configDigest.slice(7, 19);
    const data = await readDaemonImage(short, {
      engine: "docker",
      endpointEnv: env({ DOCKER_HOST: d.host }),
    });
    expect(data.layers.map((l) => l.diffId)).toEqual(archive.diffIds);
    expect(d.requests).toEqual([
      `GET /images/${short}/json`,
      `GET /images/${archive.configDigest}/history`,
      `GET /images/${archive.configDigest}/get`,
    ]);
    expect(data.reference).toBe("fake:latest");
  });

  it("rejects, never returns a partial image, when the connection drops mid-stream", async () => {
    const archive = await makeDockerArchive([{ "big.bin": "b" }], 200_000);
    const d = await daemonWith(archive, (res) => {
      res.writeHead(200, { "Content-Type": "application/x-tar" });
      res.write(archive.bytes.subarray(0, 100_000), () => res.socket?.destroy());
    });
    const opts = { engine: "docker" as const, endpointEnv: env({ DOCKER_HOST: d.host }) };
    const err = await rejection(readDaemonImage("fake", opts));
    expect(err.message).toMatch(
      /^the connection to the Docker daemon \(unix:\/\/.*\) dropped after [0-9.]+ kB while reading image 'fake' \(.*\); the image was not read completely$/,
    );
    expect(err.hint).toMatch(/docker info/);
    // Even a reader that takes a broken stream for a finished one cannot turn it into a result.
    const lenient = await rejection(readDaemonImage("fake", { ...opts, readStream: fakeReader(true) }));
    expect(lenient.message).toMatch(/dropped after/);
  });

  it("reports an image the daemon does not have, with how to get it", async () => {
    const archive = await makeDockerArchive([{ "x.txt": "x" }]);
    const d = await daemonWith(archive);
    const err = await rejection(
      readDaemonImage("nope:1", { engine: "docker", endpointEnv: env({ DOCKER_HOST: d.host }) }),
    );
    expect(err.message).toBe(`image 'nope:1' not found in the Docker daemon (${d.host})`);
    expect(err.hint).toBe("Pull it first with `docker pull nope:1`, or run layerview with --pull");
    const byId = await rejection(
      readDaemonImage("0123456789ab", { engine: "podman", endpointEnv: env({ CONTAINER_HOST: d.host }) }),
    );
    expect(byId.message).toMatch(/^image '0123456789ab' not found in the Podman daemon/);
    expect(byId.hint).toMatch(/podman images/);
  });

  it("pulls a missing image with --pull, reporting progress", async () => {
    const archive = await makeDockerArchive([{ "x.txt": "x" }]);
    let pulled = false;
    daemon = await startFakeDaemon((req, res, path) => {
      if (path.startsWith("/images/create?")) {
        expect(path).toContain("fromImage=fake");
        expect(path).toContain("tag=latest");
        pulled = true;
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(`${JSON.stringify({ status: "Pulling from library/fake", id: "latest" })}\n`);
        res.write(
          `${JSON.stringify({ status: "Downloading", id: "3f4ca61e", progressDetail: { current: 1500, total: 3000 } })}\n`,
        );
        res.end(`${JSON.stringify({ status: "Status: Downloaded newer image for fake:latest" })}\n`);
        return;
      }
      if (path === "/images/fake/json")
        return pulled
          ? sendJson(res, 200, inspectFor(archive))
          : sendJson(res, 404, { message: "No such image" });
      if (path.endsWith("/history")) return sendJson(res, 200, historyFor(archive));
      if (path.endsWith("/get")) {
        res.end(archive.bytes);
        return;
      }
      sendJson(res, 404, { message: `unexpected ${req.method} ${path}` });
    });
    const lines: string[] = [];
    const data = await readDaemonImage("fake", {
      engine: "docker",
      pull: true,
      onPull: (u) => lines.push(pullLine(u)),
      endpointEnv: env({ DOCKER_HOST: daemon.host }),
      readStream: fakeReader(),
    });
    expect(data.source).toBe("docker://fake");
    expect(lines).toEqual([
      `pulling fake with Docker (${daemon.host})`,
      "latest: Pulling from library/fake",
      "3f4ca61e: Downloading 1.5 kB / 3.0 kB",
      "Status: Downloaded newer image for fake:latest",
    ]);
  });

  it("turns a failed pull into one line, whether the daemon reports it in-stream or as HTTP 500", async () => {
    daemon = await startFakeDaemon((_req, res, path) => {
      if (path.startsWith("/images/create?fromImage=private")) {
        res.writeHead(200);
        res.end(
          `${JSON.stringify({ error: "pull access denied for private, repository does not exist" })}\n`,
        );
        return;
      }
      if (path.startsWith("/images/create?")) {
        return sendJson(res, 500, { message: 'Get "https://localhost:1/v2/": dial tcp connection refused' });
      }
      sendJson(res, 404, { message: "No such image" });
    });
    const opts = { engine: "docker" as const, pull: true, endpointEnv: env({ DOCKER_HOST: daemon.host }) };
    const denied = await rejection(readDaemonImage("private", opts));
    expect(denied.message).toBe(
      "pulling 'private' with Docker failed: pull access denied for private, repository does not exist",
    );
    expect(denied.hint).toMatch(/docker login/);
    const offline = await rejection(readDaemonImage("localhost:1/x", opts));
    expect(offline.message).toMatch(
      /^pulling 'localhost:1\/x' with Docker failed: Get .*connection refused$/,
    );
  });

  it("reaches the chosen endpoint even when DOCKER_HOST names another (docker-modem reads it itself)", async () => {
    const archive = await makeDockerArchive([{ "x.txt": "x" }]);
    const d = await daemonWith(archive);
    const saved = { ...process.env };
    Object.assign(process.env, {
      DOCKER_HOST: "tcp://127.0.0.1:1",
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: "/nonexistent-certs",
    });
    try {
      const data = await readDaemonImage("fake", {
        engine: "podman",
        endpointEnv: env({ CONTAINER_HOST: d.host }),
        readStream: fakeReader(),
      });
      expect(data.source).toBe("podman://fake");
      expect(process.env.DOCKER_HOST).toBe("tcp://127.0.0.1:1");
    } finally {
      for (const k of ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it("gives up on a daemon that accepts the connection but never answers", async () => {
    daemon = await startFakeDaemon(() => {
      // never respond
    });
    const err = await rejection(
      readDaemonImage("fake", {
        engine: "docker",
        endpointEnv: env({ DOCKER_HOST: daemon.host }),
        answerTimeoutMs: 200,
      }),
    );
    expect(err.message).toBe(`the Docker daemon at ${daemon.host} did not answer within 0.2 s`);
  });

  it("says so when the daemon fails the save", async () => {
    const archive = await makeDockerArchive([{ "x.txt": "x" }]);
    const d = await daemonWith(archive, (res) => sendJson(res, 500, { message: "layer does not exist" }));
    const err = await rejection(
      readDaemonImage("fake", { engine: "docker", endpointEnv: env({ DOCKER_HOST: d.host }) }),
    );
    expect(err.message).toBe(
      `the Docker daemon (${d.host}) could not save image 'fake': HTTP 500: layer does not exist`,
    );
  });

  it("stops reading when aborted", async () => {
    const archive = await makeDockerArchive([{ "x.txt": "x" }], 100_000);
    const d = await daemonWith(archive, (res) => {
      res.writeHead(200);
      res.write(archive.bytes.subarray(0, 50_000)); // and never finish
    });
    const controller = new AbortController();
    const p = readDaemonImage("fake", {
      engine: "docker",
      endpointEnv: env({ DOCKER_HOST: d.host }),
      readStream: fakeReader(),
      onImage: () => setTimeout(() => controller.abort(), 50),
      signal: controller.signal,
    });
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("daemon connection errors", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = "";
  });

  it("names the missing socket and how to point elsewhere", async () => {
    const err = await rejection(
      readDaemonImage("x", {
        engine: "docker",
        endpointEnv: env({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }),
      }),
    );
    expect(err.message).toBe(
      "cannot reach the Docker daemon: no socket at /nonexistent/docker.sock (from DOCKER_HOST)",
    );
    expect(err.hint).toMatch(/DOCKER_HOST=unix:\/\/\/path\/docker\.sock/);
    expect(err.hint).toMatch(/docker context use NAME/);
    expect(err.hint).toMatch(/--source podman/);
  });

  it("lists every default socket it looked for", async () => {
    const err = await rejection(
      readDaemonImage("x", { engine: "docker", endpointEnv: env({ XDG_RUNTIME_DIR: "/nonexistent/run" }) }),
    );
    expect(err.message).toBe(
      "cannot reach the Docker daemon: no socket at /var/run/docker.sock, /nonexistent/run/docker.sock, /nonexistent-home/.docker/run/docker.sock (nor the sockets of Docker Desktop, Colima, OrbStack, Rancher Desktop or Podman machine)",
    );
    const podman = await rejection(
      readDaemonImage("x", { engine: "podman", endpointEnv: env({ XDG_RUNTIME_DIR: "/nonexistent/run" }) }),
    );
    expect(podman.message).toBe(
      "cannot reach the Podman daemon: no socket at /nonexistent/run/podman/podman.sock, /run/podman/podman.sock (nor the sockets of Podman machine)",
    );
    expect(podman.hint).toMatch(/CONTAINER_HOST=unix:\/\/\/path\/podman\.sock/);
    expect(podman.hint).toMatch(/--source docker/);
  });

  it("reports a socket nobody listens on as connection refused", async () => {
    dir = mkdtempSync(join(tmpdir(), "layerview-sock-"));
    const path = join(dir, "docker.sock");
    writeFileSync(path, "");
    const err = await rejection(
      readDaemonImage("x", { engine: "docker", endpointEnv: env({ DOCKER_HOST: `unix://${path}` }) }),
    );
    expect(err.message).toBe(
      `cannot reach the Docker daemon: unix://${path} (from DOCKER_HOST): connection refused`,
    );
  });

  it("reports permission denied on the socket (real EACCES, seen by an unprivileged user)", async (t) => {
    dir = mkdtempSync(join(tmpdir(), "layerview-sock-"));
    const path = join(dir, "docker.sock");
    const server = createServer();
    await new Promise<void>((r) => server.listen(path, r));
    try {
      chmodSync(dir, 0o755);
      chmodSync(path, 0o600); // root's socket; nobody may not connect
      const script = `require("net").connect(${JSON.stringify(path)}).on("error", (e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); }).on("connect", () => { console.log("{}"); process.exit(0); });`;
      const child =
        process.getuid?.() === 0
          ? spawnSync(process.execPath, ["-e", script], { uid: 65534, gid: 65534, encoding: "utf8" })
          : spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
      const seen = JSON.parse(child.stdout || "{}") as { code?: string; message?: string };
      if (seen.code !== "EACCES")
        t.skip(`could not provoke EACCES here (got ${seen.code ?? "a connection"})`);
      const endpoint = findEndpoint("docker", env({ DOCKER_HOST: `unix://${path}` }));
      const err = daemonError(
        Object.assign(new Error(seen.message), { code: seen.code }),
        {
          engine: "docker",
          endpoint,
          ref: "x",
        },
        "inspect",
      );
      expect(err.message).toBe(`permission denied on the Docker socket ${path} (from DOCKER_HOST)`);
      expect(err.hint).toMatch(/'docker' group/);
    } finally {
      server.close();
    }
  });
});
