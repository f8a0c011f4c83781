import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageContent } from "../../src/sources/content.js";
import type { EndpointEnv } from "../../src/sources/endpoint.js";
import { extractPath } from "../../src/sources/extract.js";
import {
  type FakeArchive,
  type FakeDaemon,
  historyFor,
  inspectFor,
  makeDockerArchive,
  sendJson,
  startFakeDaemon,
} from "../engines/fake-daemon.js";

const env = (vars: Record<string, string>): EndpointEnv => ({
  env: vars,
  home: "/nonexistent-home",
  exists: () => false,
  readFile: () => {
    throw new Error("no files");
  },
});

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

// A podman-style archive (manifest.json last, so the layer blobs go by before anyone knows which is which).
describe("cat and extract from a daemon image", () => {
  let archive: FakeArchive;
  let daemon: FakeDaemon;
  let saves = 0;
  beforeAll(async () => {
    archive = await makeDockerArchive([
      { "app/": null, "app/a.txt": "first a\n", "app/b.txt": "b\n" },
      { "app/a.txt": "second a\n", "app/c.txt": "c\n" },
    ]);
    daemon = await startFakeDaemon(async (_req, res, path) => {
      const id = archive.configDigest;
      if (path === "/images/fake:latest/json" || path === `/images/${id}/json`) {
        return sendJson(res, 200, inspectFor(archive));
      }
      if (path === `/images/${id}/history`) return sendJson(res, 200, historyFor(archive));
      if (path === `/images/${id}/get`) {
        saves++;
        res.writeHead(200, { "Content-Type": "application/x-tar" });
        res.end(archive.bytes);
        return;
      }
      sendJson(res, 404, { message: `No such image: ${path}` });
    });
  });
  afterAll(() => daemon.close());

  it("reads the image, then streams the export once more for the bytes", async () => {
    const c = await ImageContent.open("docker://fake:latest", {
      endpointEnv: env({ DOCKER_HOST: daemon.host }),
    });
    expect(saves).toBe(1);
    expect(await text(await c.readFile("/app/a.txt"))).toBe("second a\n");
    expect(await text(await c.readFile("/app/a.txt", { layer: 0 }))).toBe("first a\n");
    expect(saves).toBe(3);
    const dest = mkdtempSync(join(tmpdir(), "lv-daemon-extract-"));
    const s = await extractPath(c, "/app", dest);
    // One more export for all three files, whatever layers they come from.
    expect(saves).toBe(4);
    expect(s).toMatchObject({ files: 3, directories: 1 });
    expect(readFileSync(join(dest, "app/a.txt"), "utf8")).toBe("second a\n");
    expect(readFileSync(join(dest, "app/b.txt"), "utf8")).toBe("b\n");
    expect(readFileSync(join(dest, "app/c.txt"), "utf8")).toBe("c\n");
  });
});
