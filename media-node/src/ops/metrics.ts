import type { Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PartitionDepth } from '../transcode/queue-depth.js';

/**
 * Prometheus metrics of a media-node process (upload server or transcode worker), served at
 * /metrics on the process's health port. Labels stay low-cardinality (result, rung count).
 */
export class MediaMetrics {
  readonly registry = new Registry();
  readonly transcodes: Counter<'result'>;
  readonly transcodeSeconds: Histogram<'result'>;
  readonly queueDepth: Gauge<'partition'>;
  private depthSource: (() => Promise<PartitionDepth[]>) | null = null;

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
    const self = this;
    this.queueDepth = new Gauge({
      name: 'media_transcode_queue_depth',
      help: 'Transcode jobs not yet committed by the worker group, per partition of the jobs topic (read from the broker at scrape time)',
      labelNames: ['partition'],
      registers,
      async collect() {
        if (!self.depthSource) return;
        this.reset();
        try {
          for (const p of await self.depthSource()) this.set({ partition: String(p.partition) }, p.depth);
        } catch {
          // Broker unreachable: no sample rather than a stale or made-up one (the absence alerts).
        }
      },
    });
  }

  /** Where the queue depth is read from on each scrape (the transcode worker sets it). */
  watchQueue(source: () => Promise<PartitionDepth[]>): void {
    this.depthSource = source;
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
