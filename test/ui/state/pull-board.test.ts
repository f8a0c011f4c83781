/** The --pull board: rows in order of first appearance, updated in place, header and latest line apart. */
import { describe, expect, test } from "vitest";
import { MAX_PULL_LAYERS, type PullUpdate } from "../../../src/model/pull-progress.js";
import { applyPullUpdate, type PullBoard } from "../../../src/ui/state/pull-board.js";

const u = (id: string | null, status: string, current: number | null = null, total: number | null = null) =>
  ({ id, status, current, total }) satisfies PullUpdate;
const board = (...updates: PullUpdate[]) => updates.reduce<PullBoard | null>(applyPullUpdate, null)!;

describe("the pull board", () => {
  test("as docker pull shows it: the header, a row per layer in place, the latest line", () => {
    const b = board(
      u(null, "pulling app:1 with Docker (unix:///run/docker.sock)"),
      u("1", "Pulling from team/app"),
      u("aaa", "Pulling fs layer"),
      u("bbb", "Pulling fs layer"),
      u("aaa", "Downloading", 10, 100),
      u("bbb", "Already exists"),
      u("aaa", "Downloading", 60, 100),
      u(null, "Digest: sha256:0123"),
      u(null, "Status: Downloaded newer image for team/app:1"),
    );
    expect(b.header).toEqual([
      "pulling app:1 with Docker (unix:///run/docker.sock)",
      "1: Pulling from team/app",
    ]);
    expect(b.layers).toEqual([
      { id: "aaa", status: "Downloading", current: 60, total: 100 },
      { id: "bbb", status: "Already exists", current: null, total: null },
    ]);
    expect(b.latest).toBe("Status: Downloaded newer image for team/app:1");
  });

  test("an update leaves the board it came to as it was", () => {
    const before = board(u("aaa", "Waiting"));
    const after = applyPullUpdate(before, u("aaa", "Downloading", 1, 2));
    expect(before.layers[0]!.status).toBe("Waiting");
    expect(after.layers[0]!.status).toBe("Downloading");
  });

  test("at most MAX_PULL_LAYERS rows; the rows there keep updating", () => {
    let b: PullBoard | null = null;
    for (let i = 0; i <= MAX_PULL_LAYERS + 10; i++) b = applyPullUpdate(b, u(`l${i}`, "Waiting"));
    b = applyPullUpdate(b, u("l0", "Pull complete"));
    expect(b.layers).toHaveLength(MAX_PULL_LAYERS);
    expect(b.layers[0]!.status).toBe("Pull complete");
  });
});
