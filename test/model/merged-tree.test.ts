import { describe, expect, test } from "vitest";
import { NodeStatus } from "../../src/model/image-model.js";
import { ABSENT, MergedTree, PRESENT, REMOVED } from "../../src/model/merged-tree.js";
import { ROOT } from "../../src/model/path-table.js";
import { randomModel, rng } from "./random-model.js";

/** What stateAt says a node is as of a layer, as MergedTree's classes. */
function classOf(status: NodeStatus): number {
  if (status === NodeStatus.Absent) return ABSENT;
  return status === NodeStatus.Removed ? REMOVED : PRESENT;
}

describe("MergedTree", () => {
  test("moved between layers in any order, its classes, versions and rows agree with stateAt", () => {
    const r = rng(9);
    for (let seed = 1; seed <= 12; seed++) {
      const m = randomModel(seed, 8, 30);
      const tree = new MergedTree(m, { rebuildAbove: Number.POSITIVE_INFINITY });
      for (let move = 0; move < 12; move++) {
        const L = Math.floor(r() * m.layerCount);
        tree.moveTo(L);
        expect(tree.layer).toBe(L);
        let rootRows = 0;
        for (let n = 1; n < m.paths.size; n++) {
          const st = m.stateAt(n, L);
          const where = `seed ${seed} layer ${L} ${m.paths.path(n)}`;
          expect(tree.cls[n], where).toBe(classOf(st.status));
          if (st.status !== NodeStatus.Absent) expect(tree.ver[n], where).toBe(st.version);
          if (m.paths.parent(n) === ROOT && tree.cls[n] !== ABSENT) rootRows += 1 + tree.rows[n]!;
        }
        expect(tree.rows[ROOT]).toBe(rootRows);
      }
    }
  });

  test("steps between layers are kept only within their byte budget", () => {
    const m = randomModel(7, 8, 30);
    const unlimited = new MergedTree(m);
    unlimited.moveTo(0);
    for (let k = 0; k < m.layerCount - 1; k++) expect(unlimited.prepareStep(k)).toBe(true);
    const all = unlimited.memoryBytes;
    const none = new MergedTree(m, { stepBudgetBytes: 0 });
    none.moveTo(0);
    expect(none.prepareStep(0)).toBe(false);
    expect(none.memoryBytes).toBeLessThan(all);
  });

  test("a step computed but too big to keep is reported as not kept, so idle preparation stops", () => {
    const m = randomModel(7, 8, 30);
    const tiny = new MergedTree(m, { stepBudgetBytes: 1 });
    tiny.moveTo(0);
    // Room left (0 < 1 byte), so the step is computed; it does not fit, so it is not kept.
    expect(tiny.prepareStep(0)).toBe(false);
    expect(tiny.hasStep(0)).toBe(false);
    expect(tiny.layer).toBe(0);
  });
});
