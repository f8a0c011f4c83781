import { describe, expect, test } from "vitest";
import { formatBytes } from "../../src/model/format-bytes.js";

describe("formatBytes: decimal units, three significant digits, as docker prints sizes", () => {
  test("bytes below 1 kB are whole bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(12.4)).toBe("12 B");
  });

  test("one decimal below 10 of a unit, none from 10 up", () => {
    expect(formatBytes(1200)).toBe("1.2 kB");
    expect(formatBytes(7000)).toBe("7.0 kB");
    expect(formatBytes(32_025)).toBe("32 kB");
    expect(formatBytes(886_624)).toBe("887 kB");
    expect(formatBytes(34_000_000)).toBe("34 MB");
    expect(formatBytes(1_073_741_824)).toBe("1.1 GB");
  });

  test("a value that rounds to 1000 of a unit is shown in the next", () => {
    expect(formatBytes(999.6)).toBe("1.0 kB");
    expect(formatBytes(999_999)).toBe("1.0 MB");
    expect(formatBytes(9_960)).toBe("10 kB");
  });

  test("negative sizes keep their sign; what is not a number is '?'", () => {
    expect(formatBytes(-3)).toBe("-3 B");
    expect(formatBytes(-1234)).toBe("-1.2 kB");
    expect(formatBytes(Number.NaN)).toBe("?");
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe("?");
  });
});
