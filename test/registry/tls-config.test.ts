import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import {
  allowsPlainHttp,
  certsDirs,
  findRegistryTls,
  processTlsEnv,
  type TlsEnv,
} from "../../src/sources/registry/tls-config.js";

// Throwaway EC P-256 test material (self-signed, made for these tests with openssl).
const CA = `-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUBeaRnkB9a1hofTt1h5fhSGDadK4wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRbGF5ZXJ2aWV3IHRlc3QgQ0EwIBcNMjYxMjAxMjEwMDU4WhgP
MjEyNjExMDcyMTAwNThaMBwxGjAYBgNVBAMMEWxheWVydmlldyB0ZXN0IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5OcIAafVMJVxMNwOCU3HT/BqZ9FZIwtK
Ii0cbCMCfRtMap18NDg7E4hiFxqZYKlHFVPg+Rsmcpfmgmj6XVuajKNTMFEwHQYD
VR0OBBYEFMwPaz+8miiwO6vdeT7nEOApFUqUMB8GA1UdIwQYMBaAFMwPaz+8miiw
O6vdeT7nEOApFUqUMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
AKc2jWb0pEFR1CngkAqZEEsGiVypGihgpWJeVJSZQcSnAiEAtjRmIFbNBZ1ImDNZ
SjhCLf4tfEjYrcjIjt68H1KsQH4=
-----END CERTIFICATE-----
`;
const CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBlzCCAT2gAwIBAgIUO1v6sU2kQhox/ifvogueOUvDqzUwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVbGF5ZXJ2aWV3IHRlc3QgY2xpZW50MCAXDTI2MTIwMTIxMDA1
OFoYDzIxMjYxMTA3MjEwMDU4WjAgMR4wHAYDVQQDDBVsYXllcnZpZXcgdGVzdCBj
bGllbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ5WuMKXmkH5w7U8iY99w48
w4iuJA3WcUFTDbLsRleBWYh8BJzEXfOIXg2vUVDtgGlmcdvPDQYx72fVM9aMiZc+
o1MwUTAdBgNVHQ4EFgQUVAU3gCfSpugNxljon2Vis5nRteAwHwYDVR0jBBgwFoAU
VAU3gCfSpugNxljon2Vis5nRteAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNIADBFAiEAtRHSQLRaX5EHswmtYAF8tv8anblZgQbbFH+pzKYcMu0CIDQ7zMeC
TTIwXaIVHuDoM4izM/fuMu2DCCre6gG3pVca
-----END CERTIFICATE-----
`;
const CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7srUvueah8092Q0N
eiv7kCHiUAm3ya+bpyDKPg3kQCShRANCAAQ5WuMKXmkH5w7U8iY99w48w4iuJA3W
cUFTDbLsRleBWYh8BJzEXfOIXg2vUVDtgGlmcdvPDQYx72fVM9aMiZc+
-----END PRIVATE KEY-----
`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVqlVPK9CLXxsQn2d
emC9bn/yEdQ32jxB2/BLlirEYiahRANCAAThst0H1pCEQpcZMWbIPifGfjkepXTS
zZEk7AH4WcbUwZVI9h4o9kfvASDRckFyPpo+BnSUzr+5dJaJBGZikOhg
-----END PRIVATE KEY-----
`;

const HOME = "/home/u";
const strip = (pem: string) => pem.replace(/\s+/g, "");

interface FakeTls {
  env: TlsEnv;
  warnings: string[];
}

/** Directories are implied by the files in them; `dirs` adds empty ones (or directories named like files). */
function fake(
  files: Record<string, string>,
  opts: { env?: Record<string, string>; dirs?: string[] } = {},
): FakeTls {
  const warnings: string[] = [];
  const dirs = new Set(opts.dirs ?? []);
  const env: TlsEnv = {
    env: opts.env ?? {},
    home: HOME,
    readDir: (path) => {
      const names = new Set<string>();
      for (const p of [...Object.keys(files), ...dirs]) {
        if (p.startsWith(`${path}/`)) names.add(p.slice(path.length + 1).split("/")[0]!);
      }
      return names.size > 0 || dirs.has(path) ? [...names] : null;
    },
    readFile: (path) => (Object.hasOwn(files, path) ? Buffer.from(files[path]!) : null),
    warn: (m) => warnings.push(m),
  };
  return { env, warnings };
}

function userError(fn: () => unknown): UserError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UserError);
  const u = caught as UserError;
  // Key material never appears in a message.
  expect(`${u.message} ${u.hint}`).not.toMatch(/BEGIN|MIG|MIIB/);
  return u;
}

describe("certs.d directories", () => {
  it("are read in docker's then podman's order, all of them", () => {
    expect(certsDirs("127.0.0.1:5000", { env: {}, home: HOME })).toEqual([
      "/etc/docker/certs.d/127.0.0.1:5000",
      "/home/u/.docker/certs.d/127.0.0.1:5000",
      "/home/u/.config/docker/certs.d/127.0.0.1:5000",
      "/etc/containers/certs.d/127.0.0.1:5000",
      "/home/u/.config/containers/certs.d/127.0.0.1:5000",
    ]);
    expect(certsDirs("reg.example", { env: { XDG_CONFIG_HOME: "/xdg" }, home: HOME })).toEqual([
      "/etc/docker/certs.d/reg.example",
      "/home/u/.docker/certs.d/reg.example",
      "/xdg/docker/certs.d/reg.example",
      "/etc/containers/certs.d/reg.example",
      "/home/u/.config/containers/certs.d/reg.example",
      "/xdg/containers/certs.d/reg.example",
    ]);
  });

  it.each(["docker.io", "index.docker.io", "registry-1.docker.io"])(
    "%s uses the docker.io directory",
    (host) => {
      const f = fake({ "/etc/containers/certs.d/docker.io/ca.crt": CA });
      const tls = findRegistryTls(host, f.env);
      expect(tls.from).toEqual(["/etc/containers/certs.d/docker.io"]);
    },
  );

  it("nothing registry-specific means Node's defaults", () => {
    const f = fake(
      { "/etc/docker/certs.d/other.example/ca.crt": CA },
      { dirs: ["/etc/docker/certs.d/reg.example"] },
    );
    expect(findRegistryTls("reg.example", f.env)).toEqual({
      ca: null,
      cert: null,
      key: null,
      from: [],
      caFiles: [],
      certFile: null,
      keyFile: null,
    });
  });

  it("a *.crt is a CA, and the default trust stays in the list", () => {
    const f = fake({ "/etc/docker/certs.d/127.0.0.1:5000/ca.crt": CA });
    const tls = findRegistryTls("127.0.0.1:5000", f.env);
    expect(tls.from).toEqual(["/etc/docker/certs.d/127.0.0.1:5000"]);
    expect(tls.caFiles).toEqual(["/etc/docker/certs.d/127.0.0.1:5000/ca.crt"]);
    const ca = (tls.ca ?? []).map(strip);
    expect(ca).toContain(strip(CA));
    for (const root of rootCertificates.slice(0, 5)) expect(ca).toContain(strip(root));
    expect(ca.length).toBe(rootCertificates.length + 1);
    expect(tls.cert).toBeNull();
  });

  it("merges the system bundle and NODE_EXTRA_CA_CERTS, without duplicates", () => {
    const f = fake(
      {
        "/etc/docker/certs.d/reg.example/ca.crt": CA,
        "/etc/ssl/certs/ca-certificates.crt": `${CLIENT_CERT}${rootCertificates[0]}\n`,
        "/etc/pki/tls/certs/ca-bundle.crt": "not read: the first bundle found is the system's",
        "/opt/extra.pem": `${CA}`,
      },
      { env: { NODE_EXTRA_CA_CERTS: "/opt/extra.pem" } },
    );
    const ca = (findRegistryTls("reg.example", f.env).ca ?? []).map(strip);
    expect(ca).toContain(strip(CLIENT_CERT));
    expect(ca.filter((c) => c === strip(CA))).toHaveLength(1);
    expect(ca.length).toBe(rootCertificates.length + 2);
  });

  it("falls back to the RHEL bundle, and SSL_CERT_FILE overrides the list", () => {
    const rhel = fake({
      "/etc/docker/certs.d/reg.example/ca.crt": CA,
      "/etc/pki/tls/certs/ca-bundle.crt": CLIENT_CERT,
    });
    expect((findRegistryTls("reg.example", rhel.env).ca ?? []).map(strip)).toContain(strip(CLIENT_CERT));
    const custom = fake(
      {
        "/etc/docker/certs.d/reg.example/ca.crt": CA,
        "/etc/ssl/certs/ca-certificates.crt": CLIENT_CERT,
        "/mine.pem": CA,
      },
      { env: { SSL_CERT_FILE: "/mine.pem" } },
    );
    expect((findRegistryTls("reg.example", custom.env).ca ?? []).map(strip)).not.toContain(
      strip(CLIENT_CERT),
    );
  });

  it("every directory that exists contributes", () => {
    const f = fake({
      "/etc/docker/certs.d/reg.example/a.crt": CA,
      "/home/u/.config/containers/certs.d/reg.example/b.crt": CLIENT_CERT,
      "/etc/containers/certs.d/reg.example/readme.txt": "ignored",
    });
    const tls = findRegistryTls("reg.example", f.env);
    expect(tls.from).toEqual([
      "/etc/docker/certs.d/reg.example",
      "/home/u/.config/containers/certs.d/reg.example",
    ]);
    const ca = (tls.ca ?? []).map(strip);
    expect(ca).toContain(strip(CA));
    expect(ca).toContain(strip(CLIENT_CERT));
  });

  it("a bundle .crt with several certificates adds them all", () => {
    const f = fake({ "/etc/docker/certs.d/reg.example/bundle.crt": `${CA}\n${CLIENT_CERT}` });
    const ca = (findRegistryTls("reg.example", f.env).ca ?? []).map(strip);
    expect(ca).toContain(strip(CA));
    expect(ca).toContain(strip(CLIENT_CERT));
  });

  it("a .crt without a certificate is skipped with a warning (dockerd ignores it silently)", () => {
    const f = fake({ "/etc/docker/certs.d/reg.example/ca.crt": "DER bytes, not PEM" });
    const tls = findRegistryTls("reg.example", f.env);
    expect(tls.ca).toBeNull();
    expect(tls.from).toEqual([]);
    expect(f.warnings.join("\n")).toContain("/etc/docker/certs.d/reg.example/ca.crt");
  });

  it("a corrupt certificate inside a .crt is skipped, the good ones kept", () => {
    const broken = CA.replace("MIIBkDCC", "MIIBkXXX");
    const f = fake({ "/etc/docker/certs.d/reg.example/ca.crt": `${broken}${CLIENT_CERT}` });
    const ca = (findRegistryTls("reg.example", f.env).ca ?? []).map(strip);
    expect(ca).toContain(strip(CLIENT_CERT));
    expect(ca).not.toContain(strip(broken));
    expect(f.warnings).toHaveLength(1);
  });

  it("a directory named *.crt is not a CA", () => {
    const f = fake({}, { dirs: ["/etc/docker/certs.d/reg.example/sub.crt"] });
    expect(findRegistryTls("reg.example", f.env).ca).toBeNull();
  });
});

describe("client certificates", () => {
  const dir = "/etc/docker/certs.d/reg.example:5000";

  it("NAME.cert + NAME.key is the client pair", () => {
    const f = fake({ [`${dir}/client.cert`]: CLIENT_CERT, [`${dir}/client.key`]: CLIENT_KEY });
    const tls = findRegistryTls("reg.example:5000", f.env);
    expect(tls.cert).toBe(CLIENT_CERT);
    expect(tls.key).toBe(CLIENT_KEY);
    expect(tls.certFile).toBe(`${dir}/client.cert`);
    expect(tls.keyFile).toBe(`${dir}/client.key`);
    expect(tls.from).toEqual([dir]);
    expect(tls.ca).toBeNull();
  });

  it("a .cert without its .key is an error naming the file, as in dockerd", () => {
    const f = fake({ [`${dir}/client.cert`]: CLIENT_CERT, [`${dir}/other.key`]: OTHER_KEY });
    const e = userError(() => findRegistryTls("reg.example:5000", f.env));
    expect(e.message).toContain(`${dir}/client.cert`);
    expect(e.message).toContain("client.key");
    expect(e.hint).toContain(".crt");
  });

  it("a .key without its .cert is an error too", () => {
    const f = fake({ [`${dir}/client.key`]: CLIENT_KEY });
    const e = userError(() => findRegistryTls("reg.example:5000", f.env));
    expect(e.message).toContain(`${dir}/client.key`);
    expect(e.message).toContain("client.cert");
  });

  it("a key that does not belong to the certificate is an error", () => {
    const f = fake({ [`${dir}/client.cert`]: CLIENT_CERT, [`${dir}/client.key`]: OTHER_KEY });
    const e = userError(() => findRegistryTls("reg.example:5000", f.env));
    expect(e.message).toMatch(/does not belong/);
  });

  it("files that are not PEM are errors that do not quote them", () => {
    const badCert = fake({ [`${dir}/c.cert`]: "MIIBgarbage", [`${dir}/c.key`]: CLIENT_KEY });
    expect(userError(() => findRegistryTls("reg.example:5000", badCert.env)).message).toContain(
      `${dir}/c.cert`,
    );
    const badKey = fake({ [`${dir}/c.cert`]: CLIENT_CERT, [`${dir}/c.key`]: "MIGHgarbage" });
    expect(userError(() => findRegistryTls("reg.example:5000", badKey.env)).message).toContain(
      `${dir}/c.key`,
    );
  });

  it("the first pair in directory and name order is used", () => {
    const f = fake({
      [`${dir}/b.cert`]: CLIENT_CERT,
      [`${dir}/b.key`]: CLIENT_KEY,
      "/etc/containers/certs.d/reg.example:5000/a.cert": CLIENT_CERT,
      "/etc/containers/certs.d/reg.example:5000/a.key": CLIENT_KEY,
    });
    expect(findRegistryTls("reg.example:5000", f.env).certFile).toBe(`${dir}/b.cert`);
  });

  it("a CA and a pair together", () => {
    const f = fake({
      [`${dir}/ca.crt`]: CA,
      [`${dir}/client.cert`]: CLIENT_CERT,
      [`${dir}/client.key`]: CLIENT_KEY,
    });
    const tls = findRegistryTls("reg.example:5000", f.env);
    expect(tls.cert).toBe(CLIENT_CERT);
    expect((tls.ca ?? []).map(strip)).toContain(strip(CA));
    expect(tls.from).toEqual([dir]);
  });
});

describe("registry names", () => {
  it.each(["../../etc", "a/b", "", "..", "reg.example\0"])("%j is refused", (name) => {
    userError(() => findRegistryTls(name, fake({}).env));
  });

  it("IPv6 registries use the bracketed directory name", () => {
    const f = fake({ "/etc/docker/certs.d/[::1]:5000/ca.crt": CA });
    expect(findRegistryTls("[::1]:5000", f.env).from).toEqual(["/etc/docker/certs.d/[::1]:5000"]);
  });
});

describe("processTlsEnv", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lv-tls-"));
    mkdirSync(join(dir, "reg.example"));
    writeFileSync(join(dir, "reg.example", "ca.crt"), CA);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists directories and reads files, null for missing ones", () => {
    const env = processTlsEnv();
    expect(env.readDir(join(dir, "reg.example"))).toEqual(["ca.crt"]);
    expect(env.readDir(join(dir, "missing"))).toBeNull();
    expect(env.readFile(join(dir, "reg.example", "ca.crt"))?.toString()).toBe(CA);
    expect(env.readFile(join(dir, "missing"))).toBeNull();
  });
});

describe("allowsPlainHttp", () => {
  it.each([
    "localhost",
    "localhost:5000",
    "LOCALHOST:5000",
    "127.0.0.1",
    "127.0.0.5:5000",
    "127.255.255.254:80",
    "[::1]",
    "[::1]:5000",
    "::1",
    "[::ffff:127.0.0.1]:5000",
  ])("loopback %s is allowed by default", (registry) => {
    expect(allowsPlainHttp(registry, [])).toBe(true);
  });

  it.each(["ghcr.io", "docker.io", "10.1.2.3:5000", "128.0.0.1:5000", "[::2]:5000", "localhost.example.com"])(
    "%s is not",
    (registry) => {
      expect(allowsPlainHttp(registry, [])).toBe(false);
    },
  );

  it("host:port entries match exactly", () => {
    expect(allowsPlainHttp("reg.lan:5000", ["reg.lan:5000"])).toBe(true);
    expect(allowsPlainHttp("reg.lan:5001", ["reg.lan:5000"])).toBe(false);
    expect(allowsPlainHttp("reg.lan", ["reg.lan:5000"])).toBe(false);
  });

  it("host entries match every port", () => {
    expect(allowsPlainHttp("reg.lan", ["reg.lan"])).toBe(true);
    expect(allowsPlainHttp("reg.lan:5000", ["REG.LAN"])).toBe(true);
    expect(allowsPlainHttp("other.lan:5000", ["reg.lan"])).toBe(false);
    expect(allowsPlainHttp("sub.reg.lan", ["reg.lan"])).toBe(false);
  });

  it("a scheme or trailing slash on an entry is tolerated", () => {
    expect(allowsPlainHttp("reg.lan:5000", ["http://reg.lan:5000/"])).toBe(true);
  });

  it("CIDR entries match IP registries", () => {
    expect(allowsPlainHttp("10.1.2.3:5000", ["10.0.0.0/8"])).toBe(true);
    expect(allowsPlainHttp("10.1.2.3", ["10.0.0.0/8"])).toBe(true);
    expect(allowsPlainHttp("11.1.2.3:5000", ["10.0.0.0/8"])).toBe(false);
    expect(allowsPlainHttp("192.168.1.77:5000", ["192.168.1.0/24"])).toBe(true);
    expect(allowsPlainHttp("[fd00::12]:5000", ["fd00::/8"])).toBe(true);
    expect(allowsPlainHttp("[fe80::12]:5000", ["fd00::/8"])).toBe(false);
    expect(allowsPlainHttp("10.1.2.3:5000", ["fd00::/8"])).toBe(false);
  });

  it("CIDR entries do not match host names (no DNS here)", () => {
    expect(allowsPlainHttp("reg.lan:5000", ["0.0.0.0/0"])).toBe(false);
  });

  it("IPv6 host entries", () => {
    expect(allowsPlainHttp("[fd00::12]:5000", ["[fd00::12]:5000"])).toBe(true);
    expect(allowsPlainHttp("[fd00::12]:5000", ["fd00::12"])).toBe(true);
    expect(allowsPlainHttp("[fd00::12]:5000", ["[fd00::12]:5001"])).toBe(false);
  });

  it.each(["10.0.0.0/33", "example.com/8", "10.0.0.0/x"])("entry %j is an error", (entry) => {
    const e = userError(() => allowsPlainHttp("10.1.2.3:5000", [entry]));
    expect(e.message).toContain(entry);
  });
});
