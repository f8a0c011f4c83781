import { describe, expect, it } from "vitest";
import { compareImages } from "../../src/model/compare.js";
import { diffOfComparison } from "../../src/model/diff.js";
import { diffJson, diffText } from "../../src/report/diff-report.js";
import { modelOf } from "../model/helpers.js";

const a = modelOf([[{ name: "usr/lib/libssl.so", content: "s".repeat(100) }]]);
const b = modelOf([[{ name: "usr/lib/libssl.so", content: "S".repeat(120) }]]);

describe("diff report: package changes, the comparison's", () => {
  it("no package database in either image: no Packages section, empty lists in the JSON", () => {
    const d = diffOfComparison(compareImages(a, b));
    expect(d.packages).toBeUndefined();
    expect(diffText(d, a, b)).not.toContain("Packages");
    expect(diffJson(d, a, b).packages).toEqual({ added: [], removed: [], upgraded: [] });
  });

  it("prints the comparison's lists, in its order, in the text and the JSON", () => {
    const c = compareImages(a, b);
    const change = (
      name: string,
      from: string | null,
      to: string | null,
      size: number | null,
      delta: number | null,
    ) => ({
      key: `dpkg:${name}`,
      manager: "dpkg" as const,
      name,
      from,
      to,
      installedSize: size,
      sizeDelta: delta,
    });
    c.packages = {
      added: [change("curl", null, "8.5.0-2", 500_000, 500_000)],
      removed: [change("wget", "1.21", null, null, null)],
      upgraded: [
        change("libssl3", "3.0.11-1", "3.0.13-1", 6_000_020, 20),
        change("tzdata", "2024a", "2023c", 10, -5),
      ],
    };
    const d = diffOfComparison(c);
    const text = diffText(d, a, b);
    expect(text.match(/^Packages.*$/gm)).toEqual(["Packages 1 added, 1 removed, 2 upgraded"]);
    expect(text).toContain("  + curl 8.5.0-2 (dpkg, 500 kB)\n  - wget 1.21 (dpkg)\n");
    expect(text).toContain(
      "  ~ libssl3 3.0.11-1 → 3.0.13-1 (dpkg, 6.0 MB, +20 B)\n  ~ tzdata 2024a → 2023c (dpkg, 10 B, -5 B)",
    );
    expect(diffJson(d, a, b).packages).toEqual({
      added: [
        {
          manager: "dpkg",
          name: "curl",
          from: null,
          to: "8.5.0-2",
          installedSize: 500_000,
          sizeDelta: 500_000,
        },
      ],
      removed: [
        { manager: "dpkg", name: "wget", from: "1.21", to: null, installedSize: null, sizeDelta: null },
      ],
      upgraded: [
        {
          manager: "dpkg",
          name: "libssl3",
          from: "3.0.11-1",
          to: "3.0.13-1",
          installedSize: 6_000_020,
          sizeDelta: 20,
        },
        { manager: "dpkg", name: "tzdata", from: "2024a", to: "2023c", installedSize: 10, sizeDelta: -5 },
      ],
    });
  });
});
