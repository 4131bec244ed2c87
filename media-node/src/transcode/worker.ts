import { randomBytes } from 'node:crypto';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  DeadLetter,
  deadLetterTopic,
  MediaTopics,
  Topics,
  TRANSCODE_CONSUMER_GROUP,
  TranscodeControl,
  TranscodeJob,
  TranscodeProgress,
  uuidv7,
  type TranscodeState,
} from '@vidplat/contracts';
import type { Consumer, Kafka, KafkaMessage, Producer } from '@vidplat/node-runtime/kafka';
import type { VideoRegistry } from '../catalogue/video-registry.js';
import { log } from '../ops/log.js';
import { FfmpegError } from './ffmpeg.js';
import { videoKeyPrefix, type OutputStore } from '../storage/output-store.js';
import { localSource, SourceMissing, type LocalSource } from '../storage/source.js';
import { sourcePath, transcodeToHls, videoDir, type OutputManifest } from './hls-output.js';
import { MediaRejected } from './probe.js';
import type { MediaMetrics } from '../ops/metrics.js';

export interface WorkerSettings {
  workerId: string;
  outputRoot: string;
  preset: string;
  segmentSeconds: number;
  retryBaseMs: number;
  jobTimeoutMs: number;
  sessionTimeoutMs: number;
  progressIntervalMs: number;
  /** Credential for the catalogue's internal API (EDGE_INTERNAL_TOKEN). */
  catalogueCredential: string;
  consumerGroup?: string;
  jobsTopic?: string;
  /** Where finished folders are published (default: they stay in outputRoot, the local store). */
  output?: OutputStore;
  /** Reads s3:// sources (uploads in the S3 store). */
  s3?: S3Client;
  /** Prometheus metrics (transcode results and seconds). */
  metrics?: MediaMetrics;
}

/** A failure that retrying cannot fix: it goes straight to the dead-letter topic. */
class PermanentFailure extends Error {}

export const retryDelayMs = (attempt: number, baseMs: number): number => Math.min(15 * 60_000, baseMs * 2 ** (attempt - 1));

export interface WorkerStatus {
  workerId: string;
  pid: number;
  state: 'starting' | 'idle' | 'running' | 'stopping';
  jobId: string | null;
  completed: number;
  failed: number;
}

/**
 * One transcode worker: a member of the `media-transcode` consumer group on `transcode-jobs`,
 * one job at a time. Offsets are committed only after the job reached a final state (done,
 * re-queued as a retry, dead-lettered, cancelled), so a worker killed mid-job has its job
 * redelivered to another member once its session times out.
 */
