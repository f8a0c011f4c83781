import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

/**
 * The real image archives built by others live in ../shared/fixtures/real beside the repository
 * (so in CI). On a machine without them those tests are skipped, saying so; with
 * LAYERVIEW_REQUIRE_REAL_FIXTURES=1 (set by .ci/run) they run and fail if the files are missing.
 */
export const realFixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/fixtures/real");
const present = existsSync(join(realFixturesDir, "test-docker-image.tar"));
const required = process.env.LAYERVIEW_REQUIRE_REAL_FIXTURES === "1";
/** Whether tests on the real fixtures run here (present, or required and so failing loudly). */
export const useRealFixtures = present || required;
const reason = `[skipped: no real fixtures at ${realFixturesDir}]`;

export const realFixture = (name: string): string => join(realFixturesDir, name);

/** `describe` for suites on the real fixtures; when skipped, their bodies are not even collected. */
export function describeReal(name: string, body: () => void): void {
  if (useRealFixtures) describe(name, body);
  else describe.skip(`${name} ${reason}`, () => it("needs ../shared/fixtures/real", () => {}));
}

/** `it` for single tests on the real fixtures. */
export function itReal(name: string, body: () => unknown, timeout?: number): void {
  if (useRealFixtures) it(name, body, timeout);
  else it.skip(`${name} ${reason}`, () => {});
}
