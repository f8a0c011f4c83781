import { describe, expect, it } from "vitest";
import { UserError } from "../../src/model/diagnostics.js";
import { parseRegistryReference } from "../../src/sources/registry/reference.js";

const D = `sha256:${"ab".repeat(32)}`;

describe("parseRegistryReference: what docker pull accepts", () => {
  it.each([
    ["nginx", "docker.io", "registry-1.docker.io", "library/nginx", "latest", null, "nginx:latest"],
    ["nginx:1.27", "docker.io", "registry-1.docker.io", "library/nginx", "1.27", null, "nginx:1.27"],
    [
      "bitnami/redis",
      "docker.io",
      "registry-1.docker.io",
      "bitnami/redis",
      "latest",
      null,
      "bitnami/redis:latest",
    ],
    [
      "docker.io/library/nginx",
      "docker.io",
      "registry-1.docker.io",
      "library/nginx",
      "latest",
      null,
      "nginx:latest",
    ],
    [
      "index.docker.io/nginx",
      "docker.io",
      "registry-1.docker.io",
      "library/nginx",
      "latest",
      null,
      "nginx:latest",
    ],
    ["ghcr.io/org/app:1.2", "ghcr.io", "ghcr.io", "org/app", "1.2", null, "ghcr.io/org/app:1.2"],
    ["localhost/x", "localhost", "localhost", "x", "latest", null, "localhost/x:latest"],
    ["localhost:5000/x", "localhost:5000", "localhost:5000", "x", "latest", null, "localhost:5000/x:latest"],
    [
      "127.0.0.1:5000/team/app",
      "127.0.0.1:5000",
      "127.0.0.1:5000",
      "team/app",
      "latest",
      null,
      "127.0.0.1:5000/team/app:latest",
    ],
    [
      "Registry.Example.COM/a/b:t",
      "registry.example.com",
      "registry.example.com",
      "a/b",
      "t",
      null,
      "registry.example.com/a/b:t",
    ],
  ])("%s", (input, registry, apiHost, repository, tag, digest, familiar) => {
    const r = parseRegistryReference(input);
    expect(r).toMatchObject({ registry, apiHost, repository, tag, digest, familiar, manifestRef: tag });
  });

  it("fetches by digest when a tag and a digest are both given, and keeps both in the name", () => {
    const r = parseRegistryReference(`host:5000/team/app:1.4@${D}`);
    expect(r).toMatchObject({
      registry: "host:5000",
      repository: "team/app",
      tag: "1.4",
      digest: D,
      manifestRef: D,
    });
    expect(r.canonical).toBe(`host:5000/team/app:1.4@${D}`);
    const d = parseRegistryReference(`nginx@${D}`);
    expect(d).toMatchObject({ tag: null, manifestRef: D, familiar: `nginx@${D}` });
  });

  it.each([
    ["", /empty/],
    ["Nginx", /lowercase/],
    ["abcdef0123456789", /image ID/],
    ["host:5000/app@sha256:abc", /NAME@DIGEST|not a valid/],
    [`app@sha512:${"a".repeat(128)}`, /only sha256/],
    ["a b", /not a valid/],
  ])("refuses %j", (input, message) => {
    const run = () => parseRegistryReference(input);
    expect(run).toThrow(UserError);
    expect(run).toThrow(message);
  });
});
