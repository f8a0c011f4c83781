import type { LayerContents } from "./layer-contents.js";
import type { PathTable } from "./path-table.js";

/** Copies layer contents from one path table to another (when the speculative table holds extra paths). */
export class Remapper {
  private map: Int32Array;

  constructor(
    private readonly from: PathTable,
    private readonly to: PathTable,
  ) {
    this.map = new Int32Array(from.size).fill(-1);
    this.map[0] = 0;
  }

  node(n: number): number {
    const known = this.map[n]!;
    if (known !== -1) return known;
    const chain: number[] = [];
    let x = n;
    while (this.map[x] === -1) {
      chain.push(x);
      x = this.from.parent(x);
    }
    let parent = this.map[x]!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i]!;
      parent = this.to.internChild(parent, this.from.name(c));
      this.map[c] = parent;
    }
    return parent;
  }

  contents(c: LayerContents): LayerContents {
    return {
      ...c,
      node: c.node.map((n) => this.node(n)),
      whiteouts: c.whiteouts.map((n) => this.node(n)),
      opaqueDirs: c.opaqueDirs.map((n) => this.node(n)),
    };
  }
}
