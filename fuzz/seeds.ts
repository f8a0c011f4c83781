/**
 * The archives the fuzzer starts from: the real fixtures (when present beside the repository), the
 * bundled example, and archives built by code in every layout layerview reads.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildArchive,
  type Flavor,
  type ImageSpec,
  type MultiPlatformSpec,
} from "../test/fixtures/images.js";

export interface Seed {
  name: string;
  bytes: Buffer;
}

const app: ImageSpec = {
  tags: ["fuzz/app:1"],
  layers: [
    { "etc/": null, "etc/hosts": "127.0.0.1 localhost\n", "bin/": null, "bin/sh": "#!sh\n", "tmp/": null },
    [
      { dir: "app" },
      { file: "app/main.js", content: "console.log(1)\n".repeat(40) },
      { symlink: "app/link", target: "main.js" },
      { hardlink: "app/hard", target: "app/main.js" },
      { symlink: "app/up", target: "../etc" },
      { file: `app/${"n".repeat(120)}/${"m".repeat(90)}`, content: "long" },
      { whiteout: "etc/hosts" },
    ],
    [
      { opaque: "app" },
      { file: "app/new.txt", content: "after the opaque directory\n" },
      { device: "dev/null", kind: "char" },
      { file: "bin/sh", content: "#!replaced\n" },
      { dir: "bin/sh.d" },
    ],
  ],
  config: {
    created: "2024-01-01T00:00:00Z",
    config: { Env: ["PATH=/usr/bin"], Labels: { a: "b" }, Cmd: ["sh"] },
    history: [
      { created_by: "ADD base /" },
      { created_by: "RUN make app" },
      { created_by: "ENV X=1", empty_layer: true },
      { created_by: "RUN opaque" },
    ],
  },
};

const multi: MultiPlatformSpec = {
  tags: ["fuzz/multi:1"],
  platforms: [
    { platform: "linux/amd64", layers: [{ "a/": null, "a/x": "amd64" }] },
    { platform: "linux/arm64/v8", layers: [{ "a/": null, "a/x": "arm64" }, [{ whiteout: "a/x" }]] },
  ],
};

function generated(): Seed[] {
  const flavors: Array<[Flavor, "none" | "gzip" | "zstd"]> = [
    ["docker", "none"],
    ["podman", "none"],
    ["docker25", "gzip"],
    ["kaniko", "gzip"],
    ["oci", "zstd"],
  ];
  const seeds = flavors.map(([flavor, compression]) => ({
    name: `generated-${flavor}-${compression}`,
    bytes: buildArchive(app, { flavor, compression, tarOptions: { longNames: "pax" } }),
  }));
  seeds.push({
    name: "generated-containerd-gzip",
    bytes: buildArchive(multi, { flavor: "containerd", compression: "gzip", dockerManifest: true }),
  });
  seeds.push({
    name: "generated-docker-gnu-names",
    bytes: buildArchive({ ...app, tarOptions: { longNames: "gnu", base256: true } }, { flavor: "docker" }),
  });
  return seeds;
}

/** Every seed, in a fixed order (case numbers index into it). */
export function loadSeeds(repoRoot: string, opts: { real?: boolean } = {}): Seed[] {
  const seeds: Seed[] = [];
  const real = join(repoRoot, "../shared/fixtures/real");
  if (opts.real !== false && existsSync(real)) {
    for (const f of readdirSync(real).sort()) {
      if (f.endsWith(".tar")) seeds.push({ name: f, bytes: readFileSync(join(real, f)) });
    }
  }
  const demo = join(repoRoot, "test/fixtures/example/layerview-demo.tar");
  if (existsSync(demo)) seeds.push({ name: "layerview-demo.tar", bytes: readFileSync(demo) });
  return [...seeds, ...generated()];
}
