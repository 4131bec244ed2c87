import type { ClickHouseClient } from '@vidplat/analytics';
import { deadLetterTopic, toClickHouseTime, type BehaviourEvent, type LateEventRow } from '@vidplat/contracts';
import type { Consumer, EachBatchPayload, Kafka, Producer } from '../kafka/client.js';
import { log } from '../ops/log.js';
import type { JobMetrics } from '../ops/job-metrics.js';
import { decodeLaneCheckpoints, encodeLaneCheckpoints, type LaneCheckpoint } from './checkpoint.js';
import { clickHouseCheckpointStore, isStoredRef, spillIfLarge, unspill, type CheckpointStore } from './checkpoint-spill.js';
import { insertRows } from './clickhouse-writer.js';
import { decodeBehaviourEvent } from './event-decoder.js';
import type { PaneAggregator } from './pane-windows.js';
import type { FiredWindow, PartitionState, Verdict, WindowAggregator } from './partition-windows.js';
import { WindowEngine } from './window-engine.js';
import type { WindowSpec } from './window-spec.js';

/** Where a job's fired windows go. write() must be idempotent: a replay writes the same rows again. */
export interface WindowOutput<A> {
  write(fired: FiredWindow<A>[]): Promise<void>;
  /** After the offsets are committed: derived snapshots (hot lists, profile vectors). */
  afterCommit?(fired: FiredWindow<A>[]): Promise<void>;
  /**
   * Early results of the open windows (final = false), every WindowLaneConfig.earlyEveryMs of
   * processing time, off the processing path and outside the commit protocol: what it writes is
   * provisional and is superseded by the windows' own firing. The windows' accumulators are live:
   * copy what is needed before the first await.
   */
  early?(open: FiredWindow<A>[]): Promise<void>;
}

/** One window job (item heat, user profiles, real-time metrics) fed by a WindowedJob's consumer. */
export interface WindowLaneConfig<A> {
  job: string;
  spec: WindowSpec;
  /** Per-window fold, or (hopping windows) per-pane fold composed into windows when they fire. */
  aggregator: WindowAggregator<BehaviourEvent, A> | PaneAggregator<BehaviourEvent, unknown, A>;
  output: WindowOutput<A>;
  /** How often output.early gets the open panes' early results (ms of processing time; 0/unset = never). */
  earlyEveryMs?: number;
}

export interface WindowedJobConfig {
  /** Process name in logs and health (the job name, or `window-jobs` for the combined process). */
  name: string;
  group: string;
  topic: string;
  lanes: WindowLaneConfig<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- each lane has its own accumulator type
  flushIntervalMs: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  /** Messages per batch handed over by the client; -1 = everything fetched for the partition. */
  maxBatchSize?: number;
  /**
   * An event dated more than this after its Kafka message time is `future` (side output, no
   * watermark moved): the door's EVENT_MAX_FUTURE_SKEW_MS. Default 2 minutes.
   */
  maxFutureSkewMs?: number;
  /** Checkpoint metadata above this many bytes is stored in ClickHouse and referenced (default INLINE_CHECKPOINT_BYTES). */
  checkpointInlineBytes?: number;
}

interface DeadLetter {
  key: Buffer | null;
  value: string;
  headers: Record<string, string>;
}

interface CommitOffset {
  topic: string;
  partition: number;
  offset: string;
  metadata: string;
}

/** What one flush writes, and the checkpoints that are safe to commit once it is written. */
interface FlushSnapshot {
  fired: { w: FiredWindow<unknown>; at: number }[][];
  late: LateEventRow[];
  dead: DeadLetter[];
  offsets: CommitOffset[];
}

const REVOKE = -174; // librdkafka ERR__REVOKE_PARTITIONS

/**
 * Consumer settings shared by the window jobs and the benchmark's bare consumer (same client, same
 * fetch path). Batches of 5,000: the bare drain rate measured the same as with whole-partition
 * batches (-1), but -1 hands the first batch over only once the client's queue runs dry — on a
 * backlog that is after the whole backlog is fetched (1.3–1.8 s for 200k events here), so folding
 * could not overlap fetching, and 200k message objects at once cost ~45 % of that second in GC.
 */
