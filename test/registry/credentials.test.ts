import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import {
  type Credential,
  type CredentialEnv,
  type CredentialQuery,
  findCredential,
  parseAuthKey,
  parseCredsFlag,
  processCredentialEnv,
} from "../../src/sources/registry/credentials.js";

// Every secret used below: no error message, hint or warning may ever contain one.
const SECRETS = [
  "pw-Secret-0001",
  "pw:with:colons-0002",
  "tok-Identity-0003",
  "tok-Registry-0004",
  "helper-Secret-0005",
  "helper-Token-0006",
  "stdout-Secret-0007",
  "json-Secret-0008",
  "env-Secret-0009",
];
const [PW, PW_COLON, ID_TOKEN, REG_TOKEN, HELPER_PW, HELPER_TOKEN, STDOUT_SECRET, JSON_SECRET, ENV_PW] =
  SECRETS as [string, string, string, string, string, string, string, string, string];

const HOME = "/home/u";
const DOCKER = `${HOME}/.docker/config.json`;
const RUNTIME_AUTH = "/run/user/1000/containers/auth.json";
const CONFIG_AUTH = `${HOME}/.config/containers/auth.json`;
const NOT_FOUND = "credentials not found in native keychain";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const basicAuth = (user: string, pw: string) => ({ auth: b64(`${user}:${pw}`) });

type HelperReply = { stdout: string; stderr?: string; code?: number };

interface Fake {
  env: CredentialEnv;
  calls: { name: string; serverUrl: string }[];
  warnings: string[];
}

function fake(
  files: Record<string, unknown>,
  opts: {
    env?: Record<string, string>;
    helpers?: Record<string, (url: string) => HelperReply>;
    uid?: number;
  } = {},
): Fake {
  const calls: Fake["calls"] = [];
  const warnings: string[] = [];
  const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const env: CredentialEnv = {
    env: { XDG_RUNTIME_DIR: "/run/user/1000", ...opts.env },
    home: HOME,
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    readFile: (p) => (Object.hasOwn(files, p) ? text(files[p]) : null),
    runHelper: async (name, serverUrl) => {
      calls.push({ name, serverUrl });
      const helper = opts.helpers?.[name];
      if (helper === undefined) {
        throw Object.assign(new Error(`spawn docker-credential-${name} ENOENT`), { code: "ENOENT" });
      }
      const r = helper(serverUrl);
      return { stdout: r.stdout, stderr: r.stderr ?? "", code: r.code ?? 0 };
    },
    warn: (m) => warnings.push(m),
  };
  return { env, calls, warnings };
}

const q = (
  registry: string,
  repository = "team/app",
  extra: Partial<CredentialQuery> = {},
): CredentialQuery => ({
  registry,
  repository,
  ...extra,
});

function expectNoSecret(text: string) {
  for (const s of SECRETS) expect(text).not.toContain(s);
  // Base64 of a user:password pair would leak it as well.
  for (const s of SECRETS) expect(text).not.toContain(b64(`alice:${s}`));
}

