import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, demoArchive, ensureBuilt, repoRoot } from "./run-cli.js";

beforeAll(() => ensureBuilt());

// What the example's Dockerfile (test/fixtures/example/Dockerfile) did to each path, layer by layer:
// 0 busybox base, 1 WORKDIR, 2 RUN mkdir … boot.log, 3 COPY context-app/, 4 RUN chmod -R a+rX … chmod 755
// server.sh, 5 RUN echo VERSION … cp bundle.bak, 6 RUN rm -rf /var/cache/pkgs …, 7 RUN rm -rf assets …
const context = join(repoRoot, "test/fixtures/example/context-app");
const sizeOf = (p: string) => statSync(join(context, p)).size;

interface Event {
  layer: number;
  kind: string;
  command: string;
  size: number;
  mode: string | null;
  type: string | null;
  by: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
  removed: { paths: number; files: number; bytes: number } | null;
}

function history(path: string): { code: number; json: { path: string; present: boolean; events: Event[] } } {
  const r = cli(["history", "--json", demoArchive, path]);
  expect(r.stderr).toBe("");
  return { code: r.code, json: JSON.parse(r.stdout) };
}

const brief = (events: Event[]) => events.map((e) => [e.layer, e.kind]);

describe("layerview history on the bundled example", () => {
  it("server.sh: copied in by layer 3, made executable by layer 4", () => {
    const { code, json } = history("/srv/app/server.sh");
    expect(code).toBe(0);
    expect(brief(json.events)).toEqual([
      [3, "added"],
      [4, "modified"],
    ]);
    expect(json.events[0]!.command).toMatch(/^COPY dir:[0-9a-f]+ in \/srv\/app\/$/);
    expect(json.events[0]!.size).toBe(sizeOf("server.sh"));
    expect(json.events[1]!.command).toBe("RUN chmod -R a+rX /srv/app && chmod 755 /srv/app/server.sh");
    expect(json.events[1]!.changes).toEqual([{ field: "mode", from: "0644", to: "0755" }]);
    expect(json.present).toBe(true);
  });

  it("the toolchain: written by layer 2, deleted with its directory by layer 6", () => {
    const { json } = history("/var/cache/pkgs/toolchain.tar");
    expect(brief(json.events)).toEqual([
      [2, "added"],
      [6, "whiteout"],
    ]);
    expect(json.events.map((e) => e.size)).toEqual([400_000, 400_000]);
    expect(json.events[1]!.by).toBe("/var/cache/pkgs");
    expect(json.present).toBe(false);
    const dir = history("/var/cache/pkgs").json;
    expect(dir.events.at(-1)).toMatchObject({
      layer: 6,
      kind: "whiteout",
      removed: { paths: 3, files: 2, bytes: 400_000 + "pkg index\n".length },
    });
  });

  it("the logs directory replaced by a file, and the file that was in it", () => {
    const logs = history("/srv/app/logs").json;
    expect(brief(logs.events)).toEqual([
      [2, "added"],
      [4, "rewritten"],
      [7, "replaced"],
    ]);
    expect(logs.events[2]).toMatchObject({ type: "file", size: "logs go to stdout\n".length });
    expect(logs.events[2]!.changes[0]).toEqual({ field: "type", from: "dir", to: "file" });
    const boot = history("/srv/app/logs/boot.log").json;
    expect(brief(boot.events)).toEqual([
      [2, "added"],
      [4, "rewritten"],
      [7, "parent-replaced"],
    ]);
    expect(boot.events[2]!.by).toBe("/srv/app/logs");
    expect(boot.events[0]!.size).toBe("started\n".length);
  });

  it("the assets directory re-created: app.js gone (opaque), site.css written again", () => {
    const app = history("/srv/app/assets/app.js").json;
    expect(brief(app.events)).toEqual([
      [3, "added"],
      [4, "rewritten"],
      [7, "opaque"],
    ]);
    expect(app.events[2]!.by).toBe("/srv/app/assets");
    expect(app.events[0]!.size).toBe(sizeOf("assets/app.js"));
    const css = history("/srv/app/assets/site.css").json;
    expect(brief(css.events)).toEqual([
      [3, "added"],
      [4, "rewritten"],
      [7, "opaque"],
      [7, "modified"],
    ]);
    const written = "body { color: #111; }\n";
    expect(css.events[3]!.size).toBe(written.length);
    const before = readFileSync(join(context, "assets/site.css"), "utf8");
    expect(before === written).toBe(false);
    expect(css.events[3]!.changes).toEqual([
      { field: "content", from: sizeOf("assets/site.css"), to: written.length },
    ]);
  });

  it("prints the text history: each layer's instruction, then what it did", () => {
    const r = cli(["history", demoArchive, "/tmp/bundle.bak"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const bundle = sizeOf("lib/vendor.bundle.js");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`/tmp/bundle.bak in layerview/demo:1.0 (${demoArchive})`);
    expect(lines[1]).toBe("2 events in 2 of 8 layers; not in the final image");
    expect(lines[3]).toMatch(/^layer 5 {2}RUN echo "\$BUILD_VERSION" > \/srv\/app\/VERSION/);
    const kb = `${(bundle / 1000).toFixed(0)} kB`;
    expect(lines[4]).toBe(`  + ${kb.padStart(9)}  -rw-r--r--  0:0        added file`);
    expect(lines[5]).toBe(
      "layer 6  RUN rm -rf /var/cache/pkgs /root/.ssh /tmp/bundle.bak  # args: BUILD_VERSION=1.4.2",
    );
    expect(lines[6]).toBe(
      `  - ${kb.padStart(9)}  -rw-r--r--  0:0        deleted by a whiteout (1 path, ${kb})`,
    );
  });

  it("a path no layer names is one line on stderr and exit 1", () => {
    const r = cli(["history", demoArchive, "/srv/app/nothing-here"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `layerview: /srv/app/nothing-here is not in any of the 8 layers of ${demoArchive} (no layer adds, changes or deletes it) — check the path, e.g. with layerview ${demoArchive}\n`,
    );
  });

  it("an image that cannot be read, and bad usage, are one line each", () => {
    const missing = cli(["history", "/nonexistent/image.tar", "/etc/passwd"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/^layerview: /);
    const usage = cli(["history", demoArchive]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(
      /^layerview: layerview history takes IMAGE PATH, got .* — see layerview --help\n$/,
    );
  });
});
