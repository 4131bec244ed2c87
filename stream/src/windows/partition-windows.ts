import { windowStarts, type WindowSpec } from './window-spec.js';
import type { PartitionCheckpoint } from './checkpoint.js';

/** How a job folds events into window accumulators. */
export interface WindowAggregator<E, A> {
  /** Entity keys the event contributes to (tenant + entity, e.g. `t|scenario|item`); [] = ignore. */
  keys(e: E): readonly string[];
  create(key: string, e: E): A;
  /** t = the event time in epoch ms (already parsed). */
  add(acc: A, e: E, windowStart: number, windowEnd: number, t: number): void;
}

export interface WindowState<A> {
  key: string;
  start: number;
  end: number;
  acc: A;
  /** Events folded in; doubles as the row version (a more complete window has more events). */
  count: number;
  /** Offset of the first event; the partition's commit point never passes an open window's events. */
  minOffset: bigint;
  /** Partition max event time just before minOffset, so a replay restores the same watermark. */
  wmBaseBefore: number;
  fired: boolean;
  dirty: boolean;
}

export interface FiredWindow<A> {
  partition: number;
  key: string;
  start: number;
  end: number;
  acc: A;
  count: number;
  /** true when the window is purged: no late event can change it any more. */
  final: boolean;
}

export type Verdict = 'accepted' | 'ignored' | 'duplicate' | 'late' | 'replayed';

/**
 * Window state of one Kafka partition. Everything here is a function of the partition's message
 * sequence (plus idle advances), so replaying from a checkpoint rebuilds exactly the same windows:
 * - watermark = max event time seen − out-of-orderness;
 * - a window fires when the watermark passes its end, is re-fired if a late event within the
 *   allowed lateness updates it, and is purged at end + lateness; later events are `late`;
 * - duplicates (same event id while one of its windows is still open) count once;
 * - during a replay (offsets below the checkpoint's `n`), windows the checkpoint had already
 *   finalised are skipped: their complete rows are in the sink, a partial rebuild must not overwrite them.
 */
export class PartitionWindows<E, A> {
  private wmBase = Number.NEGATIVE_INFINITY;
  private nextOffset: bigint | null = null;
  private replayUntil = -1n;
  private finalizedWm = Number.NEGATIVE_INFINITY;
  private live = true;
  private readonly windows = new Map<string, WindowState<A>>();
  private readonly seen = new Map<string, number>();
  private nextDue = Number.POSITIVE_INFINITY;
  private hasDirty = false;
  /** Wall-clock ms of the last message; the engine uses it to detect idle partitions. */
  lastActivity = 0;

  constructor(
    readonly partition: number,
    private readonly spec: WindowSpec,
    private readonly agg: WindowAggregator<E, A>,
    checkpoint?: PartitionCheckpoint,
  ) {
    if (checkpoint) {
      this.wmBase = checkpoint.wm;
      this.replayUntil = checkpoint.n;
      this.finalizedWm = checkpoint.ft;
      this.live = false;
    }
  }

  watermark(): number {
    return this.wmBase - this.spec.outOfOrdernessMs;
  }

  /** True while re-reading offsets a previous owner already committed work for. */
  isReplay(offset: bigint): boolean {
    return offset < this.replayUntil;
  }

  get openWindows(): number {
    return this.windows.size;
  }

  /** Records a message that is not an event (dead-lettered), so the commit point moves past it. */
  skip(offset: bigint): void {
    this.enter(offset);
    this.nextOffset = offset + 1n;
  }

  private enter(offset: bigint): boolean {
    const replay = offset < this.replayUntil;
    if (!replay && !this.live) {
      // Caught up with what the checkpoint covered: continue from its watermark.
      this.live = true;
      this.wmBase = Math.max(this.wmBase, this.finalizedWm + this.spec.outOfOrdernessMs);
    }
    return replay;
  }

