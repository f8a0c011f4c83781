import { describe, expect, it } from "vitest";
import type { DaemonContext } from "../../../src/sources/daemon/client.js";
import { daemonError } from "../../../src/sources/daemon/errors.js";
import { type EndpointEnv, findEndpoint } from "../../../src/sources/endpoint.js";

const env = (vars: Record<string, string>): EndpointEnv => ({
  env: vars,
  home: "/nonexistent-home",
  exists: () => false,
  readFile: () => {
    throw new Error("no files");
  },
});

describe("daemon errors", () => {
  it("maps the other failures to one line each", () => {
    const ctx = (engine: "docker" | "podman", host: string): DaemonContext => ({
      engine,
      endpoint: findEndpoint(
        engine,
        env(engine === "docker" ? { DOCKER_HOST: host } : { CONTAINER_HOST: host }),
      ),
      ref: "app:1",
    });
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(
      daemonError(err("EACCES"), ctx("podman", "unix:///run/podman/podman.sock"), "inspect").message,
    ).toBe("permission denied on the Podman socket /run/podman/podman.sock (from CONTAINER_HOST)");
    expect(daemonError(err("ETIMEDOUT"), ctx("docker", "tcp://10.1.2.3:2375"), "inspect").message).toBe(
      "cannot reach the Docker daemon: tcp://10.1.2.3:2375 (from DOCKER_HOST): ETIMEDOUT",
    );
    expect(daemonError(err("ECONNRESET"), ctx("docker", "tcp://h:2375"), "save").message).toMatch(
      /^the connection to the Docker daemon \(tcp:\/\/h:2375\) dropped after 0 B/,
    );
    expect(
      daemonError(err("DEPTH_ZERO_SELF_SIGNED_CERT"), ctx("docker", "tcp://h:2376"), "inspect").message,
    ).toMatch(/^TLS connection to the Docker daemon at tcp:\/\/h:2376 \(from DOCKER_HOST\) failed/);
    const http = Object.assign(new Error("(HTTP code 404) no such image"), {
      statusCode: 404,
      json: { message: "No such image: app:1" },
    });
    expect(daemonError(http, ctx("podman", "unix:///p.sock"), "inspect").hint).toBe(
      "Pull it first with `podman pull app:1`, or run layerview with --pull",
    );
  });
});
