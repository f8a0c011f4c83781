import { describe, expect, test } from "vitest";
import { EntryType } from "../../../src/model/layer-contents.js";
import { formatBytes, formatCount, formatMode, shortDigest } from "../../../src/ui/render/format.js";
import {
  displayWidth,
  fit as fitCells,
  sanitize,
  truncate,
  truncateStart,
  wrap,
} from "../../../src/ui/render/text.js";
import { paintLine, stripAnsi } from "../../../src/ui/render/theme.js";

describe("text", () => {
  test("widths count cells", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("├─ ✗L7")).toBe(6);
    expect(displayWidth("日本")).toBe(4);
    expect(displayWidth("e\u0301")).toBe(1);
  });

  test("emoji take two cells, sequences of them too (the old hand-written table missed these)", () => {
    expect(displayWidth("🚀")).toBe(2);
    expect(displayWidth("✅ ok")).toBe(5);
    expect(displayWidth("👨‍👩‍👧")).toBe(2);
    expect(displayWidth("👍🏽")).toBe(2);
    expect(truncate("🚀🚀🚀", 5)).toBe("🚀🚀…");
    expect(truncateStart("a🚀b🚀", 4)).toBe("…b🚀");
    expect(fitCells("👨‍👩‍👧x", 4)).toBe("👨‍👩‍👧x ");
  });

  test("truncate and fit", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
    expect(truncate("日本語", 5)).toBe("日本…");
    expect(truncateStart("/usr/lib/libc.so", 8)).toBe("…libc.so");
    expect(fitCells("ab", 4)).toBe("ab  ");
  });

  test("control characters in names are shown escaped, never sent to the terminal", () => {
    expect(sanitize("a\nb\u001b[31m")).toBe("a\\nb\\x1b[31m");
    expect(sanitize("plain")).toBe("plain");
  });

  test("wrap breaks at spaces, splits long words, and marks cut text", () => {
    expect(wrap("RUN apt-get update && apt-get install -y curl", 20)).toEqual([
      "RUN apt-get update",
      "&& apt-get install",
      "-y curl",
    ]);
    expect(wrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrap("one two three four", 9, 2)).toEqual(["one two", "three…"]);
  });

  test("paintLine fits segments to the width and styles only with colour", () => {
    const line = [{ text: "+ ", style: { fg: "green" as const } }, { text: "added-file.txt" }];
    expect(stripAnsi(paintLine(line, 10, true))).toBe("+ added-f…");
    expect(paintLine(line, 20, false)).toBe("+ added-file.txt    ");
    expect(paintLine(line, 20, true)).toContain("\u001b[32m+ \u001b[0m");
    expect(paintLine(line, 20, false, { inverse: true })).toContain("\u001b[7m");
    expect(paintLine(line, 20, false, { inverse: true })).not.toContain("[32m");
  });
});

describe("format", () => {
  test("bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1200)).toBe("1.2 kB");
    expect(formatBytes(34_000_000)).toBe("34 MB");
    expect(formatBytes(999_999)).toBe("1.0 MB");
    expect(formatCount(1234567)).toBe("1,234,567");
  });

  test("modes like ls", () => {
    expect(formatMode(EntryType.Dir, 0o755)).toBe("drwxr-xr-x");
    expect(formatMode(EntryType.File, 0o644)).toBe("-rw-r--r--");
    expect(formatMode(EntryType.Symlink, 0o777)).toBe("lrwxrwxrwx");
    expect(formatMode(EntryType.Dir, 0o1777)).toBe("drwxrwxrwt");
    expect(formatMode(EntryType.File, 0o4755)).toBe("-rwsr-xr-x");
    expect(formatMode(EntryType.File, 0o2644)).toBe("-rw-r-Sr--");
  });

  test("digests", () => {
    expect(shortDigest("sha256:0123456789abcdef")).toBe("sha256:0123456789ab");
    expect(shortDigest(null)).toBe("—");
  });
});

describe("created times", () => {
  test("shows engines' RFC 3339 times in UTC to the second", async () => {
    const { formatCreated } = await import("../../../src/ui/panes/layer-details-pane.js");
    expect(formatCreated("2025-01-26T22:54:00.500849935+01:00")).toBe("2025-01-26 21:54:00 UTC");
    expect(formatCreated("2018-12-28T16:50:51.123Z")).toBe("2018-12-28 16:50:51 UTC");
    expect(formatCreated("not a time")).toBe("not a time");
  });
});
