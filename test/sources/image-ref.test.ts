import { describe, expect, test } from "vitest";
import { familiarName, hasTagOrDigest, normalizeName, repoOf } from "../../src/sources/image-ref.js";

describe("image names, normalised in one place", () => {
  test("familiar names drop Docker Hub's host and library/, as the docker CLI shows them", () => {
    expect(familiarName("docker.io/library/app:1")).toBe("app:1");
    expect(familiarName("index.docker.io/org/app:1")).toBe("org/app:1");
    expect(familiarName("ghcr.io/org/app:1")).toBe("ghcr.io/org/app:1");
    expect(familiarName("library/app:1")).toBe("library/app:1");
  });

  test("names for matching also drop a bare library/", () => {
    for (const n of ["docker.io/library/app", "library/app", "app", "index.docker.io/library/app"]) {
      expect(normalizeName(n), n).toBe("app");
    }
    expect(normalizeName("quay.io/library/app")).toBe("quay.io/library/app");
  });

  test("a tag or digest, not a registry port, makes a name specific; repoOf cuts them off", () => {
    expect(hasTagOrDigest("app:1")).toBe(true);
    expect(hasTagOrDigest("app@sha256:abc")).toBe(true);
    expect(hasTagOrDigest("host:5000/app")).toBe(false);
    expect(repoOf("host:5000/app:1")).toBe("host:5000/app");
    expect(repoOf("host:5000/app@sha256:abc")).toBe("host:5000/app");
    expect(repoOf("app")).toBe("app");
  });
});