async function userError(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => {
      throw new Error("expected a UserError");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const u = err as UserError;
  expectNoSecret(`${u.message}\n${u.hint ?? ""}\n${u.stack ?? ""}`);
  return u;
}

function basic(username: string, password: string, from: string): Credential {
  return { kind: "basic", username, password, from };
}

describe("parseCredsFlag", () => {
  it("splits at the first colon; the password may contain colons", () => {
    expect(parseCredsFlag(`alice:${PW_COLON}`, "--creds")).toEqual(basic("alice", PW_COLON, "--creds"));
  });

  it.each([
    [PW, /has no password/],
    [`:${PW}`, /empty user name/],
    ["alice:", /empty password/],
    ["", /has no password/],
  ])("refuses %j without repeating it", (value, message) => {
    let caught: unknown;
    try {
      parseCredsFlag(value, "--creds");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UserError);
    const u = caught as UserError;
    expect(u.message).toMatch(message);
    expect(u.message).toContain("--creds");
    expectNoSecret(`${u.message} ${u.hint}`);
  });
});

describe("order of sources", () => {
  const everywhere = {
    [DOCKER]: { auths: { "ghcr.io": basicAuth("docker", PW) } },
    [RUNTIME_AUTH]: { auths: { "ghcr.io": basicAuth("runtime", PW) } },
    [CONFIG_AUTH]: { auths: { "ghcr.io": basicAuth("config", PW) } },
    "/explicit/auth.json": { auths: { "ghcr.io": basicAuth("authfile", PW) } },
  };

  it("--creds comes first", async () => {
    const explicit = parseCredsFlag(`cli:${PW}`, "--creds");
    const f = fake(everywhere, {
      env: { LAYERVIEW_REGISTRY_CREDS: `ci:${ENV_PW}`, REGISTRY_AUTH_FILE: "/explicit/auth.json" },
    });
    expect(await findCredential(q("ghcr.io", "team/app", { explicit }), f.env)).toBe(explicit);
  });

  it("then LAYERVIEW_REGISTRY_CREDS", async () => {
    const f = fake(everywhere, {
      env: { LAYERVIEW_REGISTRY_CREDS: `ci:${ENV_PW}`, REGISTRY_AUTH_FILE: "/explicit/auth.json" },
    });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(
      basic("ci", ENV_PW, "LAYERVIEW_REGISTRY_CREDS"),
    );
  });

  it("a malformed LAYERVIEW_REGISTRY_CREDS is an error naming the variable, not its value", async () => {
    const f = fake(everywhere, { env: { LAYERVIEW_REGISTRY_CREDS: ENV_PW } });
    const e = await userError(findCredential(q("ghcr.io"), f.env));
    expect(e.message).toContain("LAYERVIEW_REGISTRY_CREDS");
  });

  it("an empty LAYERVIEW_REGISTRY_CREDS is unset", async () => {
    const f = fake(everywhere, { env: { LAYERVIEW_REGISTRY_CREDS: "" } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("docker", PW, DOCKER));
  });

  it("then REGISTRY_AUTH_FILE", async () => {
    const f = fake(everywhere, { env: { REGISTRY_AUTH_FILE: "/explicit/auth.json" } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("authfile", PW, "/explicit/auth.json"));
  });

  it("a REGISTRY_AUTH_FILE without the registry falls through to docker's config", async () => {
    const f = fake(
      { ...everywhere, "/explicit/auth.json": { auths: { "quay.io": basicAuth("q", PW) } } },
      { env: { REGISTRY_AUTH_FILE: "/explicit/auth.json" } },
    );
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("docker", PW, DOCKER));
  });

  it("a REGISTRY_AUTH_FILE that cannot be read is warned about and skipped", async () => {
    const f = fake(everywhere, { env: { REGISTRY_AUTH_FILE: "/nope/auth.json" } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("docker", PW, DOCKER));
    expect(f.warnings.join("\n")).toContain("/nope/auth.json");
  });

  it("then docker's config.json, before podman's files", async () => {
    const f = fake(everywhere);
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("docker", PW, DOCKER));
  });

  it("DOCKER_CONFIG replaces ~/.docker", async () => {
    const f = fake(
      { ...everywhere, "/cfg/config.json": { auths: { "ghcr.io": basicAuth("dc", PW) } } },
      { env: { DOCKER_CONFIG: "/cfg" } },
    );
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("dc", PW, "/cfg/config.json"));
  });

  it("DOCKER_AUTH_CONFIG comes before config.json", async () => {
    const f = fake(everywhere, {
      env: { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "https://ghcr.io": basicAuth("envcfg", PW) } }) },
    });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("envcfg", PW, "DOCKER_AUTH_CONFIG"));
  });

  it("a DOCKER_AUTH_CONFIG that does not parse is ignored (as docker does), with a warning free of it", async () => {
    const f = fake(everywhere, { env: { DOCKER_AUTH_CONFIG: `{"auths": {"ghcr.io": "${JSON_SECRET}"` } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("docker", PW, DOCKER));
    expect(f.warnings).toHaveLength(1);
    expectNoSecret(f.warnings.join("\n"));
  });

  it("then $XDG_RUNTIME_DIR/containers/auth.json", async () => {
    const { [DOCKER]: _, ...rest } = everywhere;
    const f = fake(rest);
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("runtime", PW, RUNTIME_AUTH));
  });

  it("then ~/.config/containers/auth.json", async () => {
    const f = fake({ [CONFIG_AUTH]: everywhere[CONFIG_AUTH] });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("config", PW, CONFIG_AUTH));
  });

  it("$XDG_CONFIG_HOME moves podman's config file", async () => {
    const f = fake(
      { [CONFIG_AUTH]: everywhere[CONFIG_AUTH], "/xdg/containers/auth.json": everywhere[CONFIG_AUTH] },
      { env: { XDG_CONFIG_HOME: "/xdg" } },
    );
    expect((await findCredential(q("ghcr.io"), f.env))?.from).toBe("/xdg/containers/auth.json");
  });

  it("without XDG_RUNTIME_DIR podman's runtime file is /run/containers/UID/auth.json", async () => {
    const f = fake(
      { "/run/containers/1234/auth.json": { auths: { "ghcr.io": basicAuth("uid", PW) } } },
      { env: { XDG_RUNTIME_DIR: "" }, uid: 1234 },
    );
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(
      basic("uid", PW, "/run/containers/1234/auth.json"),
    );
  });

  it("nothing anywhere is anonymous", async () => {
    const f = fake(everywhere);
    expect(await findCredential(q("quay.io"), f.env)).toBeNull();
  });

  it("an already aborted signal stops before reading anything", async () => {
    const f = fake(everywhere);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await expect(findCredential(q("ghcr.io"), f.env, ac.signal)).rejects.toThrow("stop");
  });
});

