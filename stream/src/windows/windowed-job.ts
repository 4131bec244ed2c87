import type { ClickHouseClient } from '@vidplat/analytics';
import { BehaviourEvent, deadLetterTopic, toClickHouseTime, type LateEventRow } from '@vidplat/contracts';
import type { Consumer, EachBatchPayload, Kafka, Producer } from '../kafka/client.js';
import { log } from '../ops/log.js';
import type { JobMetrics } from '../ops/job-metrics.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { insertRows } from './clickhouse-writer.js';
import type { FiredWindow, PartitionWindows, WindowAggregator } from './partition-windows.js';
import { WindowEngine } from './window-engine.js';
import type { WindowSpec } from './window-spec.js';

/** Where a job's fired windows go. write() must be idempotent: a replay writes the same rows again. */
export interface WindowOutput<A> {
  write(fired: FiredWindow<A>[]): Promise<void>;
  /** After the offsets are committed: derived snapshots (hot lists, profile vectors). */
  afterCommit?(fired: FiredWindow<A>[]): Promise<void>;
}

export interface WindowedJobConfig<A> {
  job: string;
  group: string;
  topic: string;
  spec: WindowSpec;
  aggregator: WindowAggregator<BehaviourEvent, A>;
  output: WindowOutput<A>;
  flushIntervalMs: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  maxBatchSize?: number;
}

interface DeadLetter {
  key: Buffer | null;
  value: string;
  headers: Record<string, string>;
}

const REVOKE = -174; // librdkafka ERR__REVOKE_PARTITIONS

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

/**
 * Runs one window job on a consumer group. Effectively once:
 * 1. events fold into per-partition window state (WindowEngine);
 * 2. every flushIntervalMs, fired windows, late events and dead letters are written (idempotently);
 * 3. only then each partition commits its checkpoint: the first offset an open window still needs,
 *    with the watermark metadata a successor needs to rebuild the same state.
 * A crash between 2 and 3 replays from the previous checkpoint and rewrites identical rows.
 * A sink that stays down past its retries ends the process (crash-only): the restart replays.
 */
export class WindowedJob<A> {
  readonly engine: WindowEngine<BehaviourEvent, A>;
  private pendingFired: { w: FiredWindow<A>; at: number }[] = [];
  private pendingLate: LateEventRow[] = [];
  private pendingDead: DeadLetter[] = [];
  private readonly committed = new Map<number, string>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = Date.now();
  private snapshotQueue: FiredWindow<A>[] | null = null;
  private snapshotRunning: Promise<void> | null = null;
  private stopped = false;
  consumer!: Consumer;
  readonly stats = { firstReadAt: 0, committed: {} as Record<number, string>, read: 0, accepted: 0, late: 0, duplicates: 0, deadLettered: 0, windowsWritten: 0, commits: 0, lastFlushAt: '' };

  constructor(
    private readonly cfg: WindowedJobConfig<A>,
    private readonly kafka: Kafka,
    private readonly dlq: Producer,
    private readonly ch: ClickHouseClient,
    private readonly metrics: JobMetrics,
  ) {
    this.engine = new WindowEngine(cfg.spec, cfg.aggregator, { idleTimeoutMs: cfg.idleTimeoutMs });
  }

  get dlqTopic(): string {
    return deadLetterTopic(this.cfg.group);
  }

