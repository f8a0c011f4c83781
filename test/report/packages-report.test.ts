import { describe, expect, it } from "vitest";
import type { PackageChange } from "../../src/model/packages.js";
import { diffPackagesText } from "../../src/report/packages-report.js";

const change = (name: string, from: string | null, to: string | null): PackageChange => ({
  key: `dpkg:${name}`,
  manager: "dpkg",
  name,
  from,
  to,
  installedSize: 1024,
  sizeDelta: 1024,
});

describe("package changes in text", () => {
  it("show names and versions from a hostile database escaped, never as terminal controls", () => {
    const lines = diffPackagesText(
      {
        added: [change("evil\u001b]52;c;AAAA\u0007", null, "1.0")],
        removed: [],
        upgraded: [change("libx", "1\u001b[2J", "2")],
      },
      10,
    );
    const text = lines.join("\n");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain("evil\\x1b]52;c;AAAA\\x07");
    expect(text).toContain("1\\x1b[2J");
  });
});