describe("auths key spellings", () => {
  const hubKeys = [
    "https://index.docker.io/v1/",
    "https://index.docker.io/v1",
    "index.docker.io",
    "docker.io",
    "registry-1.docker.io",
    "https://registry-1.docker.io",
    "http://docker.io/v2/",
    "docker.io/v1/",
    "index.docker.io/v2",
    "HTTPS://INDEX.DOCKER.IO/v1/",
  ];
  it.each(hubKeys)("Docker Hub as %j", async (key) => {
    const f = fake({ [DOCKER]: { auths: { [key]: basicAuth("hub", PW) } } });
    for (const registry of ["docker.io", "index.docker.io", "registry-1.docker.io"]) {
      expect(await findCredential(q(registry, "library/nginx"), f.env)).toEqual(basic("hub", PW, DOCKER));
    }
  });

  it.each([
    "ghcr.io",
    "https://ghcr.io",
    "http://ghcr.io",
    "ghcr.io/v2/",
    "https://ghcr.io/v2/",
    "https://ghcr.io/",
    "GHCR.IO",
  ])("ghcr.io as %j", async (key) => {
    const f = fake({ [DOCKER]: { auths: { [key]: basicAuth("gh", PW) } } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("gh", PW, DOCKER));
  });

  it("ports are part of the registry", async () => {
    const f = fake({
      [DOCKER]: {
        auths: {
          "https://127.0.0.1:5000/v2/": basicAuth("with-port", PW),
          "127.0.0.1": basicAuth("bare", PW),
        },
      },
    });
    expect((await findCredential(q("127.0.0.1:5000"), f.env))?.kind === "basic").toBe(true);
    expect(await findCredential(q("127.0.0.1:5000"), f.env)).toEqual(basic("with-port", PW, DOCKER));
    expect(await findCredential(q("127.0.0.1"), f.env)).toEqual(basic("bare", PW, DOCKER));
    expect(await findCredential(q("127.0.0.1:5001"), f.env)).toBeNull();
  });

  it("Docker Hub's name is not a prefix match for other hosts", async () => {
    const f = fake({ [DOCKER]: { auths: { "docker.io": basicAuth("hub", PW) } } });
    expect(await findCredential(q("docker.io.evil.example"), f.env)).toBeNull();
    expect(await findCredential(q("mydocker.io"), f.env)).toBeNull();
  });

  it("the exact spelling wins a tie between spellings of one registry", async () => {
    const f = fake({
      [DOCKER]: {
        auths: {
          "docker.io": basicAuth("short", PW),
          "https://index.docker.io/v1/": basicAuth("canonical", PW),
        },
      },
    });
    expect(await findCredential(q("docker.io", "library/nginx"), f.env)).toEqual(
      basic("canonical", PW, DOCKER),
    );
  });

  it("podman's files prefer the docker.io spelling in that tie", async () => {
    const f = fake({
      [CONFIG_AUTH]: {
        auths: {
          "https://index.docker.io/v1/": basicAuth("canonical", PW),
          "docker.io": basicAuth("short", PW),
        },
      },
    });
    expect(await findCredential(q("docker.io", "library/nginx"), f.env)).toEqual(
      basic("short", PW, CONFIG_AUTH),
    );
  });

  it("parseAuthKey: URL keys drop their path, bare keys keep a namespace", () => {
    expect(parseAuthKey("https://quay.io/org")).toEqual({ host: "quay.io", path: [] });
    expect(parseAuthKey("quay.io/org/repo/")).toEqual({ host: "quay.io", path: ["org", "repo"] });
    expect(parseAuthKey("registry-1.docker.io/v2/")).toEqual({ host: "docker.io", path: [] });
    expect(parseAuthKey("")).toBeNull();
    expect(parseAuthKey("https:///v2/")).toBeNull();
  });
});

describe("namespace keys (containers auth.json)", () => {
  const file = {
    auths: {
      "quay.io": basicAuth("registry", PW),
      "quay.io/org": basicAuth("namespace", PW),
      "quay.io/org/repo": basicAuth("repository", PW),
    },
  };

  it.each([
    ["org/repo", "repository"],
    ["org/repo/sub", "repository"],
    ["org/other", "namespace"],
    ["organisation/x", "registry"],
    ["other/x", "registry"],
    ["orgrepo", "registry"],
  ])("%s uses the %s key", async (repository, user) => {
    const f = fake({ [CONFIG_AUTH]: file });
    expect(await findCredential(q("quay.io", repository), f.env)).toEqual(basic(user, PW, CONFIG_AUTH));
  });

  it("a namespace key alone does not cover the rest of the registry", async () => {
    const f = fake({ [CONFIG_AUTH]: { auths: { "quay.io/org": basicAuth("namespace", PW) } } });
    expect(await findCredential(q("quay.io", "other/x"), f.env)).toBeNull();
    expect(await findCredential(q("quay.io", "org/x"), f.env)).toEqual(basic("namespace", PW, CONFIG_AUTH));
  });

  it("namespace keys work in docker's config.json too (podman reads it so)", async () => {
    const f = fake({ [DOCKER]: { auths: { "ghcr.io/team": basicAuth("team", PW) } } });
    expect(await findCredential(q("ghcr.io", "team/app"), f.env)).toEqual(basic("team", PW, DOCKER));
    expect(await findCredential(q("ghcr.io", "else/app"), f.env)).toBeNull();
  });

  it("Docker Hub keys use the library/ namespace; a one-part repository gets it", async () => {
    const f = fake({ [CONFIG_AUTH]: { auths: { "docker.io/library": basicAuth("official", PW) } } });
    expect(await findCredential(q("docker.io", "nginx"), f.env)).toEqual(basic("official", PW, CONFIG_AUTH));
    expect(await findCredential(q("docker.io", "library/nginx"), f.env)).toEqual(
      basic("official", PW, CONFIG_AUTH),
    );
    expect(await findCredential(q("docker.io", "someone/nginx"), f.env)).toBeNull();
  });

  it("a more specific entry with nothing in it gives way to a less specific one", async () => {
    const f = fake({ [CONFIG_AUTH]: { auths: { "quay.io/org": {}, "quay.io": basicAuth("registry", PW) } } });
    expect(await findCredential(q("quay.io", "org/x"), f.env)).toEqual(basic("registry", PW, CONFIG_AUTH));
  });
});

describe("auths entries", () => {
  const one = async (entry: unknown, registry = "ghcr.io") => {
    const f = fake({ [DOCKER]: { auths: { [registry]: entry } } });
    return { result: await findCredential(q(registry), f.env), f };
  };

  it("auth is base64 of user:password; the password keeps its colons", async () => {
    expect((await one(basicAuth("alice", PW_COLON))).result).toEqual(basic("alice", PW_COLON, DOCKER));
  });

  it("NUL padding around the password is dropped, as docker does", async () => {
    expect((await one({ auth: b64(`alice:\0${PW}\0\0`) })).result).toEqual(basic("alice", PW, DOCKER));
  });

  it("line breaks inside auth are skipped like Go's decoder does", async () => {
    const auth = b64(`alice:${PW}`);
    expect((await one({ auth: `${auth.slice(0, 8)}\n${auth.slice(8)}` })).result).toEqual(
      basic("alice", PW, DOCKER),
    );
  });

  it("username and password fields", async () => {
    expect((await one({ username: "bob", password: PW })).result).toEqual(basic("bob", PW, DOCKER));
  });

  it("field names match case-insensitively, as Go's JSON decoder does", async () => {
    expect((await one({ Username: "bob", PASSWORD: PW })).result).toEqual(basic("bob", PW, DOCKER));
    expect((await one({ Auth: b64(`carol:${PW}`) })).result).toEqual(basic("carol", PW, DOCKER));
  });

  it("auth overrides username and password fields", async () => {
    expect((await one({ auth: b64(`alice:${PW}`), username: "bob", password: "other" })).result).toEqual(
      basic("alice", PW, DOCKER),
    );
  });

  it("identitytoken makes an identity-token credential with the auth user", async () => {
    expect((await one({ auth: b64("alice:"), identitytoken: ID_TOKEN })).result).toEqual({
      kind: "identity-token",
      username: "alice",
      token: ID_TOKEN,
      from: DOCKER,
    });
  });

  it("registrytoken wins over the others, as in the docker daemon", async () => {
    expect(
      (await one({ auth: b64(`alice:${PW}`), identitytoken: ID_TOKEN, registrytoken: REG_TOKEN })).result,
    ).toEqual({ kind: "registry-token", token: REG_TOKEN, from: DOCKER });
  });

  it.each([{}, null, { auth: "" }, { email: "a@b.c" }])("%j holds no credential", async (entry) => {
    const { result, f } = await one(entry);
    expect(result).toBeNull();
    expect(f.warnings).toEqual([]);
  });

  it("a user name without a password is skipped with a warning", async () => {
    const { result, f } = await one({ username: "bob" });
    expect(result).toBeNull();
    expect(f.warnings).toHaveLength(1);
    expect(f.warnings[0]).toContain(DOCKER);
  });

  it("a credential in podman's file is found after an empty docker entry", async () => {
    const f = fake({
      [DOCKER]: { auths: { "ghcr.io": {} } },
      [CONFIG_AUTH]: { auths: { "ghcr.io": basicAuth("p", PW) } },
    });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("p", PW, CONFIG_AUTH));
  });
});

