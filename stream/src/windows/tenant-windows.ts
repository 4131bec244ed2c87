import type { PartitionCheckpoint, TenantCheckpoint } from './checkpoint.js';
import type { PartitionProgress } from './partition-progress.js';
import type { FiredWindow, PartitionState, Verdict } from './partition-windows.js';
import { PanedPartitionWindows } from './pane-windows.js';

/** One tenant's window state within a partition (PartitionWindows or PanedPartitionWindows). */
export type TenantState<E, A> = PartitionState<E, A> & Pick<PartitionProgress, 'progress'>;

interface TenantSlot<E, A> {
  state: TenantState<E, A>;
  /** Last offset of this tenant's messages (null: none read since the restart). */
  lastOffset: bigint | null;
  /** Wall-clock ms of its last event: a tenant silent for the idle timeout is idle. */
  lastActivity: number;
}

/**
 * The window state of one Kafka partition, kept per tenant: each tenant has its own watermark,
 * windows, duplicate memory and idle advance, so one tenant's clock (events far ahead, or a
 * backlog far behind) never makes another tenant's events late or fires its windows early.
 *
 * - An event dated more than `maxT` (its Kafka message time + the allowed skew) is `future`: not
 *   folded and not moving any watermark (a side-output row, like late events). The message time
 *   is part of the log, so a replay decides the same; the door refuses such events already — this
 *   is the engine's own guard for anything that reached the topic another way.
 * - The checkpoint resumes at the first offset any tenant's open state needs and carries every
 *   tenant that a replay from there meets (its watermark at its own resume point and its finalised
 *   watermark), so each tenant rebuilds exactly as PartitionProgress describes for a partition.
 *   Tenants without open state and without messages since the resume offset are left out (a
 *   replay does not meet them; they start afresh if they come back after a restart).
 */
export class TenantPartitionWindows<E, A> implements PartitionState<E, A> {
  private readonly tenants = new Map<string, TenantSlot<E, A>>();
  private lastTenant = '';
  private last: TenantSlot<E, A> | null = null;
  private lastOffset: bigint | null = null;
  private readonly replayUntil: bigint;
  /** The tenant of the event processed last (eventWatermark). */
  private judged: TenantSlot<E, A> | null = null;
  /** Wall-clock ms of the last message; the engine uses it to detect idle partitions and tenants. */
  lastActivity = 0;

  constructor(
    readonly partition: number,
    private readonly tenantOf: (e: E) => string,
    private readonly make: (restored: PartitionCheckpoint | undefined) => TenantState<E, A>,
    private readonly restored?: PartitionCheckpoint,
    readonly resumeAt: bigint = -1n,
  ) {
    this.replayUntil = restored?.n ?? -1n;
  }

  get openWindows(): number {
    let n = 0;
    for (const s of this.tenants.values()) n += s.state.openWindows;
    return n;
  }

  /** Early results of each tenant's open pane (paned layouts only; see PanedPartitionWindows.peekOpenPane). */
  peekOpenPanes(out: FiredWindow<A>[]): void {
    for (const s of this.tenants.values()) if (s.state instanceof PanedPartitionWindows) for (const w of (s.state as PanedPartitionWindows<E, unknown, A>).peekOpenPane()) out.push(w);
  }

  get tenantCount(): number {
    return this.tenants.size;
  }

  /** The slowest tenant's watermark (what the partition as a whole has surely passed). */
  watermark(): number {
    let wm = Number.POSITIVE_INFINITY;
    for (const s of this.tenants.values()) {
      const w = s.state.watermark();
      if (w < wm) wm = w;
    }
    return wm === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : wm;
  }

  /** The watermark that judged the last event (its tenant's). */
  eventWatermark(): number {
    return this.judged ? this.judged.state.watermark() : Number.NEGATIVE_INFINITY;
  }

  watermarkOf(tenant: string): number {
    return this.tenants.get(tenant)?.state.watermark() ?? Number.NEGATIVE_INFINITY;
  }

  isReplay(offset: bigint): boolean {
    return offset < this.replayUntil;
  }

  skip(offset: bigint): void {
    this.lastOffset = offset;
  }

