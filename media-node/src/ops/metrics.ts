import type { Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Kafka } from '@vidplat/stream/kafka/client';

/**
 * Prometheus metrics of a media-node process (upload server or transcode worker), served at
 * /metrics on the process's health port. Labels stay low-cardinality (result, rung count).
 */
export class MediaMetrics {
  readonly registry = new Registry();
  readonly transcodes: Counter<'result'>;
  readonly transcodeSeconds: Histogram<'result'>;
  readonly queueDepth: Gauge<'topic'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.transcodes = new Counter({ name: 'media_transcode_jobs_total', help: 'Transcode attempts by result (completed, failed = gave up, retried, cancelled, dead_lettered = not a job)', labelNames: ['result'], registers });
    this.transcodeSeconds = new Histogram({
      name: 'media_transcode_seconds',
      help: 'Wall time of a transcode attempt (decode once, every rung, publish)',
      labelNames: ['result'],
      buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'media_transcode_queue_depth', help: 'Transcode jobs not yet consumed by the worker group (sum over partitions of high watermark minus committed offset)', labelNames: ['topic'], registers });
  }

  /**
   * Keeps media_transcode_queue_depth current: every `everyMs` the group's committed offsets
   * against the topic's high watermarks (one admin connection, kept open).
   */
  watchQueue(kafka: Kafka, groupId: string, topic: string, everyMs = 15_000): () => Promise<void> {
    const admin = kafka.admin();
    let stopped = false;
    const connected = admin.connect();
    const tick = async () => {
      if (stopped) return;
      try {
        await connected;
        const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        let depth = 0;
        for (const p of high) {
          const c = done.get(p.partition);
          const from = c !== undefined && c >= 0 ? c : Number(p.low);
          depth += Math.max(0, Number(p.high) - from);
        }
        this.queueDepth.set({ topic }, depth);
      } catch {
        // Broker unreachable: the gauge keeps its last value; the next tick tries again.
      }
    };
    const timer = setInterval(() => void tick(), everyMs);
    timer.unref();
    void tick();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await admin.disconnect().catch(() => undefined);
    };
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Adds GET /metrics to a node:http server (before its other request listeners answer). */
export function serveMetrics(server: Server, metrics: MediaMetrics): void {
  const others = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if ((req.url ?? '').split('?')[0] === '/metrics' && req.method === 'GET') {
      metrics
        .text()
        .then((t) => res.writeHead(200, { 'content-type': t.contentType }).end(t.body))
        .catch((e: Error) => res.writeHead(500).end(e.message));
      return;
    }
    for (const l of others) (l as (a: typeof req, b: typeof res) => void)(req, res);
  });
}
