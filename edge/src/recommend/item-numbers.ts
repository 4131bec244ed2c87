/**
 * Item ids as small integers, per isolate (all tenants: a number only has to tell ids apart within
 * one request). The recall caches keep each list's numbers beside its ids (neighbour lists, the
 * hot list, IVF rows), so the merge and the item-CF recall dedupe with typed arrays indexed by
 * number instead of building a Map and an object per candidate on every request.
 */
export class ItemNumbers {
  private nums = new Map<string, number>();
  /** Bumped when the table is cleared: numbers cached under an older generation are stale. */
  generation = 0;
  constructor(private readonly max = 2_000_000) {}

  of(id: string): number {
    let n = this.nums.get(id);
    if (n === undefined) {
      if (this.nums.size >= this.max) {
        this.nums = new Map();
        this.generation++;
      }
      n = this.nums.size;
      this.nums.set(id, n);
    }
    return n;
  }

  get size(): number {
    return this.nums.size;
  }

  /** Numbers of ids[0..count), index for index. */
  ofIds(ids: readonly string[], count = ids.length): Int32Array {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.of(ids[i]!);
    return out;
  }

  /** Numbers of the ids of `xs`, index for index. */
  ofAll(xs: readonly { itemId: string }[], count = xs.length): Int32Array {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.of(xs[i]!.itemId);
    return out;
  }
}

export const itemNumbers = new ItemNumbers();

/**
 * Per-number scratch for synchronous passes (a request runs to completion between awaits):
 * `mark(n)` is true once per number per pass, `slot` holds what the pass stored for it.
 */
export class NumberSlots {
  private stamp = new Int32Array(1024);
  slot = new Int32Array(1024);
  private epoch = 0;

  /** Starts a pass over numbers below `size`. */
  begin(size: number): void {
    if (this.stamp.length < size) {
      const cap = Math.max(size, this.stamp.length * 2);
      this.stamp = new Int32Array(cap);
      this.slot = new Int32Array(cap);
      this.epoch = 0;
    }
    if (++this.epoch === 0x7fffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
  }

  /** Whether `n` was already marked in this pass. */
  seen(n: number): boolean {
    return this.stamp[n] === this.epoch;
  }

  mark(n: number, slot: number): void {
    this.stamp[n] = this.epoch;
    this.slot[n] = slot;
  }
}
