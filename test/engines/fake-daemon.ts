import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "tar-stream";

/** A file in a fake layer: name → content (a string), or null for a directory. */
export type FakeLayer = Record<string, string | null>;

export interface FakeArchive {
  bytes: Buffer;
  diffIds: string[];
  configDigest: string;
  config: Record<string, unknown>;
}

function tarOf(entries: { name: string; content?: Buffer | string; type?: "directory" }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
    for (const e of entries) {
      if (e.type === "directory")
        p.entry({ name: e.name, type: "directory", mode: 0o755, mtime: new Date(0) });
      else p.entry({ name: e.name, mode: 0o644, mtime: new Date(0) }, e.content ?? "");
    }
    p.finalize();
  });
}

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A podman-style docker-archive: layer blobs first, config, then manifest.json last. */
export async function makeDockerArchive(layers: FakeLayer[], padBytes = 0): Promise<FakeArchive> {
  const blobs = await Promise.all(
    layers.map((l, i) =>
      tarOf(
        Object.entries(l).map(([name, content]) =>
          content === null
            ? { name, type: "directory" as const }
            : // Padding makes the archive big enough to be sent in several chunks.
              { name, content: i === 0 && padBytes > 0 ? content + "x".repeat(padBytes) : content },
        ),
      ),
    ),
  );
  const diffIds = blobs.map((b) => sha256(b));
  const config = {
    architecture: "amd64",
    os: "linux",
    created: "2024-01-01T00:00:00Z",
    config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: layers.map((_, i) => ({ created: "2024-01-01T00:00:00Z", created_by: `/bin/sh -c step ${i}` })),
  };
  const configJson = JSON.stringify(config);
  const configDigest = sha256(configJson);
  const hex = (d: string) => d.slice("sha256:".length);
  const manifest = [
    {
      Config: `${hex(configDigest)}.json`,
      RepoTags: ["fake:latest"],
      Layers: diffIds.map((d) => `${hex(d)}.tar`),
    },
  ];
  const bytes = await tarOf([
    ...blobs.map((b, i) => ({ name: `${hex(diffIds[i]!)}.tar`, content: b })),
    { name: `${hex(configDigest)}.json`, content: configJson },
    { name: "manifest.json", content: JSON.stringify(manifest) },
  ]);
  return { bytes, diffIds, configDigest, config };
}

export type Handler = (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void>;

export interface FakeDaemon {
  socketPath: string;
  host: string;
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP server on a unix socket that answers Docker API paths (any /vX.Y prefix stripped). */
export async function startFakeDaemon(handler: Handler): Promise<FakeDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "layerview-fake-daemon-"));
  const socketPath = join(dir, "docker.sock");
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").replace(/^\/v[0-9.]+\//, "/");
    requests.push(`${req.method} ${path}`);
    Promise.resolve(handler(req, res, path)).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ message: String(err) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    host: `unix://${socketPath}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** The inspect answer for a fake archive, as Docker shapes it. */
export function inspectFor(a: FakeArchive, tag = "fake:latest") {
  return {
    Id: a.configDigest,
    RepoTags: [tag],
    RepoDigests: [],
    Created: "2024-01-01T00:00:00Z",
    Architecture: "amd64",
    Os: "linux",
    Size: a.bytes.length,
    Config: { Cmd: ["sh"], Env: ["PATH=/bin"], Hostname: "" },
    RootFS: { Type: "layers", Layers: a.diffIds },
  };
}

/** The history answer for a fake archive: newest first, as the history endpoint returns it. */
export function historyFor(a: FakeArchive) {
  return a.diffIds
    .map((_, i) => ({
      Id: "<missing>",
      Created: 1704067200,
      CreatedBy: `/bin/sh -c step ${i}`,
      Size: 10,
      Tags: null,
    }))
    .reverse();
}