  async start(): Promise<void> {
    this.consumer = createWindowConsumer(this.kafka, this.cfg.group, this.cfg.sessionTimeoutMs, this.cfg.maxBatchSize ?? 2000, (revoke, parts) =>
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
    await this.serial(() => this.flush()).catch((e) => log.error('final flush failed', { job: this.cfg.job, error: (e as Error).message }));
    await this.consumer.disconnect().catch(() => undefined);
    await this.snapshotRunning?.catch(() => undefined);
  }

  /** Everything touching engine state runs one at a time (batches, timer, rebalances). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private fatal(e: unknown): never {
    log.error('window job failed; exiting so a restart replays from the committed checkpoint', { job: this.cfg.job, error: (e as Error).message });
    process.exit(1);
  }

  private async partitionState(partition: number): Promise<PartitionWindows<BehaviourEvent, A>> {
    const open = this.engine.get(partition);
    if (open) return open;
    const [c] = await this.consumer.committed([{ topic: this.cfg.topic, partition }], 10_000);
    const cp = decodeCheckpoint(c?.metadata);
    log.info('partition opened', { job: this.cfg.job, partition, offset: c?.offset, replayUntil: cp?.n.toString() });
    return this.engine.open(partition, cp, Date.now());
  }

  private async handle({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || this.stopped) return;
    try {
      const now = Date.now();
      const t0 = performance.now();
      const part = await this.partitionState(batch.partition);
      const verdicts = { accepted: 0, late: 0, duplicate: 0, ignored: 0, replayed: 0 };
      for (const m of batch.messages) {
        const offset = BigInt(m.offset);
        const text = m.value?.toString('utf8') ?? '';
        let reason: string | undefined;
        let e: BehaviourEvent | undefined;
        try {
          const r = BehaviourEvent.safeParse(JSON.parse(text));
          if (r.success) e = r.data;
          else reason = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        } catch (err) {
          reason = `not JSON: ${(err as Error).message}`;
        }
        if (!e) {
          if (!part.isReplay(offset)) {
            this.pendingDead.push({
              key: m.key ?? null,
              value: text,
              headers: { reason: reason!.slice(0, 1000), sourceTopic: batch.topic, sourcePartition: String(batch.partition), sourceOffset: m.offset },
            });
          }
          part.skip(offset);
          continue;
        }
        const t = Date.parse(e.eventTime);
        const verdict = part.process(offset, e.eventId, t, e);
        part.lastActivity = now;
        verdicts[verdict]++;
        if (verdict === 'late' && !part.isReplay(offset)) {
          this.pendingLate.push({
            job: this.cfg.job,
            tenant_id: e.tenantId,
            event_id: e.eventId,
            event_time: toClickHouseTime(t),
            watermark: toClickHouseTime(Math.max(0, part.watermark())),
            source_partition: batch.partition,
            source_offset: m.offset,
            payload: text,
            recorded_at: toClickHouseTime(now),
          });
        }
      }
      const last = batch.messages[batch.messages.length - 1]!.offset;
      resolveOffset(last);
      const lag = Number(batch.offsetLag());
      this.engine.markCaughtUp(batch.partition, lag <= 0);
      this.count(batch.partition, batch.messages.length, verdicts, lag);
      this.metrics.flushPhase.inc({ job: this.cfg.job, phase: 'fold' }, (performance.now() - t0) / 1000);
      for (const w of this.engine.collect()) this.pendingFired.push({ w, at: now });
      if (Date.now() - this.lastFlush >= this.cfg.flushIntervalMs || this.pendingFired.length >= 50_000) await this.flush();
    } catch (e) {
      this.fatal(e);
    }
  }

  private count(partition: number, n: number, v: Record<string, number>, lag: number): void {
    const job = this.cfg.job;
    if (this.stats.firstReadAt === 0) this.stats.firstReadAt = Date.now();
    this.stats.read += n;
    this.stats.accepted += v.accepted!;
    this.stats.late += v.late!;
    this.stats.duplicates += v.duplicate!;
    for (const [verdict, k] of Object.entries(v)) if (k) this.metrics.events.inc({ job, verdict }, k);
    if (lag >= 0) this.metrics.lag.set({ job, partition: String(partition) }, lag);
  }

  private async onTick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const moved = this.engine.advanceIdle(now);
    if (moved.length) log.debug('idle partitions advanced', { job: this.cfg.job, partitions: moved });
    for (const w of this.engine.collect()) this.pendingFired.push({ w, at: now });
    for (const p of this.engine.partitions()) {
      const labels = { job: this.cfg.job, partition: String(p.partition) };
      if (Number.isFinite(p.watermark())) this.metrics.watermark.set(labels, p.watermark());
      this.metrics.openWindows.set(labels, p.openWindows);
    }
    if (now - this.lastFlush >= this.cfg.flushIntervalMs) await this.flush();
  }

  /** Writes everything pending, then commits each partition's checkpoint. */
  private async flush(): Promise<void> {
    const fired = this.pendingFired;
    const late = this.pendingLate;
    const dead = this.pendingDead;
    this.pendingFired = [];
    this.pendingLate = [];
    this.pendingDead = [];
    try {
      const windows = fired.map((f) => f.w);
      await this.timed('write', () => this.cfg.output.write(windows));
      await this.timed('late', () => insertRows(this.ch, 'late_events', late));
      if (dead.length) await this.timed('dlq', () => this.dlq.send({ topic: this.dlqTopic, messages: dead }));
      await this.timed('commit', () => this.commit());
      this.metrics.flushes.inc({ job: this.cfg.job, result: 'ok' });
    } catch (e) {
      this.metrics.flushes.inc({ job: this.cfg.job, result: 'error' });
      throw e;
    }
    const now = Date.now();
    this.lastFlush = now;
    this.stats.lastFlushAt = new Date(now).toISOString();
    this.stats.windowsWritten += fired.length;
    this.stats.deadLettered += dead.length;
    if (dead.length) {
      this.metrics.deadLettered.inc({ job: this.cfg.job }, dead.length);
      log.warn('dead-lettered messages', { job: this.cfg.job, count: dead.length, topic: this.dlqTopic });
    }
    for (const f of fired) {
      this.metrics.closeLatency.observe({ job: this.cfg.job }, (now - f.at) / 1000);
      this.metrics.windowsEmitted.inc({ job: this.cfg.job, final: String(f.w.final) });
    }
    if (late.length) log.info('late events recorded', { job: this.cfg.job, count: late.length });
    if (fired.length && this.cfg.output.afterCommit) this.queueSnapshots(fired.map((f) => f.w));
  }

  private async timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.metrics.flushPhase.inc({ job: this.cfg.job, phase }, (performance.now() - t0) / 1000);
    }
  }

  private async commit(): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string; metadata: string }[] = [];
    for (const p of this.engine.partitions()) {
      const cp = p.checkpoint();
      if (!cp) continue;
      const metadata = encodeCheckpoint(cp.meta);
      const sig = `${cp.offset}|${metadata}`;
      if (this.committed.get(p.partition) === sig) continue;
      offsets.push({ topic: this.cfg.topic, partition: p.partition, offset: cp.offset.toString(), metadata });
    }
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets);
    for (const o of offsets) {
      this.committed.set(o.partition, `${o.offset}|${o.metadata}`);
      this.stats.committed[o.partition] = o.offset;
    }
    this.stats.commits++;
  }

  /** Snapshot builds run one at a time off the processing path; bursts coalesce. */
  private queueSnapshots(fired: FiredWindow<A>[]): void {
    if (this.snapshotQueue) {
      for (const f of fired) this.snapshotQueue.push(f); // no spread: batches can exceed the argument limit
      return;
    }
    this.snapshotQueue = [...fired];
    if (this.snapshotRunning) return;
    const loop = async () => {
      while (this.snapshotQueue) {
        // Coalesce bursts: at most one snapshot build per second; the edge reads versioned swaps anyway.
        await new Promise((r) => setTimeout(r, 1000));
        const batch = this.snapshotQueue;
        if (!batch) break;
        this.snapshotQueue = null;
        try {
          await this.timed('snapshots', () => this.cfg.output.afterCommit!(batch));
        } catch (e) {
          log.warn('feature snapshot failed', { job: this.cfg.job, error: (e as Error).message });
        }
      }
      this.snapshotRunning = null;
    };
    this.snapshotRunning = loop();
  }

  /**
   * Revoked partitions: flush and commit what they fired, then drop their state; the next owner
   * rebuilds it from the checkpoint. Assigned partitions start from their checkpoint.
   */
  private async rebalance(revoke: boolean, partitions: number[]): Promise<void> {
    log.info(revoke ? 'partitions revoked' : 'partitions assigned', { job: this.cfg.job, partitions });
    if (revoke) {
      try {
        await this.flush();
      } catch (e) {
        log.warn('flush on revoke failed; the next owner replays from the last checkpoint', { job: this.cfg.job, error: (e as Error).message });
        this.pendingFired = [];
        this.pendingLate = [];
        this.pendingDead = [];
      }
    }
    for (const p of partitions) {
      this.engine.drop(p);
      this.committed.delete(p);
    }
  }
}
