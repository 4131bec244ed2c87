import type { WindowSpec } from './window-spec.js';
import type { PartitionCheckpoint } from './checkpoint.js';
import { PartitionProgress } from './partition-progress.js';

/** How a job folds events into window accumulators. */
export interface WindowAggregator<E, A> {
  /**
   * Entity keys the event contributes to (tenant + entity, e.g. `t|scenario|item`); [] = ignore.
   * A plain string is one key (no array per event on the hot path).
   */
  keys(e: E): string | readonly string[];
  create(key: string, e: E): A;
  /**
   * t = the event time in epoch ms (already parsed). first = this is the earliest of the event's
   * windows still open when it arrived (by event time and lateness alone, so a replay decides the
   * same): the one window that records what must be stored once per event (item heat's panes).
   */
  add(acc: A, e: E, windowStart: number, windowEnd: number, t: number, first: boolean): void;
}

export interface WindowState<A> {
  key: string;
  acc: A;
  /** Events folded in; doubles as the row version (a more complete window has more events). */
  count: number;
  fired: boolean;
  dirty: boolean;
}

/**
 * All windows of one partition that share [start, end): they fire and purge together, so the
 * engine checks one bucket instead of every window, and the bucket's first event is the earliest
 * offset any of its windows needs.
 */
interface WindowBucket<A> {
  start: number;
  end: number;
  windows: Map<string, WindowState<A>>;
  /** Offset of the bucket's first event; the partition's commit point never passes an open window's events. */
  minOffset: bigint;
  /** Partition max event time just before minOffset, so a replay restores the same watermark. */
  wmBaseBefore: number;
  fired: boolean;
  /** Some window changed (or was created) after the bucket fired: re-fire it. */
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

/**
 * future: dated beyond its message time + the allowed skew (not folded, no watermark moved);
 * backfill: entered through the backfill path (skipped by the real-time windows, recomputed offline).
 */
export type Verdict = 'accepted' | 'ignored' | 'duplicate' | 'late' | 'replayed' | 'future' | 'backfill';

/** The window state of one partition as the engine and the consumer use it (PartitionWindows, PanedPartitionWindows). */
export interface PartitionState<E, A> {
  readonly partition: number;
  /** Where this state's checkpoint resumes; the caller feeds no offset below it. */
  readonly resumeAt: bigint;
  /** Wall-clock ms of the last message; the engine uses it to detect idle partitions. */
  lastActivity: number;
  readonly openWindows: number;
  watermark(): number;
  /** The watermark that judged the last processed event (its tenant's, with per-tenant watermarks). */
  eventWatermark(): number;
  isReplay(offset: bigint): boolean;
  skip(offset: bigint): void;
  /** maxT: the latest event time admitted (message time + allowed skew); later is `future`. */
  process(offset: bigint, id: string, t: number, e: E, maxT?: number): Verdict;
  advanceTo(watermark: number): void;
  collect(): FiredWindow<A>[];
  checkpoint(): { offset: bigint; meta: PartitionCheckpoint } | null;
}

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
export class PartitionWindows<E, A> extends PartitionProgress implements PartitionState<E, A> {
  private readonly buckets = new Map<number, WindowBucket<A>>();
  private windowCount = 0;
  private readonly seen = new Map<string, number>();
  /** Smallest event time in `seen` (a lower bound), so purging scans it only when something expires. */
  private seenMin = Number.POSITIVE_INFINITY;
  private nextDue = Number.POSITIVE_INFINITY;
  private hasDirty = false;

  /**
   * @param resumeAt where this state's checkpoint resumes; the caller feeds no offset below it
   *   (a group feeding several jobs may re-read from an earlier offset another job still needs).
   */
  constructor(partition: number, spec: WindowSpec, private readonly agg: WindowAggregator<E, A>, restored?: PartitionCheckpoint, resumeAt: bigint = -1n) {
    super(partition, spec, restored, resumeAt);
  }

  get openWindows(): number {
    return this.windowCount;
  }

