import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import {
  dockerodeOptions,
  type EndpointEnv,
  endpointUrl,
  engineConfigured,
  findEndpoint,
} from "../../src/sources/endpoint.js";

const HOME = "/home/u";

/** An in-memory environment: `files` maps absolute paths to contents; their parent dirs exist too. */
function fake(
  env: Record<string, string>,
  files: Record<string, string> = {},
  platform: NodeJS.Platform = "linux",
): EndpointEnv {
  const exists = (p: string) => p in files || Object.keys(files).some((f) => f.startsWith(`${p}/`));
  return {
    env,
    home: HOME,
    platform,
    tmpdir: "/tmp",
    exists,
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      return text;
    },
  };
}

const contextMeta = (name: string, host: string, configDir = `${HOME}/.docker`, skipTls = false) => ({
  [`${configDir}/contexts/meta/${createHash("sha256").update(name).digest("hex")}/meta.json`]: JSON.stringify(
    {
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: skipTls } },
    },
  ),
});

describe("docker endpoint discovery", () => {
  it("uses DOCKER_HOST unix:// first", () => {
    const e = findEndpoint("docker", fake({ DOCKER_HOST: "unix:///srv/d.sock", DOCKER_CONTEXT: "x" }));
    expect(e).toMatchObject({ kind: "unix", socketPath: "/srv/d.sock", origin: "DOCKER_HOST" });
  });

  it("reads tcp:// with default ports, and TLS files from DOCKER_CERT_PATH that exist", () => {
    expect(findEndpoint("docker", fake({ DOCKER_HOST: "tcp://10.0.0.5" }))).toMatchObject({
      kind: "tcp",
      host: "10.0.0.5",
      port: 2375,
      tls: null,
    });
    const e = findEndpoint(
      "docker",
      fake(
        { DOCKER_HOST: "tcp://build.example:4000", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" },
        { "/certs/ca.pem": "CA", "/certs/cert.pem": "CERT", "/certs/key.pem": "KEY" },
      ),
    );
    expect(e).toMatchObject({
      kind: "tcp",
      host: "build.example",
      port: 4000,
      tls: { ca: "/certs/ca.pem", cert: "/certs/cert.pem", key: "/certs/key.pem", verify: true },
    });
    const noPort = findEndpoint("docker", fake({ DOCKER_HOST: "tcp://h", DOCKER_TLS_VERIFY: "1" }));
    expect(noPort).toMatchObject({ port: 2376, tls: { ca: null, verify: true } });
  });

  it("falls back to ~/.docker (or DOCKER_CONFIG) for TLS files", () => {
    const e = findEndpoint(
      "docker",
      fake({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1" }, { [`${HOME}/.docker/ca.pem`]: "CA" }),
    );
    expect(e).toMatchObject({ tls: { ca: `${HOME}/.docker/ca.pem`, cert: null, key: null } });
    const opts = dockerodeOptions(e, (p) => Buffer.from(`<${p}>`));
    expect(opts).toMatchObject({ protocol: "https", host: "h", port: 2376, socketPath: undefined });
    expect(opts.agent?.options.rejectUnauthorized).toBe(true);
    expect(opts.ca?.toString()).toBe(`<${HOME}/.docker/ca.pem>`);
    expect(opts.cert).toBeUndefined();
    // DOCKER_TLS without _VERIFY: encrypted, not verified.
    const unverified = findEndpoint("docker", fake({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS: "1" }));
    expect(dockerodeOptions(unverified).agent?.options.rejectUnauthorized).toBe(false);
    const missing = findEndpoint(
      "docker",
      fake({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1" }, { [`${HOME}/.docker/ca.pem`]: "CA" }),
    );
    expect(() =>
      dockerodeOptions(missing, () => {
        throw Object.assign(new Error("no"), { code: "ENOENT" });
      }),
    ).toThrow(`cannot read TLS file ${HOME}/.docker/ca.pem for DOCKER_HOST: ENOENT`);
  });

  it("follows DOCKER_CONTEXT, which overrides config.json currentContext", () => {
    const files = {
      [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: "colima" }),
      ...contextMeta("colima", `unix://${HOME}/.colima/docker.sock`),
      ...contextMeta("remote", "tcp://remote.example:2375"),
    };
    expect(findEndpoint("docker", fake({}, files))).toMatchObject({
      kind: "unix",
      socketPath: `${HOME}/.colima/docker.sock`,
      origin: "docker context 'colima'",
    });
    expect(findEndpoint("docker", fake({ DOCKER_CONTEXT: "remote" }, files))).toMatchObject({
      kind: "tcp",
      host: "remote.example",
      port: 2375,
      origin: "docker context 'remote'",
    });
  });

  it("uses a context's TLS material and SkipTLSVerify", () => {
    const id = createHash("sha256").update("secure").digest("hex");
    const files = {
      ...contextMeta("secure", "tcp://s.example:2376", `${HOME}/.docker`, true),
      [`${HOME}/.docker/contexts/tls/${id}/docker/ca.pem`]: "CA",
    };
    expect(findEndpoint("docker", fake({ DOCKER_CONTEXT: "secure" }, files))).toMatchObject({
      tls: { ca: `${HOME}/.docker/contexts/tls/${id}/docker/ca.pem`, verify: false },
    });
  });

  it("honours DOCKER_CONFIG for config.json and contexts", () => {
    const files = {
      "/cfg/config.json": JSON.stringify({ currentContext: "other" }),
      ...contextMeta("other", "unix:///other.sock", "/cfg"),
    };
    expect(findEndpoint("docker", fake({ DOCKER_CONFIG: "/cfg" }, files))).toMatchObject({
      socketPath: "/other.sock",
    });
  });

  it("treats the 'default' context as the default sockets", () => {
    const files = { [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: "default" }) };
    expect(findEndpoint("docker", fake({}, files))).toMatchObject({
      socketPath: "/var/run/docker.sock",
      origin: "default socket",
    });
  });

  it("says plainly when the chosen context does not exist", () => {
    const files = { [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: "gone" }) };
    expect(() => findEndpoint("docker", fake({}, files))).toThrow(
      /docker context 'gone' \(from \/home\/u\/\.docker\/config\.json\) does not exist/,
    );
    try {
      findEndpoint("docker", fake({ DOCKER_CONTEXT: "nope" }));
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toContain("DOCKER_CONTEXT");
      expect((err as UserError).hint).toMatch(/docker context ls/);
    }
  });

  it("looks for the usual sockets in order and remembers which it tried", () => {
    const none = findEndpoint("docker", fake({ XDG_RUNTIME_DIR: "/run/user/1000" }));
    expect(none).toMatchObject({
      kind: "unix",
      socketPath: "/var/run/docker.sock",
      tried: ["/var/run/docker.sock", "/run/user/1000/docker.sock", `${HOME}/.docker/run/docker.sock`],
    });
    const rootless = findEndpoint(
      "docker",
      fake({ XDG_RUNTIME_DIR: "/run/user/1000" }, { "/run/user/1000/docker.sock": "" }),
    );
    expect(rootless).toMatchObject({ socketPath: "/run/user/1000/docker.sock" });
    const desktop = findEndpoint("docker", fake({}, { [`${HOME}/.docker/run/docker.sock`]: "" }));
    expect(desktop).toMatchObject({ socketPath: `${HOME}/.docker/run/docker.sock` });
  });

  it("finds the sockets of Docker Desktop, Colima, OrbStack, Rancher Desktop and Podman machine", () => {
    const cases: [string, Record<string, string>][] = [
      [`${HOME}/.docker/desktop/docker.sock`, {}],
      [`${HOME}/.colima/default/docker.sock`, {}],
      ["/opt/colima/default/docker.sock", { COLIMA_HOME: "/opt/colima" }],
      [`${HOME}/.orbstack/run/docker.sock`, {}],
      [`${HOME}/.rd/docker.sock`, {}],
      ["/tmp/podman/podman-machine-default-api.sock", {}],
      ["/var/folders/x/T/podman/podman-machine-default-api.sock", { TMPDIR: "/var/folders/x/T" }],
      [`${HOME}/.local/share/containers/podman/machine/podman.sock`, {}],
      [`${HOME}/.local/share/containers/podman/machine/qemu/podman.sock`, {}],
    ];
    for (const [socket, env] of cases) {
      expect(findEndpoint("docker", fake(env, { [socket]: "" })), socket).toMatchObject({
        kind: "unix",
        socketPath: socket,
        origin: "default socket",
      });
      expect(engineConfigured("docker", fake(env, { [socket]: "" }))).toBe(true);
    }
    // The engine's own socket comes first; a VM's socket is a fallback.
    const both = { "/var/run/docker.sock": "", [`${HOME}/.orbstack/run/docker.sock`]: "" };
    expect(findEndpoint("docker", fake({}, both))).toMatchObject({ socketPath: "/var/run/docker.sock" });
    // A context or DOCKER_HOST names the endpoint: the VM sockets are not looked at.
    const ctx = {
      [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: "x" }),
      ...contextMeta("x", "unix:///ctx.sock"),
    };
    expect(findEndpoint("docker", fake({}, { ...ctx, [`${HOME}/.rd/docker.sock`]: "" }))).toMatchObject({
      socketPath: "/ctx.sock",
    });
    const none = findEndpoint("docker", fake({}));
    expect(none).toMatchObject({ socketPath: "/var/run/docker.sock" });
    expect(none.kind === "unix" && none.alsoTried?.tools).toBe(
      "Docker Desktop, Colima, OrbStack, Rancher Desktop or Podman machine",
    );
    expect(engineConfigured("docker", fake({}))).toBe(false);
    const podman = findEndpoint("podman", fake({}, { "/tmp/podman/podman-machine-default-api.sock": "" }));
    expect(podman).toMatchObject({ socketPath: "/tmp/podman/podman-machine-default-api.sock" });
  });

  it("uses the Windows named pipes: npipe:// in DOCKER_HOST and contexts, docker_engine by default", () => {
    const pipe = findEndpoint("docker", fake({ DOCKER_HOST: "npipe:////./pipe/docker_engine" }));
    expect(pipe).toMatchObject({ kind: "npipe", socketPath: "\\\\.\\pipe\\docker_engine" });
    expect(endpointUrl(pipe)).toBe("npipe:////./pipe/docker_engine");
    expect(dockerodeOptions(pipe)).toMatchObject({
      socketPath: "\\\\.\\pipe\\docker_engine",
      host: undefined,
    });
    const files = {
      [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: "desktop-linux" }),
      ...contextMeta("desktop-linux", "npipe:////./pipe/dockerDesktopLinuxEngine"),
    };
    expect(findEndpoint("docker", fake({}, files, "win32"))).toMatchObject({
      kind: "npipe",
      socketPath: "\\\\.\\pipe\\dockerDesktopLinuxEngine",
    });
    const byDefault = findEndpoint("docker", fake({}, {}, "win32"));
    expect(byDefault).toMatchObject({ kind: "npipe", socketPath: "\\\\.\\pipe\\docker_engine" });
    const podman = findEndpoint("podman", fake({}, { "\\\\.\\pipe\\podman-machine-default": "" }, "win32"));
    expect(podman).toMatchObject({ kind: "npipe", socketPath: "\\\\.\\pipe\\podman-machine-default" });
    expect(() => findEndpoint("docker", fake({ DOCKER_HOST: "npipe://" }))).toThrow(/names no pipe/);
  });

  it("rejects endpoints it cannot use with a one-line reason", () => {
    expect(() => findEndpoint("docker", fake({ DOCKER_HOST: "ssh://me@box" }))).toThrow(/ssh:\/\/ endpoints/);
    expect(() => findEndpoint("docker", fake({ DOCKER_HOST: "fd://" }))).toThrow(
      /unsupported scheme 'fd:\/\/'/,
    );
    expect(() => findEndpoint("docker", fake({ DOCKER_HOST: "nonsense" }))).toThrow(/DOCKER_HOST=nonsense/);
    expect(() => findEndpoint("docker", fake({ DOCKER_HOST: "unix://" }))).toThrow(/names no socket/);
  });
});

