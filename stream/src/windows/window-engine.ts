import type { PartitionCheckpoint } from './checkpoint.js';
import { PanedPartitionWindows, isPaneAggregator, type PaneAggregator } from './pane-windows.js';
import { PartitionWindows, type FiredWindow, type Verdict, type WindowAggregator } from './partition-windows.js';
import { TenantPartitionWindows, type TenantState } from './tenant-windows.js';
import type { WindowSpec } from './window-spec.js';

export interface EngineOptions {
  /** A caught-up partition's tenant with no message for this long stops holding its watermark back. */
  idleTimeoutMs: number;
  /** The tenant of an event: each has its own watermark within a partition. Default: one tenant. */
  tenantOf?: (e: unknown) => string;
  /**
   * Idle advance never moves a watermark past the wall clock (nowMs − out-of-orderness), so an
   * idle tenant is never pushed ahead by another tenant's fast clock. Off where tests drive a fake clock.
   */
  idleClockCap?: boolean;
}

const oneTenant = () => '';

/**
 * The window state of every partition this process owns, per tenant within each partition.
 * Partitions are independent (their rows carry the source partition), which makes rebalances
 * simple: a revoked partition's state is dropped and its next owner rebuilds it from the committed
 * checkpoint.
 */
export class WindowEngine<E, A> {
  private readonly parts = new Map<number, TenantPartitionWindows<E, A>>();
  /** Partitions whose last read reached the log end (so silence means idleness, not lag). */
  private readonly caughtUp = new Set<number>();
  private readonly tenantOf: (e: E) => string;

  constructor(
    readonly spec: WindowSpec,
    /** A PaneAggregator folds hopping windows as panes (PanedPartitionWindows). */
    private readonly agg: WindowAggregator<E, A> | PaneAggregator<E, unknown, A>,
    private readonly opts: EngineOptions,
  ) {
    this.tenantOf = (opts.tenantOf as ((e: E) => string) | undefined) ?? oneTenant;
  }

  has(partition: number): boolean {
    return this.parts.has(partition);
  }

  /** Starts (or restarts) a partition from its checkpoint. */
  open(partition: number, checkpoint: PartitionCheckpoint | undefined, nowMs: number, resumeAt?: bigint): TenantPartitionWindows<E, A> {
    const agg = this.agg;
    const spec = this.spec;
    const make = (restored: PartitionCheckpoint | undefined): TenantState<E, A> =>
      isPaneAggregator<E, A>(agg) ? new PanedPartitionWindows(partition, spec, agg, restored) : new PartitionWindows(partition, spec, agg, restored);
    const p = new TenantPartitionWindows<E, A>(partition, this.tenantOf, make, checkpoint, resumeAt);
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

  partitions(): TenantPartitionWindows<E, A>[] {
    return [...this.parts.values()];
  }

  get(partition: number): TenantPartitionWindows<E, A> | undefined {
    return this.parts.get(partition);
  }

  process(partition: number, offset: bigint, id: string, t: number, e: E, nowMs: number, maxT?: number): Verdict {
    const p = this.parts.get(partition);
    if (!p) throw new Error(`partition ${partition} not open`);
    p.lastActivity = nowMs;
    return p.process(offset, id, t, e, maxT);
  }

  /** Records whether the partition's last batch reached the high watermark of the log. */
  markCaughtUp(partition: number, caughtUp: boolean): void {
    if (caughtUp) this.caughtUp.add(partition);
    else this.caughtUp.delete(partition);
  }

  /**
   * Idle tenants must not stall their windows forever: a tenant of a caught-up partition silent for
   * idleTimeoutMs takes the slowest active tenant's watermark (any partition), or the fastest
   * one's when every tenant is idle — capped at the wall clock with idleClockCap. Returns the
   * partitions it moved.
   */
  advanceIdle(nowMs: number): number[] {
    const idle: { partition: number; s: TenantState<E, A> }[] = [];
    const active: TenantState<E, A>[] = [];
    const all: TenantState<E, A>[] = [];
    for (const p of this.parts.values()) {
      const split = p.idleTenants(nowMs, this.opts.idleTimeoutMs);
      // Not caught up: silence is lag, not idleness.
      if (!this.caughtUp.has(p.partition)) {
        active.push(...split.active, ...split.idle);
        all.push(...split.active, ...split.idle);
        continue;
      }
      for (const s of split.idle) idle.push({ partition: p.partition, s });
      active.push(...split.active);
      all.push(...split.active, ...split.idle);
    }
    if (idle.length === 0) return [];
    const marks = (active.length ? active : all).map((s) => s.watermark()).filter(Number.isFinite);
    if (marks.length === 0) return [];
    let target = active.length ? Math.min(...marks) : Math.max(...marks);
    if (this.opts.idleClockCap) target = Math.min(target, nowMs - this.spec.outOfOrdernessMs);
    const moved = new Set<number>();
    for (const { partition, s } of idle) {
      if (s.watermark() < target) {
        s.advanceTo(target);
        moved.add(partition);
      }
    }
    return [...moved];
  }

  /** Early results of every partition's open panes, per tenant (see PanedPartitionWindows.peekOpenPane); [] for per-window folds. */
  peekOpenPanes(): FiredWindow<A>[] {
    const out: FiredWindow<A>[] = [];
    for (const p of this.parts.values()) p.peekOpenPanes(out);
    return out;
  }

  collect(): FiredWindow<A>[] {
    const out: FiredWindow<A>[] = [];
    for (const p of this.parts.values()) for (const w of p.collect()) out.push(w);
    return out;
  }
}
