import { describe, expect, it } from "vitest";
import { formatPullEvent } from "../../../src/sources/daemon/pull.js";

describe("pull progress", () => {
  it("formats pull events", () => {
    expect(formatPullEvent({ status: "Pull complete", id: "abc" })).toBe("abc: Pull complete");
    expect(
      formatPullEvent({
        status: "Extracting",
        id: "abc",
        progressDetail: { current: 2_500_000, total: 10_000_000 },
      }),
    ).toBe("abc: Extracting 2.5 MB / 10 MB");
    expect(formatPullEvent({})).toBeNull();
    expect(formatPullEvent({ error: "boom" })).toBe("error: boom");
  });
});