export const WINDOW_CONSUMER_BATCH = 5000;

/** Group consumer for window jobs: manual commits with checkpoint metadata, rebalance hand-over. */
export function createWindowConsumer(kafka: Kafka, group: string, sessionTimeoutMs: number, maxBatchSize: number, onRebalance: (revoke: boolean, partitions: number[]) => Promise<void>): Consumer {
  return kafka.consumer({
    'js.consumer.max.batch.size': maxBatchSize,
    rebalance_cb: async (err: { code: number }, assignment: { partition: number }[]) => {
      await onRebalance(err.code === REVOKE, assignment.map((a) => a.partition));
    },
    kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false, sessionTimeout: sessionTimeoutMs, rebalanceTimeout: 30_000 },
  } as Parameters<Kafka['consumer']>[0]);
}

/** A job's state inside the consumer: its window engine and what it has fired but not yet written. */
class Lane<A> {
  readonly engine: WindowEngine<BehaviourEvent, A>;
  pendingFired: { w: FiredWindow<A>; at: number }[] = [];
  pendingLate: LateEventRow[] = [];
  snapshotQueue: FiredWindow<A>[] | null = null;
  snapshotRunning: Promise<void> | null = null;
  lastEarly = Date.now();
  earlyRunning: Promise<void> | null = null;
  readonly stats = { accepted: 0, late: 0, future: 0, backfill: 0, duplicates: 0, windowsWritten: 0 };

  constructor(
    readonly cfg: WindowLaneConfig<A>,
    idleTimeoutMs: number,
  ) {
    // Watermarks per tenant within a partition; idle tenants are never advanced past the wall clock.
    this.engine = new WindowEngine(cfg.spec, cfg.aggregator, { idleTimeoutMs, tenantOf: (e) => (e as BehaviourEvent).tenantId, idleClockCap: true });
  }

  get job(): string {
    return this.cfg.job;
  }
}

/**
 * Runs window jobs on one consumer group. Each event is read and parsed once and folded into every
 * job's state (a "lane"); the combined process runs all three jobs this way. Effectively once:
 * 1. events fold into per-partition window state (WindowEngine), per job;
 * 2. every flushIntervalMs, every job's fired windows, late events and dead letters are written
 *    (idempotently);
 * 3. only then each partition commits: the Kafka offset is the first offset any job's open window
 *    still needs, and the metadata holds every job's own resume offset and watermark checkpoint,
 *    so a successor rebuilds exactly the same state per job (a job skips the offsets below its own).
 * A crash between 2 and 3 replays from the previous checkpoint and rewrites identical rows.
 * A sink that stays down past its retries ends the process (crash-only): the restart replays.
 */
export class WindowedJob {
  private readonly lanes: Lane<unknown>[];
  private pendingDead: DeadLetter[] = [];
  private readonly committed = new Map<number, string>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = Date.now();
  /** The flush being written in the background (at most one; commits stay in order). */
  private inflight: Promise<void> | null = null;
  private stopped = false;
  private readonly checkpoints: CheckpointStore;
  consumer!: Consumer;
  readonly stats = { assignedAt: 0, firstReadAt: 0, committed: {} as Record<number, string>, read: 0, accepted: 0, late: 0, future: 0, backfill: 0, duplicates: 0, deadLettered: 0, windowsWritten: 0, commits: 0, lastFlushAt: '' };

  constructor(
    private readonly cfg: WindowedJobConfig,
    private readonly kafka: Kafka,
    private readonly dlq: Producer,
    private readonly ch: ClickHouseClient,
    private readonly metrics: JobMetrics,
  ) {
    if (cfg.lanes.length === 0) throw new Error('a windowed job needs at least one window job');
    this.checkpoints = clickHouseCheckpointStore(ch);
    this.lanes = cfg.lanes.map((l) => new Lane(l, cfg.idleTimeoutMs));
  }

  get dlqTopic(): string {
    return deadLetterTopic(this.cfg.group);
  }