export class TranscodeWorker {
  private jobs?: Consumer;
  private control?: Consumer;
  private current?: { jobId: string; abort: AbortController };
  private readonly cancelled = new Set<string>();
  readonly status: WorkerStatus;
  private readonly group: string;
  private readonly jobsTopic: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly registry: VideoRegistry,
    private readonly s: WorkerSettings,
  ) {
    this.group = s.consumerGroup ?? TRANSCODE_CONSUMER_GROUP;
    this.jobsTopic = s.jobsTopic ?? Topics.transcodeJobs;
    this.status = { workerId: s.workerId, pid: process.pid, state: 'starting', jobId: null, completed: 0, failed: 0 };
  }

  async start(): Promise<void> {
    // Control messages are broadcast: every worker reads them in its own throwaway group.
    this.control = this.kafka.consumer({
      kafkaJS: { groupId: `${this.group}-control-${this.s.workerId}-${randomBytes(3).toString('hex')}`, fromBeginning: true, autoCommit: true },
    });
    await this.control.connect();
    await this.control.subscribe({ topics: [MediaTopics.transcodeControl] });
    void this.control.run({ eachMessage: async ({ message }) => this.onControl(message) });

    this.jobs = this.kafka.consumer({
      // A job may encode for a long time between polls; heartbeats run on librdkafka's own thread,
      // so the session timeout still detects a dead worker quickly.
      'max.poll.interval.ms': Math.max(this.s.jobTimeoutMs + 60_000, 300_000),
      'js.consumer.max.batch.size': 1,
      kafkaJS: { groupId: this.group, fromBeginning: true, autoCommit: false, sessionTimeout: this.s.sessionTimeoutMs, rebalanceTimeout: 60_000 },
    });
    await this.jobs.connect();
    await this.jobs.subscribe({ topics: [this.jobsTopic] });
    this.status.state = 'idle';
    void this.jobs.run({
      eachMessage: async ({ topic, partition, message }) => {
        await this.handle(topic, partition, message);
        await this.jobs!.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
  }

  /** Stops consuming; a running job is abandoned uncommitted and will be redelivered. */
  async stop(): Promise<void> {
    this.status.state = 'stopping';
    this.current?.abort.abort();
    await Promise.allSettled([this.jobs?.disconnect(), this.control?.disconnect()]);
  }

  private stopping(): boolean {
    return this.status.state === 'stopping';
  }

  private onControl(message: KafkaMessage): void {
    const parsed = TranscodeControl.safeParse(safeJson(message.value?.toString() ?? ''));
    if (!parsed.success) return;
    this.cancelled.add(parsed.data.jobId);
    if (this.current?.jobId === parsed.data.jobId) {
      log.info('cancelling running job', { jobId: parsed.data.jobId, workerId: this.s.workerId });
      this.current.abort.abort();
    }
  }

  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const raw = message.value?.toString() ?? '';
    const parsed = TranscodeJob.safeParse(safeJson(raw));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      await this.deadLetter(topic, partition, message, `invalid transcode job: ${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'not JSON'}`);
      this.s.metrics?.transcodes.inc({ result: 'dead_lettered' });
      return;
    }
    const job = parsed.data;
    if (this.cancelled.has(job.jobId)) {
      await this.finishCancelled(job);
      this.s.metrics?.transcodes.inc({ result: 'cancelled' });
      return;
    }
    let t0 = performance.now();
    const abort = new AbortController();
    this.current = { jobId: job.jobId, abort };
    this.status.state = 'running';
    this.status.jobId = job.jobId;
    try {
      if (job.notBefore) {
        const wait = Date.parse(job.notBefore) - Date.now();
        if (wait > 0) {
          await this.progress(job, 'queued', 0, { error: job.lastError });
          await sleep(wait, abort.signal);
        }
      }
      if (abort.signal.aborted) throw new FfmpegError('cancelled', null, null, '', true);
      t0 = performance.now(); // the wait for notBefore is not transcode time
      await this.runJob(job, abort.signal);
      this.s.metrics?.transcodes.inc({ result: 'completed' });
      this.s.metrics?.transcodeSeconds.observe({ result: 'completed' }, (performance.now() - t0) / 1000);
    } catch (e) {
      if (this.stopping()) throw e; // leave uncommitted: another worker takes it
      if (abort.signal.aborted && this.cancelled.has(job.jobId)) {
        await this.finishCancelled(job);
        this.s.metrics?.transcodes.inc({ result: 'cancelled' });
        return;
      }
      this.s.metrics?.transcodeSeconds.observe({ result: 'failed' }, (performance.now() - t0) / 1000);
      const reason = e instanceof Error ? e.message : String(e);
      const permanent = e instanceof MediaRejected || e instanceof PermanentFailure;
      if (!permanent && job.attempt < job.maxAttempts) {
        const delay = retryDelayMs(job.attempt, this.s.retryBaseMs);
        const retry: TranscodeJob = {
          ...job,
          eventId: uuidv7(),
          eventTime: new Date().toISOString(),
          attempt: job.attempt + 1,
          notBefore: new Date(Date.now() + delay).toISOString(),
          lastError: reason.slice(0, 2000),
        };
        await this.producer.send({ topic: this.jobsTopic, messages: [{ key: jobKey(job), value: JSON.stringify(retry) }] });
        await this.progress(job, 'queued', 0, { error: `attempt ${job.attempt} failed, retrying in ${Math.round(delay / 1000)} s: ${reason}` });
        log.warn('transcode attempt failed; retry queued', { jobId: job.jobId, attempt: job.attempt, delayMs: delay, reason });
        this.s.metrics?.transcodes.inc({ result: 'retried' });
        return;
      }
      this.status.failed++;
      this.s.metrics?.transcodes.inc({ result: 'failed' });
      const final = permanent ? reason : `gave up after ${job.attempt} attempts: ${reason}`;
      await this.deadLetter(topic, partition, message, final);
      await this.progress(job, 'failed', 0, { error: final });
      await this.setStatus(job, { status: 'failed', failureReason: final.slice(0, 1000), jobId: job.jobId });
      log.error('transcode failed', { jobId: job.jobId, videoId: job.videoId, reason: final });
    } finally {
      this.current = undefined;
      if (!this.stopping()) this.status.state = 'idle';
      this.status.jobId = null;
    }
  }

  private async runJob(job: TranscodeJob, signal: AbortSignal): Promise<void> {
    const prefix = videoKeyPrefix(job.tenantId, job.videoId);
    // A remote store outlives this host's folders: a video published there is only re-announced.
    const published = this.s.output?.kind === 's3' ? await this.s.output.readManifest(prefix) : null;
    if (published) return this.announce(job, published, true);
    let source: LocalSource;
    try {
      source = await localSource(job.sourceUri, join(this.s.outputRoot, '.sources'), this.s.s3);
    } catch (e) {
      if (e instanceof SourceMissing) throw new PermanentFailure(e.message);
      throw e;
    }
    try {
      await this.encodeAndPublish({ ...job, sourceUri: source.uri }, prefix, signal);
    } finally {
      await source.release();
    }
  }

  private async encodeAndPublish(job: TranscodeJob, prefix: string, signal: AbortSignal): Promise<void> {
    try {
      await access(sourcePath(job.sourceUri));
    } catch (e) {
      throw new PermanentFailure(`source not available: ${(e as Error).message}`);
    }
    await this.progress(job, 'running', 0);
    await this.setStatus(job, { status: 'transcoding', jobId: job.jobId }).catch(() => undefined);
    let lastSent = 0;
    const r = await transcodeToHls(job, {
      outputRoot: this.s.outputRoot,
      preset: this.s.preset,
      segmentSeconds: this.s.segmentSeconds,
      timeoutMs: this.s.jobTimeoutMs,
      signal,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastSent < this.s.progressIntervalMs || p.done) return;
        lastSent = now;
        void this.progress(job, 'running', Math.round(p.percent * 10) / 10, { fps: p.fps, speed: p.speed }).catch(() => undefined);
      },
    });
    // Publish the finished folder to the output store (a no-op for the local folder itself):
    // deterministic keys, master and manifest last. Once in a remote store the local copy goes.
    if (this.s.output) {
      const dir = videoDir(this.s.outputRoot, job.tenantId, job.videoId);
      const p = await this.s.output.publish(dir, prefix);
      if (this.s.output.kind === 's3') {
        await rm(dir, { recursive: true, force: true });
        log.info('output published', { jobId: job.jobId, prefix, written: p.written, alreadyPublished: p.alreadyPublished });
      }
    }
    await this.announce(job, r.manifest, r.alreadyDone);
  }

  /**
   * The catalogue must learn the result; if it cannot, the attempt fails and is retried (the
   * output already exists, so the retry only re-announces, with the same done event id).
   */
  private async announce(job: TranscodeJob, m: OutputManifest, alreadyDone: boolean): Promise<void> {
    await this.setStatus(job, { status: 'ready', renditions: m.renditions, durationSeconds: m.durationSeconds, failureReason: null, jobId: job.jobId }, true);
    await this.progress(job, 'done', 100, { renditions: m.renditions, masterPath: m.masterPath, durationSeconds: m.durationSeconds }, m.doneEventId);
    this.status.completed++;
    log.info(alreadyDone ? 'job already complete; re-announced' : 'transcode done', { jobId: job.jobId, videoId: job.videoId, renditions: m.renditions });
  }

  private async finishCancelled(job: TranscodeJob): Promise<void> {
    await this.progress(job, 'cancelled', 0, { error: 'cancelled by request' });
    await this.setStatus(job, { status: 'failed', failureReason: 'transcode cancelled', jobId: job.jobId }).catch(() => undefined);
  }

  private async setStatus(job: TranscodeJob, req: Omit<Parameters<VideoRegistry['setStatus']>[2], 'tenantId'>, required = false): Promise<void> {
    try {
      await this.registry.setStatus(this.s.catalogueCredential, job.videoId, { tenantId: job.tenantId, ...req });
    } catch (e) {
      log.warn('catalogue status update failed', { jobId: job.jobId, status: req.status, reason: (e as Error).message });
      if (required) throw e;
    }
  }

  private async progress(job: TranscodeJob, state: TranscodeState, percent: number, extra: Partial<TranscodeProgress> = {}, eventId = uuidv7()): Promise<void> {
    const ev = TranscodeProgress.parse({
      eventId,
      tenantId: job.tenantId,
      eventTime: new Date().toISOString(),
      schemaVersion: 1,
      jobId: job.jobId,
      videoId: job.videoId,
      state,
      percent,
      attempt: job.attempt,
      workerId: this.s.workerId,
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
    });
    await this.producer.send({ topic: Topics.transcodeProgress, messages: [{ key: jobKey(job), value: JSON.stringify(ev) }] });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string): Promise<void> {
    const dl: DeadLetter = {
      reason,
      failedAt: new Date().toISOString(),
      consumerGroup: this.group,
      topic,
      partition,
      offset: message.offset,
      value: message.value?.toString() ?? '',
    };
    await this.producer.send({ topic: deadLetterTopic(this.group), messages: [{ key: message.key ?? null, value: JSON.stringify(dl) }] });
  }
}

export const jobKey = (j: { tenantId: string; videoId: string }) => `${j.tenantId}:${j.videoId}`;

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