  process(offset: bigint, id: string, t: number, e: E): Verdict {
    const replay = this.enter(offset);
    this.nextOffset = offset + 1n;
    const wmBefore = this.wmBase;
    if (t > this.wmBase) this.wmBase = t;
    if (this.seen.has(id)) return 'duplicate';
    const keys = this.agg.keys(e);
    if (keys.length === 0) return 'ignored';
    const wm = wmBefore - this.spec.outOfOrdernessMs;
    const lateness = this.spec.allowedLatenessMs;
    let accepted = false;
    let suppressed = false;
    for (const start of windowStarts(t, this.spec)) {
      const end = start + this.spec.sizeMs;
      if (replay && end + lateness <= this.finalizedWm) {
        suppressed = true;
        continue;
      }
      if (end + lateness <= wm) continue; // purged already: late for this window
      accepted = true;
      for (const key of keys) {
        const wkey = `${start}|${key}`;
        let w = this.windows.get(wkey);
        if (!w) {
          w = { key, start, end, acc: this.agg.create(key, e), count: 0, minOffset: offset, wmBaseBefore: wmBefore, fired: false, dirty: false };
          this.windows.set(wkey, w);
          if (end < this.nextDue) this.nextDue = end;
        }
        this.agg.add(w.acc, e, start, end, t);
        w.count++;
        if (w.fired) {
          w.dirty = true;
          this.hasDirty = true;
        }
      }
    }
    if (accepted) {
      this.seen.set(id, t);
      return 'accepted';
    }
    return suppressed ? 'replayed' : 'late';
  }

  /** Moves the watermark forward without an event (idle partition). */
  advanceTo(watermark: number): void {
    const base = watermark + this.spec.outOfOrdernessMs;
    if (base > this.wmBase) this.wmBase = base;
  }

  /** Windows due to fire (watermark ≥ end) or to be finalised (≥ end + lateness); purges the latter. */
  collect(): FiredWindow<A>[] {
    const wm = this.watermark();
    if (wm < this.nextDue && !this.hasDirty) return [];
    const lateness = this.spec.allowedLatenessMs;
    const out: FiredWindow<A>[] = [];
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [wkey, w] of this.windows) {
      if (wm >= w.end + lateness) {
        if (!w.fired || w.dirty) out.push(this.fired(w, true));
        this.windows.delete(wkey);
        continue;
      }
      if (wm >= w.end && (!w.fired || w.dirty)) {
        out.push(this.fired(w, false));
        w.fired = true;
        w.dirty = false;
      }
      const due = w.fired ? w.end + lateness : w.end;
      if (due < nextDue) nextDue = due;
    }
    this.nextDue = nextDue;
    this.hasDirty = false;
    // Event ids are remembered while any window that could hold them is open.
    const horizon = wm - lateness - this.spec.sizeMs;
    for (const [id, t] of this.seen) if (t < horizon) this.seen.delete(id);
    return out;
  }

  private fired(w: WindowState<A>, final: boolean): FiredWindow<A> {
    return { partition: this.partition, key: w.key, start: w.start, end: w.end, acc: w.acc, count: w.count, final };
  }

  /**
   * Where a restarted owner must resume: the first offset any open window depends on, with the
   * watermark as it was there. `n` and `ft` tell the replay what was already done. Call after
   * collect() and after everything it returned is written.
   */
  checkpoint(): { offset: bigint; meta: PartitionCheckpoint } | null {
    if (this.nextOffset === null) return null;
    let offset = this.nextOffset;
    let wm = this.wmBase;
    for (const w of this.windows.values()) {
      if (w.minOffset < offset) {
        offset = w.minOffset;
        wm = w.wmBaseBefore;
      }
    }
    const n = this.nextOffset > this.replayUntil ? this.nextOffset : this.replayUntil;
    return { offset, meta: { wm, n, ft: Math.max(this.watermark(), this.finalizedWm) } };
  }
}
