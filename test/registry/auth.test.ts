import { describe, expect, it } from "vitest";
import { decodeTokenAnswer, parseChallenges } from "../../src/sources/registry/auth.js";
import { retryAfterMs } from "../../src/sources/registry/client.js";

describe("parseChallenges", () => {
  it("reads a bearer challenge with quoted params", () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/nginx:pull",
        },
      },
    ]);
  });

  it("reads several challenges, in one header or several, and escaped quotes", () => {
    const both = parseChallenges('Basic realm="Registry Realm", Bearer realm="https://t/x",service=reg');
    expect(both.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(both[0]!.params.realm).toBe("Registry Realm");
    expect(both[1]!.params).toEqual({ realm: "https://t/x", service: "reg" });
    expect(parseChallenges(['Basic realm="a\\"b"', 'Bearer realm="r"']).map((c) => c.params.realm)).toEqual([
      'a"b',
      "r",
    ]);
  });

  it("survives garbage without throwing", () => {
    for (const junk of ["", ",,,", '=""', 'Bearer realm="unterminated', "Bearer ====", "\u0000\u0001"]) {
      expect(() => parseChallenges(junk)).not.toThrow();
    }
    expect(parseChallenges(undefined)).toEqual([]);
  });
});

describe("decodeTokenAnswer", () => {
  it("takes token or access_token, expires_in defaulting to 60", () => {
    expect(decodeTokenAnswer({ token: "abc" }, "h")).toEqual({
      token: "abc",
      expiresIn: 60,
      refreshToken: null,
    });
    expect(decodeTokenAnswer({ access_token: "x", expires_in: 300, refresh_token: "r" }, "h")).toEqual({
      token: "x",
      expiresIn: 300,
      refreshToken: "r",
    });
  });

  it("refuses answers without a usable token, and never echoes what it got", () => {
    for (const bad of [
      null,
      [],
      "tok",
      { token: "" },
      { token: 5 },
      { token: "a b" },
      { token: "x".repeat(70_000) },
    ]) {
      expect(() => decodeTokenAnswer(bad, "auth.example")).toThrow(/auth\.example/);
    }
    try {
      decodeTokenAnswer({ token: "secret value" }, "h");
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("secret");
    }
  });
});

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(
      10_000,
    );
    expect(retryAfterMs(undefined)).toBeNull();
    expect(retryAfterMs("soon")).toBeNull();
    expect(retryAfterMs(["2", "9"])).toBe(2000);
  });
});
