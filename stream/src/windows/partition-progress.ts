import type { PartitionCheckpoint } from './checkpoint.js';
import type { WindowSpec } from './window-spec.js';

/** Open window state that holds events from `minOffset` on (a bucket of windows, a pane). */
export interface OpenSince {
  /** Offset of its first event; the partition's commit point never passes it. */
  minOffset: bigint;
  /** Partition max event time just before minOffset, so a replay restores the same watermark. */
  wmBaseBefore: number;
}

/**
 * How far one partition has been read, its watermark and its replay state — what every window
 * layout of a partition (PartitionWindows, PanedPartitionWindows) tracks the same way, so a
 * checkpoint written by one layout means the same to the other:
 * - watermark = max event time seen − out-of-orderness (or an idle advance);
 * - after a restore, offsets below the checkpoint's `n` are a replay; the first offset past it
 *   continues from the checkpoint's finalised watermark;
 * - the checkpoint resumes at the first offset any open state still needs, with the watermark as
 *   it was there.
 */
export abstract class PartitionProgress {
  /** Max event time seen (the watermark before out-of-orderness is taken off). */
  protected wmBase = Number.NEGATIVE_INFINITY;
  /** Last offset read (next = last + 1, computed at checkpoint time: no BigInt per event). */
  protected lastOffset: bigint | null = null;
  protected replayUntil = -1n;
  protected finalizedWm = Number.NEGATIVE_INFINITY;
  private live = true;
  /** Wall-clock ms of the last message; the engine uses it to detect idle partitions. */
  lastActivity = 0;

  /**
   * @param resumeAt where this state's checkpoint resumes; the caller feeds no offset below it
   *   (a group feeding several jobs may re-read from an earlier offset another job still needs).
   */
  constructor(
    readonly partition: number,
    protected readonly spec: WindowSpec,
    protected readonly restored?: PartitionCheckpoint,
    readonly resumeAt: bigint = -1n,
  ) {
    if (restored) {
      this.wmBase = restored.wm;
      this.replayUntil = restored.n;
      this.finalizedWm = restored.ft;
      this.live = false;
    }
  }

  watermark(): number {
    return this.wmBase - this.spec.outOfOrdernessMs;
  }

  /** The watermark that judged the last event (one watermark per instance here). */
  eventWatermark(): number {
    return this.watermark();
  }

  /** Open state that holds events (buckets, panes): the checkpoint never passes the first of them. */
  protected abstract openStates(): Iterable<OpenSince>;

  /**
   * For a per-tenant checkpoint (TenantPartitionWindows): the earliest open state (its offset and
   * the watermark base there), else null; the watermark base now; the finalised watermark.
   */
  progress(): { open: OpenSince | null; wmBase: number; ft: number } {
    let open: OpenSince | null = null;
    for (const s of this.openStates()) if (open === null || s.minOffset < open.minOffset) open = s;
    return { open, wmBase: this.wmBase, ft: Math.max(this.watermark(), this.finalizedWm) };
  }

  /** True while re-reading offsets a previous owner already committed work for. */
  isReplay(offset: bigint): boolean {
    return offset < this.replayUntil;
  }

  /** Records a message that is not an event (dead-lettered), so the commit point moves past it. */
  skip(offset: bigint): void {
    this.enter(offset);
    this.lastOffset = offset;
  }

  /** Moves the watermark forward without an event (idle partition). */
  advanceTo(watermark: number): void {
    const base = watermark + this.spec.outOfOrdernessMs;
    if (base > this.wmBase) this.wmBase = base;
  }

  /** Reading `offset`: whether it is a replay. */
  protected enter(offset: bigint): boolean {
    const replay = offset < this.replayUntil;
    if (!replay && !this.live) {
      // Caught up with what the checkpoint covered: continue from its watermark.
      this.live = true;
      this.wmBase = Math.max(this.wmBase, this.finalizedWm + this.spec.outOfOrdernessMs);
    }
    return replay;
  }

  /**
   * Where a restarted owner must resume, given the state still open: the first offset any of it
   * depends on, with the watermark as it was there. `n` and `ft` tell the replay what was already
   * done. Call after collect() and after everything it returned is written.
   */
  protected checkpointOver(open: Iterable<OpenSince>): { offset: bigint; meta: PartitionCheckpoint } | null {
    // Nothing read since the restart: the restored checkpoint still holds.
    if (this.lastOffset === null) return this.restored && this.resumeAt >= 0n ? { offset: this.resumeAt, meta: this.restored } : null;
    const next = this.lastOffset + 1n;
    let offset = next;
    let wm = this.wmBase;
    for (const s of open) {
      if (s.minOffset < offset) {
        offset = s.minOffset;
        wm = s.wmBaseBefore;
      }
    }
    const n = next > this.replayUntil ? next : this.replayUntil;
    return { offset, meta: { wm, n, ft: Math.max(this.watermark(), this.finalizedWm) } };
  }
}
