import { describe, expect, it } from "vitest";
import type { EndpointEnv } from "../../src/sources/endpoint.js";
import { inspectName, parseImageRef } from "../../src/sources/image-ref.js";
import { describeSource, resolveSource } from "../../src/sources/resolve.js";

function fake(env: Record<string, string>, paths: string[] = []): EndpointEnv {
  return { env, home: "/home/u", exists: (p) => paths.includes(p), readFile: () => "{}" };
}

describe("parseImageRef", () => {
  it("reads names, tags, digests and registries", () => {
    expect(parseImageRef("busybox")).toMatchObject({
      kind: "name",
      name: "busybox",
      tag: null,
      digest: null,
    });
    expect(parseImageRef("localhost:5000/team/app:1.2-rc")).toMatchObject({
      kind: "name",
      name: "localhost:5000/team/app",
      tag: "1.2-rc",
    });
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(parseImageRef(`ghcr.io/o/app@${digest}`)).toMatchObject({ name: "ghcr.io/o/app", digest });
    expect(parseImageRef(`app:v1@${digest}`)).toMatchObject({ tag: "v1", digest });
  });

  it("reads image IDs, short and long, with or without sha256:", () => {
    const long = "1d6e3d6d64d7dfb7ffdbf98f6f06d1c11c610f423d8d0f0a64185b35f562bb09";
    expect(parseImageRef(long)).toEqual({ kind: "id", hex: long });
    expect(parseImageRef(`sha256:${long}`)).toEqual({ kind: "id", hex: long });
    expect(parseImageRef("1d6e3d6d64d7")).toEqual({ kind: "id", hex: "1d6e3d6d64d7" });
    expect(parseImageRef("sha256:1d6e")).toEqual({ kind: "id", hex: "1d6e" });
    expect(inspectName(long, parseImageRef(long))).toBe(`sha256:${long}`);
    expect(inspectName("1d6e3d6d64d7", parseImageRef("1d6e3d6d64d7"))).toBe("1d6e3d6d64d7");
    // Short hex could be a name; the daemon's inspect resolves either.
    expect(parseImageRef("abc123")).toMatchObject({ kind: "name" });
  });

  it("rejects what no engine would accept", () => {
    expect(parseImageRef("MyImage")).toMatchObject({ kind: "invalid", reason: /lowercase/ });
    expect(parseImageRef("a b")).toMatchObject({ kind: "invalid" });
    expect(parseImageRef("app:")).toMatchObject({ kind: "invalid" });
    expect(parseImageRef("")).toMatchObject({ kind: "invalid" });
  });
});

describe("resolveSource", () => {
  const env = fake({ DOCKER_HOST: "unix:///d.sock" }, ["image.tar", "oci-dir", "busybox"]);

  it("lets an existing file or directory win over an image name", () => {
    expect(resolveSource("image.tar", { endpointEnv: env })).toEqual({ kind: "archive", path: "image.tar" });
    expect(resolveSource("busybox", { endpointEnv: env })).toEqual({ kind: "archive", path: "busybox" });
    expect(resolveSource("oci-dir", { endpointEnv: env })).toEqual({ kind: "archive", path: "oci-dir" });
    expect(resolveSource("-", { endpointEnv: env })).toEqual({ kind: "archive", path: "-" });
  });

  it("reads ARCHIVE:name[:tag] from the archive when the text before a colon exists", () => {
    for (const arg of ["image.tar:app", "image.tar:app:1", "oci-dir:app:1", "-:app:1"]) {
      expect(resolveSource(arg, { endpointEnv: env }), arg).toEqual({ kind: "archive", path: arg });
    }
    // Not an existing file before any colon: an image name for the daemon, as before.
    expect(resolveSource("other.tar:app", { endpointEnv: env }).kind).not.toBe("archive");
  });

  it("reads other names from the Docker daemon", () => {
    expect(resolveSource("alpine:3.20", { endpointEnv: env })).toEqual({
      kind: "daemon",
      engine: "docker",
      ref: "alpine:3.20",
      guessed: true,
    });
    expect(resolveSource("1d6e3d6d64d7", { endpointEnv: env })).toMatchObject({
      kind: "daemon",
      engine: "docker",
    });
  });

  it("honours prefixes and --source, even over an existing file", () => {
    expect(resolveSource("docker://busybox", { endpointEnv: env })).toEqual({
      kind: "daemon",
      engine: "docker",
      ref: "busybox",
      guessed: false,
    });
    expect(resolveSource("podman://localhost/x:1", { endpointEnv: env })).toMatchObject({
      engine: "podman",
      ref: "localhost/x:1",
    });
    expect(resolveSource("busybox", { source: "podman", endpointEnv: env })).toMatchObject({
      kind: "daemon",
      engine: "podman",
    });
    expect(resolveSource("docker-archive:///tmp/a.tar", { endpointEnv: env })).toEqual({
      kind: "archive",
      path: "/tmp/a.tar",
    });
    expect(resolveSource("docker-archive:rel.tar", { endpointEnv: env })).toEqual({
      kind: "archive",
      path: "rel.tar",
    });
    expect(resolveSource("whatever", { source: "archive", endpointEnv: env })).toEqual({
      kind: "archive",
      path: "whatever",
    });
    expect(resolveSource("docker://x", { source: "docker", endpointEnv: env })).toMatchObject({
      engine: "docker",
    });
  });

  it("refuses a prefix that contradicts --source", () => {
    expect(() => resolveSource("docker://x", { source: "podman", endpointEnv: env })).toThrow(
      /'docker:\/\/x' names a Docker image but --source podman was given/,
    );
    expect(() => resolveSource("podman://", { endpointEnv: env })).toThrow(/names no image/);
  });

  it("treats a missing path-like argument as a missing file, not an image", () => {
    expect(() => resolveSource("./img.tar", { endpointEnv: env })).toThrow(
      /no such file or directory: .\/img.tar/,
    );
    expect(() => resolveSource("/abs/dir", { endpointEnv: env })).toThrow(/no such file/);
    expect(() => resolveSource("saved.tar.gz", { endpointEnv: env })).toThrow(/no such file/);
  });

  it("says why an argument is neither a file nor an image", () => {
    expect(() => resolveSource("My Image", { endpointEnv: env })).toThrow(
      /neither a file nor an image reference/,
    );
  });

  it("picks Podman when only Podman is set up", () => {
    const podmanOnly = fake({}, ["/run/podman/podman.sock"]);
    expect(resolveSource("x", { endpointEnv: podmanOnly })).toMatchObject({
      engine: "podman",
      guessed: true,
    });
    expect(resolveSource("x", { endpointEnv: fake({ CONTAINER_HOST: "unix:///p.sock" }) })).toMatchObject({
      engine: "podman",
    });
    // Nothing set up: Docker, so the error names Docker's sockets and suggests --source podman.
    expect(resolveSource("x", { endpointEnv: fake({}) })).toMatchObject({ engine: "docker" });
  });

  it("describes where an image will come from", () => {
    expect(describeSource("alpine", { endpointEnv: env })).toBe("image alpine from Docker at unix:///d.sock");
    expect(describeSource("image.tar", { endpointEnv: env })).toBe("archive image.tar");
    expect(describeSource("-", { endpointEnv: env })).toBe("archive from standard input");
  });
});