  /** Partitions this member owns (every lane holds the same ones). */
  partitions(): number[] {
    return this.lanes[0]!.engine.partitions().map((p) => p.partition);
  }

  /** Per-job counters for /healthz. */
  laneStats(): Record<string, Lane<unknown>['stats']> {
    return Object.fromEntries(this.lanes.map((l) => [l.job, l.stats]));
  }

  async start(): Promise<void> {
    this.consumer = createWindowConsumer(this.kafka, this.cfg.group, this.cfg.sessionTimeoutMs, this.cfg.maxBatchSize ?? WINDOW_CONSUMER_BATCH, (revoke, parts) =>
      this.serial(() => this.rebalance(revoke, parts)),
    );
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.cfg.topic] });
    await this.consumer.run({ eachBatchAutoResolve: false, eachBatch: (p) => this.serial(() => this.handle(p)) });
    const tick = Math.max(50, Math.min(this.cfg.flushIntervalMs, 1000));
    this.timer = setInterval(() => void this.serial(() => this.onTick()).catch((e) => this.fatal(e)), tick);
  }

  /** Graceful shutdown: flush what fired, commit, leave the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.serial(() => this.flush()).catch((e) => log.error('final flush failed', { job: this.cfg.name, error: (e as Error).message }));
    await this.consumer.disconnect().catch(() => undefined);
    await Promise.all(this.lanes.flatMap((l) => [l.snapshotRunning?.catch(() => undefined), l.earlyRunning]));
  }

  /** Everything touching engine state runs one at a time (batches, timer, rebalances). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private fatal(e: unknown): never {
    log.error('window job failed; exiting so a restart replays from the committed checkpoint', { job: this.cfg.name, error: (e as Error).message });
    process.exit(1);
  }

  /** Every lane's state of the partition, opened from the committed checkpoint on first use. */
  private async partitionStates(partition: number): Promise<PartitionState<BehaviourEvent, unknown>[]> {
    const open = this.lanes.map((l) => l.engine.get(partition));
    if (open.every((p) => p !== undefined)) return open as PartitionState<BehaviourEvent, unknown>[];
    const [c] = await this.consumer.committed([{ topic: this.cfg.topic, partition }], 10_000);
    const committedOffset = c?.offset !== undefined && /^\d+$/.test(c.offset) ? BigInt(c.offset) : null;
    const cps = decodeLaneCheckpoints(await unspill(c?.metadata, this.checkpoints), committedOffset, this.lanes.map((l) => l.job));
    const now = Date.now();
    log.info('partition opened', {
      job: this.cfg.name,
      partition,
      offset: c?.offset,
      replayUntil: cps.size ? [...cps.values()].reduce((m, x) => (x.meta.n > m ? x.meta.n : m), 0n).toString() : undefined,
      checkpoint: !c?.metadata ? 'none' : isStoredRef(c.metadata) ? 'stored' : 'inline',
    });
    return this.lanes.map((l) => {
      const cp: LaneCheckpoint | undefined = cps.get(l.job);
      return l.engine.open(partition, cp?.meta, now, cp?.offset);
    });
  }

  private async handle({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || this.stopped) return;
    try {
      const now = Date.now();
      const t0 = performance.now();
      const parts = await this.partitionStates(batch.partition);
      for (const p of parts) p.lastActivity = now; // stamps the tenants of this batch's events
      const lanes = this.lanes;
      const verdicts = lanes.map((): Record<Verdict, number> => ({ accepted: 0, late: 0, duplicate: 0, ignored: 0, replayed: 0, future: 0, backfill: 0 }));
      const messages = batch.messages;
      const skew = this.cfg.maxFutureSkewMs ?? 120_000;
      for (let m = 0; m < messages.length; m++) {
        const msg = messages[m]!;
        const offset = BigInt(msg.offset);
        const text = msg.value?.toString('utf8') ?? '';
        const d = decodeBehaviourEvent(text);
        if (d.event === undefined) {
          if (parts.every((p) => !p.isReplay(offset))) {
            this.pendingDead.push({
              key: msg.key ?? null,
              value: text,
              headers: { reason: d.reason.slice(0, 1000), sourceTopic: batch.topic, sourcePartition: String(batch.partition), sourceOffset: msg.offset },
            });
          }
          for (const p of parts) if (offset >= p.resumeAt) p.skip(offset);
          continue;
        }
        const e = d.event;
        // History from the backfill path is in events_raw; its windows are recomputed offline.
        if (e.backfill === true) {
          for (let i = 0; i < parts.length; i++) {
            if (offset < parts[i]!.resumeAt) continue;
            parts[i]!.skip(offset);
            verdicts[i]!.backfill++;
          }
          continue;
        }
        // The message time is in the log, so a replay admits exactly the same events.
        const ts = Number(msg.timestamp);
        const maxT = ts > 0 ? ts + skew : Number.POSITIVE_INFINITY;
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i]!;
          if (offset < part.resumeAt) continue; // this job's checkpoint is past it
          const verdict = part.process(offset, e.eventId, d.t, e, maxT);
          verdicts[i]![verdict]++;
          if ((verdict === 'late' || verdict === 'future') && !part.isReplay(offset)) {
            lanes[i]!.pendingLate.push({
              job: lanes[i]!.job,
              tenant_id: e.tenantId,
              event_id: e.eventId,
              event_time: toClickHouseTime(d.t),
              watermark: toClickHouseTime(Math.max(0, part.eventWatermark())),
              reason: verdict,
              source_partition: batch.partition,
              source_offset: msg.offset,
              payload: text,
              recorded_at: toClickHouseTime(now),
            });
          }
        }
      }
      for (const p of parts) p.lastActivity = now;
      const last = messages[messages.length - 1]!.offset;
      resolveOffset(last);
      const lag = Number(batch.offsetLag());
      let pending = 0;
      for (const [i, lane] of lanes.entries()) {
        lane.engine.markCaughtUp(batch.partition, lag <= 0);
        this.count(lane, batch.partition, verdicts[i]!, lag);
        for (const w of lane.engine.collect()) lane.pendingFired.push({ w, at: now });
        pending += lane.pendingFired.length;
      }
      this.stats.read += messages.length;
      if (this.stats.firstReadAt === 0) this.stats.firstReadAt = now;
      this.metrics.flushPhase.inc({ job: this.cfg.name, phase: 'fold' }, (performance.now() - t0) / 1000);
      if (Date.now() - this.lastFlush >= this.cfg.flushIntervalMs || pending >= 100_000) await this.flushInBackground();
    } catch (e) {
      this.fatal(e);
    }
  }

  private count(lane: Lane<unknown>, partition: number, v: Record<Verdict, number>, lag: number): void {
    const job = lane.job;
    lane.stats.accepted += v.accepted;
    lane.stats.late += v.late;
    lane.stats.future += v.future;
    lane.stats.backfill += v.backfill;
    lane.stats.duplicates += v.duplicate;
    this.stats.accepted += v.accepted;
    this.stats.late += v.late;
    this.stats.future += v.future;
    this.stats.backfill += v.backfill;
    this.stats.duplicates += v.duplicate;
    for (const [verdict, k] of Object.entries(v)) if (k) this.metrics.events.inc({ job, verdict }, k);
    if (lag >= 0) this.metrics.lag.set({ job, partition: String(partition) }, lag);
  }

  private async onTick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    for (const lane of this.lanes) {
      const moved = lane.engine.advanceIdle(now);
      if (moved.length) log.debug('idle partitions advanced', { job: lane.job, partitions: moved });
      for (const w of lane.engine.collect()) lane.pendingFired.push({ w, at: now });
      this.earlyFiring(lane, now);
      for (const p of lane.engine.partitions()) {
        const labels = { job: lane.job, partition: String(p.partition) };
        if (Number.isFinite(p.watermark())) this.metrics.watermark.set(labels, p.watermark());
        this.metrics.openWindows.set(labels, p.openWindows);
      }
    }
    if (now - this.lastFlush >= this.cfg.flushIntervalMs) await this.flushInBackground();
  }

  private clearPending(): void {
    for (const lane of this.lanes) {
      lane.pendingFired = [];
      lane.pendingLate = [];
    }
    this.pendingDead = [];
  }

  /**
   * Takes what is pending together with the checkpoints that cover exactly it, and writes + commits
   * it in the background while the next batches fold (ClickHouse and the broker work on another
   * core meanwhile). One write at a time: a second flush waits for the first, so commits stay in
   * order and pending work stays bounded. A failed write ends the process (crash-only).
   */
  private async flushInBackground(): Promise<void> {
    if (this.inflight) await this.inflight;
    const snap = this.takeSnapshot();
    this.lastFlush = Date.now();
    this.inflight = this.persist(snap)
      .catch((e) => this.fatal(e))
      .finally(() => {
        this.inflight = null;
      });
  }

  /** Writes everything pending and commits, before returning (shutdown, revoke). */
  private async flush(): Promise<void> {
    if (this.inflight) await this.inflight;
    await this.persist(this.takeSnapshot());
    this.lastFlush = Date.now();
  }

  private takeSnapshot(): FlushSnapshot {
    const snap: FlushSnapshot = {
      fired: this.lanes.map((l) => l.pendingFired),
      late: this.lanes.flatMap((l) => l.pendingLate),
      dead: this.pendingDead,
      // Computed now: every window these checkpoints no longer cover is in `fired`.
      offsets: this.offsetsToCommit(),
    };
    this.clearPending();
    return snap;
  }

  /** Writes a snapshot (all jobs concurrently), then commits its checkpoints. */
  private async persist({ fired, late, dead, offsets }: FlushSnapshot): Promise<void> {
    try {
      await Promise.all([
        ...this.lanes.map((lane, i) => this.timed(lane.job, 'write', () => lane.cfg.output.write(fired[i]!.map((f) => f.w)))),
        this.timed(this.cfg.name, 'late', () => insertRows(this.ch, 'late_events', late)),
        dead.length ? this.timed(this.cfg.name, 'dlq', () => this.dlq.send({ topic: this.dlqTopic, messages: dead })) : undefined,
      ]);
      await this.timed(this.cfg.name, 'commit', () => this.commit(offsets));
      this.metrics.flushes.inc({ job: this.cfg.name, result: 'ok' });
    } catch (e) {
      this.metrics.flushes.inc({ job: this.cfg.name, result: 'error' });
      throw e;
    }
    const now = Date.now();
    this.stats.lastFlushAt = new Date(now).toISOString();
    this.stats.deadLettered += dead.length;
    if (dead.length) {
      this.metrics.deadLettered.inc({ job: this.cfg.name }, dead.length);
      log.warn('dead-lettered messages', { job: this.cfg.name, count: dead.length, topic: this.dlqTopic });
    }
    for (const [i, lane] of this.lanes.entries()) {
      const f = fired[i]!;
      lane.stats.windowsWritten += f.length;
      this.stats.windowsWritten += f.length;
      let final = 0;
      for (const x of f) {
        this.metrics.closeLatency.observe({ job: lane.job }, (now - x.at) / 1000);
        if (x.w.final) final++;
      }
      if (final) this.metrics.windowsEmitted.inc({ job: lane.job, final: 'true' }, final);
      if (f.length - final) this.metrics.windowsEmitted.inc({ job: lane.job, final: 'false' }, f.length - final);
      if (f.length && lane.cfg.output.afterCommit) this.queueSnapshots(lane, f.map((x) => x.w));
    }
    if (late.length) log.info('late events recorded', { job: this.cfg.name, count: late.length });
  }

  private async timed<T>(job: string, phase: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.metrics.flushPhase.inc({ job, phase }, (performance.now() - t0) / 1000);
    }
  }

  /** Per partition: the smallest offset any job still needs, with every job's checkpoint as metadata. */
  private offsetsToCommit(): CommitOffset[] {
    const offsets: CommitOffset[] = [];
    for (const partition of this.partitions()) {
      const cps = new Map<string, LaneCheckpoint>();
      let offset: bigint | null = null;
      for (const lane of this.lanes) {
        const cp = lane.engine.get(partition)?.checkpoint();
        if (!cp) break;
        cps.set(lane.job, cp);
        if (offset === null || cp.offset < offset) offset = cp.offset;
      }
      if (offset === null || cps.size !== this.lanes.length) continue; // nothing read yet
      const metadata = encodeLaneCheckpoints(cps);
      if (this.committed.get(partition) === `${offset}|${metadata}`) continue;
      offsets.push({ topic: this.cfg.topic, partition, offset: offset.toString(), metadata });
    }
    return offsets;
  }

  private async commit(offsets: CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    // Checkpoints past Kafka's metadata bound (many tenants on a partition) are stored first and referenced.
    const wire = await Promise.all(
      offsets.map(async (o) => ({ ...o, metadata: await spillIfLarge(o.metadata ?? '', this.checkpoints, this.cfg.group, o.partition, this.cfg.checkpointInlineBytes) })),
    );
    await this.consumer.commitOffsets(wire);
    for (const o of offsets) {
      this.committed.set(o.partition, `${o.offset}|${o.metadata}`);
      this.stats.committed[o.partition] = o.offset;
    }
    this.stats.commits++;
  }

  /** Early results of the lane's open panes, one build at a time, not awaited (see WindowOutput.early). */
  private earlyFiring(lane: Lane<unknown>, now: number): void {
    const every = lane.cfg.earlyEveryMs ?? 0;
    const early = lane.cfg.output.early;
    if (!early || every <= 0 || lane.earlyRunning || now - lane.lastEarly < every) return;
    lane.lastEarly = now;
    const open = lane.engine.peekOpenPanes();
    if (!open.length) return;
    lane.earlyRunning = this.timed(lane.job, 'early', () => early.call(lane.cfg.output, open))
      .catch((e) => log.warn('early results failed', { job: lane.job, error: (e as Error).message }))
      .finally(() => (lane.earlyRunning = null));
  }

  /** Snapshot builds run one at a time per job, off the processing path; bursts coalesce. */
  private queueSnapshots(lane: Lane<unknown>, fired: FiredWindow<unknown>[]): void {
    if (lane.snapshotQueue) {
      for (const f of fired) lane.snapshotQueue.push(f); // no spread: batches can exceed the argument limit
      return;
    }
    lane.snapshotQueue = [...fired];
    if (lane.snapshotRunning) return;
    const loop = async () => {
      while (lane.snapshotQueue) {
        // Coalesce bursts: at most one snapshot build per second; the edge reads versioned swaps anyway.
        await new Promise((r) => setTimeout(r, 1000));
        const batch = lane.snapshotQueue;
        if (!batch) break;
        lane.snapshotQueue = null;
        try {
          await this.timed(lane.job, 'snapshots', () => lane.cfg.output.afterCommit!(batch));
        } catch (e) {
          log.warn('feature snapshot failed', { job: lane.job, error: (e as Error).message });
        }
      }
      lane.snapshotRunning = null;
    };
    lane.snapshotRunning = loop();
  }

  /**
   * Revoked partitions: flush and commit what they fired, then drop their state; the next owner
   * rebuilds it from the checkpoint. Assigned partitions start from their checkpoint.
   */
  private async rebalance(revoke: boolean, partitions: number[]): Promise<void> {
    log.info(revoke ? 'partitions revoked' : 'partitions assigned', { job: this.cfg.name, partitions });
    if (!revoke && this.stats.assignedAt === 0) this.stats.assignedAt = Date.now(); // benchmarks measure from here
    if (revoke) {
      try {
        await this.flush();
      } catch (e) {
        log.warn('flush on revoke failed; the next owner replays from the last checkpoint', { job: this.cfg.name, error: (e as Error).message });
        this.clearPending();
      }
    }
    for (const p of partitions) {
      for (const lane of this.lanes) lane.engine.drop(p);
      this.committed.delete(p);
    }
  }
}