  process(offset: bigint, id: string, t: number, e: E): Verdict {
    const replay = this.enter(offset);
    this.lastOffset = offset;
    const wmBefore = this.wmBase;
    if (t > this.wmBase) this.wmBase = t;
    if (this.seen.has(id)) return 'duplicate';
    const keys = this.agg.keys(e);
    const single = typeof keys === 'string' ? keys : null;
    const keyCount = single !== null ? 1 : keys.length;
    if (keyCount === 0) return 'ignored';
    const wm = wmBefore - this.spec.outOfOrdernessMs;
    const { sizeMs, hopMs, allowedLatenessMs: lateness } = this.spec;
    let accepted = false;
    let suppressed = false;
    // Start of the earliest window containing t that is not purged (end + lateness > wm): the
    // smallest hop-aligned start above both t − size and wm − lateness − size.
    const firstOpen = (Math.floor(Math.max(t - sizeMs, wm - lateness - sizeMs) / hopMs) + 1) * hopMs;
    // Every window containing t, latest first (see windowStarts), without allocating the list.
    for (let start = Math.floor(t / hopMs) * hopMs; start > t - sizeMs; start -= hopMs) {
      const end = start + sizeMs;
      if (replay && end + lateness <= this.finalizedWm) {
        suppressed = true;
        continue;
      }
      if (end + lateness <= wm) continue; // purged already: late for this window
      accepted = true;
      let b = this.buckets.get(start);
      if (!b) {
        b = { start, end, windows: new Map(), minOffset: offset, wmBaseBefore: wmBefore, fired: false, dirty: false };
        this.buckets.set(start, b);
        if (end < this.nextDue) this.nextDue = end;
      }
      for (let i = 0; i < keyCount; i++) {
        const key = single ?? (keys as readonly string[])[i]!;
        let w = b.windows.get(key);
        if (!w) {
          w = { key, acc: this.agg.create(key, e), count: 0, fired: false, dirty: false };
          b.windows.set(key, w);
          this.windowCount++;
        }
        this.agg.add(w.acc, e, start, end, t, start === firstOpen);
        w.count++;
        if (b.fired) {
          w.dirty = true;
          b.dirty = true;
          this.hasDirty = true;
        }
      }
    }
    if (accepted) {
      this.seen.set(id, t);
      if (t < this.seenMin) this.seenMin = t;
      return 'accepted';
    }
    return suppressed ? 'replayed' : 'late';
  }

  /** Windows due to fire (watermark ≥ end) or to be finalised (≥ end + lateness); purges the latter. */
  collect(): FiredWindow<A>[] {
    const wm = this.watermark();
    if (wm < this.nextDue && !this.hasDirty) return [];
    const lateness = this.spec.allowedLatenessMs;
    const out: FiredWindow<A>[] = [];
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [start, b] of this.buckets) {
      if (wm >= b.end + lateness) {
        if (!b.fired || b.dirty) for (const w of b.windows.values()) if (!w.fired || w.dirty) out.push(this.fired(b, w, true));
        this.windowCount -= b.windows.size;
        this.buckets.delete(start);
        continue;
      }
      if (wm >= b.end && (!b.fired || b.dirty)) {
        for (const w of b.windows.values()) {
          if (w.fired && !w.dirty) continue;
          out.push(this.fired(b, w, false));
          w.fired = true;
          w.dirty = false;
        }
        b.fired = true;
        b.dirty = false;
      }
      const due = b.fired ? b.end + lateness : b.end;
      if (due < nextDue) nextDue = due;
    }
    this.nextDue = nextDue;
    this.hasDirty = false;
    // Event ids are remembered while any window that could hold them is open.
    const horizon = wm - lateness - this.spec.sizeMs;
    if (this.seenMin < horizon) {
      let min = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.seen) {
        if (t < horizon) this.seen.delete(id);
        else if (t < min) min = t;
      }
      this.seenMin = min;
    }
    return out;
  }

  private fired(b: WindowBucket<A>, w: WindowState<A>, final: boolean): FiredWindow<A> {
    return { partition: this.partition, key: w.key, start: b.start, end: b.end, acc: w.acc, count: w.count, final };
  }

  protected openStates(): Iterable<WindowBucket<A>> {
    return this.buckets.values();
  }

  /** Where a restarted owner must resume: the first offset any open bucket needs (PartitionProgress). */
  checkpoint(): { offset: bigint; meta: PartitionCheckpoint } | null {
    return this.checkpointOver(this.buckets.values());
  }
}