describe("credential helpers", () => {
  const reply = (user: string, secret: string) => () => ({
    stdout: JSON.stringify({ ServerURL: "x", Username: user, Secret: secret }),
  });
  const notFound = () => ({ stdout: `${NOT_FOUND}\n`, code: 1 });

  it("credHelpers[host] comes before credsStore and auths; the host is the server URL", async () => {
    const f = fake(
      {
        [DOCKER]: {
          credHelpers: { "ghcr.io": "gh" },
          credsStore: "desktop",
          auths: { "ghcr.io": basicAuth("a", PW) },
        },
      },
      { helpers: { gh: reply("alice", HELPER_PW), desktop: reply("d", HELPER_PW) } },
    );
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(
      basic("alice", HELPER_PW, "docker-credential-gh"),
    );
    expect(f.calls).toEqual([{ name: "gh", serverUrl: "ghcr.io" }]);
  });

  it("credHelpers keys are matched in any spelling, and the host keeps its port", async () => {
    const f = fake(
      { [DOCKER]: { credHelpers: { "https://127.0.0.1:5000": "local" } } },
      { helpers: { local: reply("alice", HELPER_PW) } },
    );
    expect(await findCredential(q("127.0.0.1:5000"), f.env)).toEqual(
      basic("alice", HELPER_PW, "docker-credential-local"),
    );
    expect(f.calls).toEqual([{ name: "local", serverUrl: "127.0.0.1:5000" }]);
  });

  it("docker's helpers get https://index.docker.io/v1/ for Docker Hub", async () => {
    const f = fake(
      { [DOCKER]: { credsStore: "desktop" } },
      { helpers: { desktop: reply("alice", HELPER_PW) } },
    );
    await findCredential(q("docker.io", "library/nginx"), f.env);
    expect(f.calls).toEqual([{ name: "desktop", serverUrl: "https://index.docker.io/v1/" }]);
  });

  it("podman's helpers get docker.io for Docker Hub, and credsStore there is ignored", async () => {
    const f = fake(
      { [CONFIG_AUTH]: { credHelpers: { "docker.io": "secretservice" }, credsStore: "desktop" } },
      { helpers: { secretservice: reply("alice", HELPER_PW) } },
    );
    expect(await findCredential(q("docker.io", "library/nginx"), f.env)).toEqual(
      basic("alice", HELPER_PW, "docker-credential-secretservice"),
    );
    expect(f.calls).toEqual([{ name: "secretservice", serverUrl: "docker.io" }]);
  });

  it("credsStore with nothing falls back to the file's auths", async () => {
    const f = fake(
      { [DOCKER]: { credsStore: "pass", auths: { "ghcr.io": basicAuth("file", PW) } } },
      { helpers: { pass: notFound } },
    );
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("file", PW, DOCKER));
    expect(f.calls).toHaveLength(1);
  });

  it("credsStore is asked even without an auths entry", async () => {
    const f = fake({ [DOCKER]: { credsStore: "pass" } }, { helpers: { pass: reply("alice", HELPER_PW) } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(
      basic("alice", HELPER_PW, "docker-credential-pass"),
    );
  });

  it("credHelpers with nothing goes on to the next file, not this file's auths", async () => {
    const f = fake(
      {
        [DOCKER]: { credHelpers: { "ghcr.io": "gh" }, auths: { "ghcr.io": basicAuth("stale", PW) } },
        [CONFIG_AUTH]: { auths: { "ghcr.io": basicAuth("podman", PW) } },
      },
      { helpers: { gh: notFound } },
    );
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("podman", PW, CONFIG_AUTH));
  });

  it('an empty credHelpers value means "use auths", skipping credsStore (docker CLI)', async () => {
    const f = fake({
      [DOCKER]: {
        credHelpers: { "ghcr.io": "" },
        credsStore: "desktop",
        auths: { "ghcr.io": basicAuth("a", PW) },
      },
    });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("a", PW, DOCKER));
    expect(f.calls).toEqual([]);
  });

  it('Username "<token>" means the secret is an identity token', async () => {
    const f = fake(
      { [DOCKER]: { credsStore: "desktop" } },
      { helpers: { desktop: reply("<token>", HELPER_TOKEN) } },
    );
    expect(await findCredential(q("docker.io", "library/nginx"), f.env)).toEqual({
      kind: "identity-token",
      username: "",
      token: HELPER_TOKEN,
      from: "docker-credential-desktop",
    });
  });

  it("an empty secret is no credential", async () => {
    const f = fake({ [DOCKER]: { credsStore: "pass" } }, { helpers: { pass: reply("", "") } });
    expect(await findCredential(q("ghcr.io"), f.env)).toBeNull();
  });

  it('"credentials not found" is no credential, not an error', async () => {
    const f = fake({ [DOCKER]: { credsStore: "pass" } }, { helpers: { pass: notFound } });
    expect(await findCredential(q("ghcr.io"), f.env)).toBeNull();
  });

  it("a missing helper is an error naming the helper, the file and the registry", async () => {
    const f = fake({ [DOCKER]: { credsStore: "desktop", auths: { "ghcr.io": basicAuth("a", PW) } } });
    const e = await userError(findCredential(q("ghcr.io"), f.env));
    expect(e.message).toContain("docker-credential-desktop");
    expect(e.message).toContain("ghcr.io");
    expect(e.message).toContain(DOCKER);
    expect(e.message).toMatch(/not installed/);
  });

  it("a failing helper is an error with its exit code and stderr, never its stdout", async () => {
    const f = fake(
      { [DOCKER]: { credHelpers: { "ghcr.io": "pass" } } },
      {
        helpers: {
          pass: () => ({
            stdout: `oops ${STDOUT_SECRET}`,
            stderr: "gpg: decryption failed: No secret key\nmore",
            code: 3,
          }),
        },
      },
    );
    const e = await userError(findCredential(q("ghcr.io"), f.env));
    expect(e.message).toContain("docker-credential-pass");
    expect(e.message).toContain("ghcr.io");
    expect(e.message).toContain("exit code 3");
    expect(e.message).toContain("gpg: decryption failed");
    expect(e.message).not.toContain("more");
  });

  it.each([
    `not json ${STDOUT_SECRET}`,
    JSON.stringify([STDOUT_SECRET]),
    JSON.stringify({ Username: "alice", Secret: 42 }),
    JSON.stringify({ Username: 7, Secret: STDOUT_SECRET }),
    "",
  ])("output %j is an error that does not repeat it", async (stdout) => {
    const f = fake({ [DOCKER]: { credsStore: "pass" } }, { helpers: { pass: () => ({ stdout }) } });
    const e = await userError(findCredential(q("ghcr.io"), f.env));
    expect(e.message).toContain("docker-credential-pass");
  });

  it.each(["../../bin/sh", "/usr/bin/env", "a b", ""])(
    "helper name %j is refused without running it",
    async (name) => {
      const f = fake({ [DOCKER]: { credHelpers: { "ghcr.io": name || "-x" } } });
      await userError(findCredential(q("ghcr.io"), f.env));
      expect(f.calls).toEqual([]);
    },
  );

  it("a helper rejected by an abort passes the abort on, not a UserError", async () => {
    const ac = new AbortController();
    const env: CredentialEnv = {
      ...fake({ [DOCKER]: { credsStore: "pass" } }).env,
      runHelper: async () => {
        ac.abort(new Error("user pressed q"));
        throw new Error("killed");
      },
    };
    await expect(findCredential(q("ghcr.io"), env, ac.signal)).rejects.toThrow("user pressed q");
  });
});

