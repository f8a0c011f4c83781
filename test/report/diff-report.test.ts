import { describe, expect, it } from "vitest";
import { compareImages } from "../../src/model/compare.js";
import { diffOfComparison } from "../../src/model/diff.js";
import { diffJson, diffText } from "../../src/report/diff-report.js";
import { modelOf } from "../model/helpers.js";

const a = modelOf([[{ name: "usr/lib/libssl.so", content: "s".repeat(100) }]]);
const b = modelOf([[{ name: "usr/lib/libssl.so", content: "S".repeat(120) }]]);

describe("diff report: package changes, where the comparison has them", () => {
  it("lists nothing of packages while no package readers fill them", () => {
    const d = diffOfComparison(compareImages(a, b));
    expect(diffText(d, a, b)).not.toContain("Packages");
    expect(diffJson(d, a, b)).not.toHaveProperty("packages");
  });

  it("lists them in the text and the JSON when they are there", () => {
    const c = compareImages(a, b);
    c.packages = {
      added: [{ name: "curl", manager: "dpkg", version: "8.5.0-2", size: 500_000 }],
      removed: [],
      upgraded: [{ name: "libssl3", manager: "dpkg", from: "3.0.11-1", to: "3.0.13-1", sizeDelta: 20 }],
    };
    const d = diffOfComparison(c);
    const text = diffText(d, a, b);
    expect(text).toContain("Packages  1 added, 0 removed, 1 upgraded");
    expect(text).toContain("  + curl 8.5.0-2 (dpkg, 500 kB)");
    expect(text).toContain("  ~ libssl3 3.0.11-1 → 3.0.13-1 (dpkg, +20 B)");
    expect(diffJson(d, a, b).packages).toEqual(c.packages);
  });
});
