import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

const DIR = new URL("./__golden__/", import.meta.url);

/**
 * Compare a frame with test/ui/__golden__/<name>.txt. `UPDATE_GOLDEN=1 npx vitest run test/ui`
 * rewrites them; review the diff like code.
 */
export function expectGolden(name: string, frame: string): void {
  const file = new URL(`${name}.txt`, DIR);
  const text = `${frame.replace(/\s+$/, "")}\n`;
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file))
    throw new Error(`no golden frame ${name}.txt: run with UPDATE_GOLDEN=1 and review it`);
  expect(text, `frame differs from __golden__/${name}.txt (UPDATE_GOLDEN=1 to accept)`).toBe(
    readFileSync(file, "utf8"),
  );
}