describe("hostile files", () => {
  const cases: [string, string, RegExp][] = [
    ["invalid JSON", `{"auths": {"ghcr.io": {"auth": "${b64(`alice:${PW}`)}"`, /is not valid JSON/],
    ["a JSON array", JSON.stringify([PW]), /is not a JSON object/],
    ["auths as an array", JSON.stringify({ auths: [PW] }), /"auths" is not an object/],
    [
      "an entry as a string",
      JSON.stringify({ auths: { "ghcr.io": PW } }),
      /auths entry "ghcr.io" is not an object/,
    ],
    [
      "auth as a number",
      JSON.stringify({ auths: { "ghcr.io": { auth: 12 } } }),
      /"auth" of auths entry "ghcr.io"/,
    ],
    [
      "password as an object",
      JSON.stringify({ auths: { "ghcr.io": { username: "a", password: { v: PW } } } }),
      /"password" of auths entry/,
    ],
    ["credHelpers as a string", JSON.stringify({ credHelpers: "pass" }), /"credHelpers" is not an object/],
    [
      "a credHelpers value as a number",
      JSON.stringify({ credHelpers: { "ghcr.io": 1 } }),
      /credHelpers entry/,
    ],
    ["credsStore as a list", JSON.stringify({ credsStore: ["pass"] }), /"credsStore" is not a string/],
    [
      "auth that is not base64",
      JSON.stringify({ auths: { "ghcr.io": { auth: `${PW}!` } } }),
      /not valid base64/,
    ],
    ["auth without a colon", JSON.stringify({ auths: { "ghcr.io": { auth: b64(PW) } } }), /USER:PASSWORD/],
    [
      "auth with an empty user",
      JSON.stringify({ auths: { "ghcr.io": { auth: b64(`:${PW}`) } } }),
      /empty user/,
    ],
  ];

  it.each(cases)("%s is an error naming the file, not its content", async (_what, text, message) => {
    const f = fake({ [DOCKER]: text });
    const e = await userError(findCredential(q("ghcr.io"), f.env));
    expect(e.message).toContain(DOCKER);
    expect(e.message).toMatch(message);
  });

  it("the same holds for podman's files and REGISTRY_AUTH_FILE", async () => {
    for (const [path, env] of [
      [CONFIG_AUTH, {}],
      [RUNTIME_AUTH, {}],
      ["/x/auth.json", { REGISTRY_AUTH_FILE: "/x/auth.json" }],
    ] as const) {
      const f = fake({ [path]: `{"auths": ${PW}` }, { env });
      const e = await userError(findCredential(q("ghcr.io"), f.env));
      expect(e.message).toContain(path);
    }
  });

  it("a file over 4 MiB is refused unparsed", async () => {
    const big = JSON.stringify({
      auths: { "ghcr.io": basicAuth("a", PW) },
      pad: "x".repeat(4 * 1024 * 1024),
    });
    const e = await userError(findCredential(q("ghcr.io"), fake({ [DOCKER]: big }).env));
    expect(e.message).toMatch(/larger than 4 MiB/);
  });

  it("a broken entry for another registry does not matter", async () => {
    const f = fake({ [DOCKER]: { auths: { "quay.io": { auth: "!!!" }, "ghcr.io": basicAuth("a", PW) } } });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("a", PW, DOCKER));
  });

  it.each(["", "  \n", "null", "{}", JSON.stringify({ auths: null, credHelpers: null, credsStore: null })])(
    "%j is an empty config",
    async (text) => {
      expect(await findCredential(q("ghcr.io"), fake({ [DOCKER]: text }).env)).toBeNull();
    },
  );

  it("unrelated docker settings are left alone", async () => {
    const f = fake({
      [DOCKER]: { psFormat: 1, proxies: [], currentContext: "x", auths: { "ghcr.io": basicAuth("a", PW) } },
    });
    expect(await findCredential(q("ghcr.io"), f.env)).toEqual(basic("a", PW, DOCKER));
  });
});