describe("podman endpoint discovery", () => {
  it("uses CONTAINER_HOST, ignoring DOCKER_HOST", () => {
    const e = findEndpoint(
      "podman",
      fake({ CONTAINER_HOST: "unix:///p.sock", DOCKER_HOST: "unix:///d.sock" }),
    );
    expect(e).toMatchObject({ engine: "podman", socketPath: "/p.sock", origin: "CONTAINER_HOST" });
  });

  it("prefers the rootless socket, then the rootful one", () => {
    const env = { XDG_RUNTIME_DIR: "/run/user/1000" };
    expect(findEndpoint("podman", fake(env, { "/run/user/1000/podman/podman.sock": "" }))).toMatchObject({
      socketPath: "/run/user/1000/podman/podman.sock",
    });
    expect(findEndpoint("podman", fake(env, { "/run/podman/podman.sock": "" }))).toMatchObject({
      socketPath: "/run/podman/podman.sock",
    });
    expect(findEndpoint("podman", fake(env))).toMatchObject({
      tried: ["/run/user/1000/podman/podman.sock", "/run/podman/podman.sock"],
    });
  });

  it("knows whether an engine is configured or present", () => {
    expect(engineConfigured("docker", fake({}))).toBe(false);
    expect(engineConfigured("docker", fake({ DOCKER_HOST: "tcp://h:1" }))).toBe(true);
    expect(engineConfigured("podman", fake({}, { "/run/podman/podman.sock": "" }))).toBe(true);
  });
});

describe("endpoint discovery on a real home directory", () => {
  let home = "";
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("reads config.json and context meta from disk", () => {
    home = mkdtempSync(join(tmpdir(), "layerview-home-"));
    const meta = join(
      home,
      ".docker/contexts/meta",
      createHash("sha256").update("lab").digest("hex"),
      "meta.json",
    );
    mkdirSync(dirname(meta), { recursive: true });
    writeFileSync(join(home, ".docker/config.json"), JSON.stringify({ currentContext: "lab" }));
    writeFileSync(meta, JSON.stringify({ Name: "lab", Endpoints: { docker: { Host: "unix:///lab.sock" } } }));
    const env: EndpointEnv = { env: {}, home, exists: existsSync, readFile: (p) => readFileSync(p, "utf8") };
    const e = findEndpoint("docker", env);
    expect(endpointUrl(e)).toBe("unix:///lab.sock");
    expect(e.origin).toBe("docker context 'lab'");
  });
});
