import { describe, expect, it } from "vitest";
import { threadsFromEnv } from "../../src/cli/io.js";
import { UserError } from "../../src/model/diagnostics.js";

describe("LAYERVIEW_THREADS", () => {
  it("unset or empty: the default (one per core)", () => {
    expect(threadsFromEnv(undefined)).toBeUndefined();
    expect(threadsFromEnv("")).toBeUndefined();
  });

  it("a count, 0 included", () => {
    expect(threadsFromEnv("0")).toBe(0);
    expect(threadsFromEnv("2")).toBe(2);
    expect(threadsFromEnv("256")).toBe(256);
  });

  it("anything else is one clear error naming the variable", () => {
    for (const bad of ["-1", "two", "1.5", "257", "99999999999", " 2", "\u001b[31m"]) {
      let err: unknown;
      try {
        threadsFromEnv(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(/^LAYERVIEW_THREADS=".*" is not a number of threads$/);
      expect((err as UserError).message).not.toContain("\u001b");
    }
  });
});