describe("processCredentialEnv with a real helper on PATH", () => {
  let dir: string;
  let savedPath: string | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lv-creds-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const script = [
      "#!/bin/sh",
      '[ "$1" = get ] || exit 2',
      // The server URL comes without a newline, as the docker CLI sends it.
      'IFS= read -r url || [ -n "$url" ] || exit 4',
      'case "$url" in',
      `  lv.example:5000) printf '{"ServerURL":"%s","Username":"alice","Secret":"${HELPER_PW}"}' "$url" ;;`,
      `  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"${HELPER_TOKEN}"}' "$url" ;;`,
      `  slow.example) exec sleep 10 ;;`,
      `  broken.example) echo "${STDOUT_SECRET}"; echo "store locked" >&2; exit 1 ;;`,
      `  *) echo "${NOT_FOUND}"; exit 1 ;;`,
      "esac",
    ].join("\n");
    writeFileSync(join(bin, "docker-credential-lvtest"), `${script}\n`);
    chmodSync(join(bin, "docker-credential-lvtest"), 0o755);
    mkdirSync(join(dir, ".docker"));
    writeFileSync(
      join(dir, ".docker", "config.json"),
      JSON.stringify({
        credHelpers: { "lv.example:5000": "lvtest", "other.example": "lvmissing-0000" },
        credsStore: "lvtest",
      }),
    );
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${savedPath ?? ""}`;
  });

  afterAll(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  // The real readFile and runHelper, but a temporary home instead of the user's.
  const env = (timeoutMs?: number): CredentialEnv => ({
    ...processCredentialEnv(timeoutMs !== undefined ? { helperTimeoutMs: timeoutMs } : {}),
    env: {
      DOCKER_CONFIG: join(dir, ".docker"),
      XDG_RUNTIME_DIR: join(dir, "run"),
      XDG_CONFIG_HOME: join(dir, "cfg"),
    },
    home: dir,
  });

  it("runs docker-credential-NAME get with the server URL on stdin", async () => {
    expect(await findCredential(q("lv.example:5000"), env())).toEqual(
      basic("alice", HELPER_PW, "docker-credential-lvtest"),
    );
    expect(await findCredential(q("docker.io", "library/nginx"), env())).toEqual({
      kind: "identity-token",
      username: "",
      token: HELPER_TOKEN,
      from: "docker-credential-lvtest",
    });
  });

  it("not found is anonymous", async () => {
    expect(await findCredential(q("nothing.example"), env())).toBeNull();
  });

  it("a failure shows stderr, not stdout", async () => {
    const e = await userError(findCredential(q("broken.example"), env()));
    expect(e.message).toContain("store locked");
  });

  it("a helper not on PATH is a UserError", async () => {
    const e = await userError(findCredential(q("other.example"), env()));
    expect(e.message).toContain("docker-credential-lvmissing-0000");
    expect(e.message).toContain("not installed");
  });

  it("a helper that hangs is stopped at the timeout", async () => {
    const started = Date.now();
    const e = await userError(findCredential(q("slow.example"), env(300)));
    expect(e.message).toMatch(/did not answer within 0.3 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("an abort stops a running helper", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("cancelled")), 100);
    await expect(findCredential(q("slow.example"), env(), ac.signal)).rejects.toThrow("cancelled");
  });

  it("readFile reads a file and gives null for a missing one", () => {
    const e = processCredentialEnv();
    expect(e.readFile(join(dir, ".docker", "config.json"))).toContain("lvtest");
    expect(e.readFile(join(dir, "missing.json"))).toBeNull();
    expect(e.readFile(dir)).toBeNull();
  });
});