  private slot(tenant: string): TenantSlot<E, A> {
    if (tenant === this.lastTenant && this.last) return this.last;
    let s = this.tenants.get(tenant);
    if (!s) {
      s = { state: this.make(this.restoredFor(tenant)), lastOffset: null, lastActivity: this.lastActivity };
      this.tenants.set(tenant, s);
    }
    this.lastTenant = tenant;
    this.last = s;
    return s;
  }

  /** A tenant's checkpoint: its own entry; all of the partition's for a checkpoint without tenants (written before they existed). */
  private restoredFor(tenant: string): PartitionCheckpoint | undefined {
    const r = this.restored;
    if (!r) return undefined;
    if (!r.tenants) return r;
    const c = r.tenants.get(tenant);
    return c ? { wm: c.wm, n: r.n, ft: c.ft } : undefined;
  }

  process(offset: bigint, id: string, t: number, e: E, maxT = Number.POSITIVE_INFINITY): Verdict {
    this.lastOffset = offset;
    if (t > maxT) {
      this.judged = this.slot(this.tenantOf(e));
      return 'future';
    }
    const s = this.slot(this.tenantOf(e));
    this.judged = s;
    s.lastOffset = offset;
    s.lastActivity = this.lastActivity;
    return s.state.process(offset, id, t, e);
  }

  /** Moves every tenant's watermark forward (tests, shutdown). */
  advanceTo(watermark: number): void {
    for (const s of this.tenants.values()) s.state.advanceTo(watermark);
  }

  /** Tenants silent for idleTimeoutMs at nowMs, with their watermarks, for the engine's idle rule. */
  idleTenants(nowMs: number, idleTimeoutMs: number): { idle: TenantState<E, A>[]; active: TenantState<E, A>[] } {
    const idle: TenantState<E, A>[] = [];
    const active: TenantState<E, A>[] = [];
    for (const s of this.tenants.values()) (nowMs - s.lastActivity >= idleTimeoutMs ? idle : active).push(s.state);
    return { idle, active };
  }

  collect(): FiredWindow<A>[] {
    let out: FiredWindow<A>[] | null = null;
    for (const s of this.tenants.values()) {
      const f = s.state.collect();
      if (f.length === 0) continue;
      if (out === null) out = f;
      else for (const w of f) out.push(w);
    }
    return out ?? [];
  }

  checkpoint(): { offset: bigint; meta: PartitionCheckpoint } | null {
    // Nothing read since the restart: the restored checkpoint still holds.
    if (this.lastOffset === null) return this.restored && this.resumeAt >= 0n ? { offset: this.resumeAt, meta: this.restored } : null;
    const next = this.lastOffset + 1n;
    let offset = next;
    const views: { tenant: string; s: TenantSlot<E, A>; v: ReturnType<PartitionProgress['progress']> }[] = [];
    for (const [tenant, s] of this.tenants) {
      const v = s.state.progress();
      views.push({ tenant, s, v });
      if (v.open && v.open.minOffset < offset) offset = v.open.minOffset;
    }
    const n = next > this.replayUntil ? next : this.replayUntil;
    const replaying = next < this.replayUntil;
    const tenants = new Map<string, TenantCheckpoint>();
    let wm = Number.NEGATIVE_INFINITY;
    let ft = Number.NEGATIVE_INFINITY;
    for (const { tenant, s, v } of views) {
      const met = v.open !== null || (s.lastOffset !== null && s.lastOffset >= offset) || (s.lastOffset === null && replaying);
      if (!met) continue;
      const c = { wm: v.open ? v.open.wmBaseBefore : v.wmBase, ft: v.ft };
      tenants.set(tenant, c);
      if (c.wm > wm) wm = c.wm;
      if (c.ft > ft) ft = c.ft;
    }
    // Tenants of the restored checkpoint this replay has not met yet (no state built for them).
    if (replaying && this.restored?.tenants) for (const [tenant, c] of this.restored.tenants) if (!tenants.has(tenant) && !this.tenants.has(tenant)) tenants.set(tenant, c);
    return { offset, meta: { wm, n, ft, tenants } };
  }
}
