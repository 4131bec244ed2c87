import type { PartitionCheckpoint } from './checkpoint.js';
import { PanedPartitionWindows, isPaneAggregator, type PaneAggregator } from './pane-windows.js';
import { PartitionWindows, type FiredWindow, type PartitionState, type Verdict, type WindowAggregator } from './partition-windows.js';
import type { WindowSpec } from './window-spec.js';

export interface EngineOptions {
  /** A caught-up partition with no message for this long stops holding the watermark back. */
  idleTimeoutMs: number;
}

/**
 * The window state of every partition this process owns. Partitions are independent (their rows
 * carry the source partition), which makes rebalances simple: a revoked partition's state is
 * dropped and its next owner rebuilds it from the committed checkpoint.
 */
export class WindowEngine<E, A> {
  private readonly parts = new Map<number, PartitionState<E, A>>();
  /** Partitions whose last read reached the log end (so silence means idleness, not lag). */
  private readonly caughtUp = new Set<number>();

  constructor(
    readonly spec: WindowSpec,
    /** A PaneAggregator folds hopping windows as panes (PanedPartitionWindows). */
    private readonly agg: WindowAggregator<E, A> | PaneAggregator<E, unknown, A>,
    private readonly opts: EngineOptions,
  ) {}

  has(partition: number): boolean {
    return this.parts.has(partition);
  }

  /** Starts (or restarts) a partition from its checkpoint. */
  open(partition: number, checkpoint: PartitionCheckpoint | undefined, nowMs: number, resumeAt?: bigint): PartitionState<E, A> {
    const agg = this.agg;
    const p: PartitionState<E, A> = isPaneAggregator<E, A>(agg)
      ? new PanedPartitionWindows(partition, this.spec, agg, checkpoint, resumeAt)
      : new PartitionWindows(partition, this.spec, agg, checkpoint, resumeAt);
    p.lastActivity = nowMs;
    this.parts.set(partition, p);
    this.caughtUp.delete(partition);
    return p;
  }

  drop(partition: number): void {
    this.parts.delete(partition);
    this.caughtUp.delete(partition);
  }

  dropAll(): void {
    this.parts.clear();
    this.caughtUp.clear();
  }

  partitions(): PartitionState<E, A>[] {
    return [...this.parts.values()];
  }

  get(partition: number): PartitionState<E, A> | undefined {
    return this.parts.get(partition);
  }

  process(partition: number, offset: bigint, id: string, t: number, e: E, nowMs: number): Verdict {
    const p = this.parts.get(partition);
    if (!p) throw new Error(`partition ${partition} not open`);
    p.lastActivity = nowMs;
    return p.process(offset, id, t, e);
  }

  /** Records whether the partition's last batch reached the high watermark of the log. */
  markCaughtUp(partition: number, caughtUp: boolean): void {
    if (caughtUp) this.caughtUp.add(partition);
    else this.caughtUp.delete(partition);
  }

  /**
   * Idle partitions must not stall their windows forever: a caught-up partition silent for
   * idleTimeoutMs takes the slowest active partition's watermark, or the fastest one's when every
   * partition is idle. Returns the partitions it moved.
   */
  advanceIdle(nowMs: number): number[] {
    const all = [...this.parts.values()];
    const idle = all.filter((p) => this.caughtUp.has(p.partition) && nowMs - p.lastActivity >= this.opts.idleTimeoutMs);
    if (idle.length === 0) return [];
    const active = all.filter((p) => !idle.includes(p));
    const marks = (active.length ? active : all).map((p) => p.watermark()).filter(Number.isFinite);
    if (marks.length === 0) return [];
    const target = active.length ? Math.min(...marks) : Math.max(...marks);
    const moved: number[] = [];
    for (const p of idle) {
      if (p.watermark() < target) {
        p.advanceTo(target);
        moved.push(p.partition);
      }
    }
    return moved;
  }

  /** Early results of every partition's open pane (see PanedPartitionWindows.peekOpenPane); [] for per-window folds. */
  peekOpenPanes(): FiredWindow<A>[] {
    const out: FiredWindow<A>[] = [];
    for (const p of this.parts.values()) if (p instanceof PanedPartitionWindows) for (const w of p.peekOpenPane()) out.push(w);
    return out;
  }

  collect(): FiredWindow<A>[] {
    const out: FiredWindow<A>[] = [];
    for (const p of this.parts.values()) out.push(...p.collect());
    return out;
  }
}
