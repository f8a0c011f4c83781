/**
 * `--pull` in the running explorer, from a fake daemon that streams docker's pull messages: a row
 * per layer with its bar, updated in place while hundreds of messages arrive, with a bounded
 * number of renders; hostile text arrives escaped. Then the image itself.
 */
import type { ServerResponse } from "node:http";
import { afterEach, expect, test } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { explorerLoader } from "../../src/cli/commands/inspect.js";
import {
  type FakeDaemon,
  historyFor,
  inspectFor,
  makeDockerArchive,
  sendJson,
  startFakeDaemon,
} from "../engines/fake-daemon.js";
import { type Explorer, renderExplorer, treeColumn, waitFor } from "../ui/render-explorer.js";

let daemon: FakeDaemon | null = null;
let open: Explorer | null = null;
const previousHost = process.env.DOCKER_HOST;
afterEach(async () => {
  open?.unmount();
  open = null;
  await daemon?.close();
  daemon = null;
  if (previousHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = previousHost;
});

const LAYERS = ["0a541987fa60", "2577037b4974", "53b6bc0fe14e"];
const TOTAL = 4_000_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a row per layer with its bar, in place, renders throttled; then the image", async () => {
  const archive = await makeDockerArchive([{ "etc/": null, "etc/motd": "pulled\n" }]);
  let pulled = false;
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const burst = { first: 0, last: 0, ms: 0 };
  const send = (res: ServerResponse, m: object) => res.write(`${JSON.stringify(m)}\r\n`);
  daemon = await startFakeDaemon(async (req, res, path) => {
    if (path.startsWith("/images/create?")) {
      res.writeHead(200, { "Content-Type": "application/json" });
      send(res, { status: "Pulling from library/fake", id: "latest" });
      for (const id of LAYERS) send(res, { status: "Pulling fs layer", progressDetail: {}, id });
      send(res, { status: "Already exists", progressDetail: {}, id: LAYERS[2] });
      // The daemon's text is untrusted: a status that would clear the screen.
      send(res, { status: "Waiting\u001b[2J", progressDetail: {}, id: LAYERS[1] });
      // A burst: 300 messages for the first layer, ~2 ms apart.
      burst.first = open?.frameCount() ?? 0;
      const started = performance.now();
      for (let i = 1; i <= 300; i++) {
        send(res, {
          status: "Downloading",
          progressDetail: { current: Math.round((TOTAL * i) / 400), total: TOTAL },
          progress: "[=>   ]",
          id: LAYERS[0],
        });
        await sleep(2);
      }
      await sleep(120);
      burst.ms = performance.now() - started;
      burst.last = open?.frameCount() ?? 0;
      await held;
      for (const id of LAYERS.slice(0, 2)) send(res, { status: "Pull complete", progressDetail: {}, id });
      send(res, { status: "Digest: sha256:0123456789abcdef" });
      send(res, { status: "Status: Downloaded newer image for fake:latest" });
      pulled = true;
      res.end();
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
  process.env.DOCKER_HOST = daemon.host;
  const loader = explorerLoader(parseArgs(["--pull", "--source", "docker", "fake"]));
  open = await renderExplorer({ columns: 180, rows: 30, subscribe: loader.subscribe });
  const ex = open;
  await waitFor(() => burst.last > 0, "the burst of pull messages", 20_000);
  const f = treeColumn(ex.frame());
  expect(f).toContain("Pulling the image…");
  expect(f).toContain(`pulling fake with Docker (${daemon.host})`);
  expect(f).toContain("latest: Pulling from library/fake");
  // Each layer once, with its latest status; the first with its bar at 300 of 400 steps.
  for (const id of LAYERS) expect(f.match(new RegExp(id, "g"))).toHaveLength(1);
  expect(f).toMatch(new RegExp(`${LAYERS[0]} {2}Downloading\\s+█{15}░{5} 3\\.0 MB / 4\\.0 MB`));
  expect(f).toMatch(new RegExp(`${LAYERS[1]} {2}Waiting\\\\x1b\\[2J`));
  expect(f).toMatch(new RegExp(`${LAYERS[2]} {2}Already exists`));
  expect(ex.rawFrame()).not.toContain("\u001b[2J");
  // 300 messages in 0.8 s or more: one batch of updates per 50 ms (Ink writes up to two frames
  // for one), not one per message — unthrottled it was ~260 frames here, throttled ~30.
  const renders = burst.last - burst.first;
  expect(renders).toBeGreaterThan(0);
  expect(renders).toBeLessThan((2 * burst.ms) / 50 + 10);
  expect(renders).toBeLessThan(150);
  release();
  await waitFor(() => ex.frame().includes("motd"), "the pulled image's tree", 20_000);
  expect(ex.frame()).not.toContain("Pulling the image");
}, 60_000);
