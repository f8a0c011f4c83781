/**
 * Arrays of one path-table size, returned by evicted views and handed out zeroed, so a keystroke
 * does not allocate (and later collect) megabytes. At most a few of each are kept. One pool per
 * explorer session (an image's views share it).
 */
const POOL_MAX = 4;

export class ArrayPool {
  private size = -1;
  private bytes: Uint8Array[] = [];
  private ints: Int32Array[] = [];
  private descending: Int32Array = new Int32Array(0);

  takeBytes(n: number): Uint8Array {
    const a = this.size === n ? this.bytes.pop() : undefined;
    return a ? a.fill(0) : new Uint8Array(n);
  }

  takeInts(n: number): Int32Array {
    const a = this.size === n ? this.ints.pop() : undefined;
    return a ? a.fill(0) : new Int32Array(n);
  }

  /** Hand an array back; the caller must not use it after. */
  giveBack(a: Uint8Array | Int32Array): void {
    if (this.size !== a.length) {
      this.size = a.length;
      this.bytes = [];
      this.ints = [];
    }
    if (a instanceof Uint8Array) {
      if (this.bytes.length < POOL_MAX) this.bytes.push(a);
    } else if (this.ints.length < POOL_MAX) this.ints.push(a);
  }

  /** Node ids n-1 .. 1 (children before parents), shared between the views (read-only). */
  descendingIds(n: number): Int32Array {
    if (this.descending.length !== Math.max(0, n - 1)) {
      const d = new Int32Array(Math.max(0, n - 1));
      for (let i = 0; i < n - 1; i++) d[i] = n - 1 - i;
      this.descending = d;
    }
    return this.descending;
  }
}
