import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one window job process. Labels stay low-cardinality: job and partition.
 * events/s is `rate(stream_events_total[1m])`; lag is the partition's high watermark minus the
 * next offset to read, as of the last batch.
 */
export class JobMetrics {
  readonly registry = new Registry();
  readonly events: Counter<'job' | 'verdict'>;
  readonly deadLettered: Counter<'job'>;
  readonly lag: Gauge<'job' | 'partition'>;
  readonly watermark: Gauge<'job' | 'partition'>;
  readonly openWindows: Gauge<'job' | 'partition'>;
  readonly windowsEmitted: Counter<'job' | 'final'>;
  readonly closeLatency: Histogram<'job'>;
  readonly flushes: Counter<'job' | 'result'>;
  readonly flushPhase: Counter<'job' | 'phase'>;

  constructor(readonly job: string) {
    this.registry.setDefaultLabels({ service: `stream-${job}` });
    collectDefaultMetrics({ register: this.registry });
    const r = [this.registry];
    this.events = new Counter({ name: 'stream_events_total', help: 'Behaviour events read, by verdict (accepted, late, future, backfill, duplicate, ignored, replayed)', labelNames: ['job', 'verdict'], registers: r });
    this.deadLettered = new Counter({ name: 'stream_dlq_total', help: 'Messages sent to the dead-letter topic', labelNames: ['job'], registers: r });
    this.lag = new Gauge({ name: 'stream_consumer_lag', help: 'Messages behind the partition high watermark', labelNames: ['job', 'partition'], registers: r });
    this.watermark = new Gauge({ name: 'stream_watermark_ms', help: 'Event-time watermark per partition, epoch ms', labelNames: ['job', 'partition'], registers: r });
    this.openWindows = new Gauge({ name: 'stream_open_windows', help: 'Windows held in memory per partition', labelNames: ['job', 'partition'], registers: r });
    this.windowsEmitted = new Counter({ name: 'stream_windows_emitted_total', help: 'Window rows written to the sink', labelNames: ['job', 'final'], registers: r });
    this.closeLatency = new Histogram({
      name: 'stream_window_close_latency_seconds',
      help: 'Wall time from a window firing (watermark passed its end) to its row being written and the offsets committed',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    this.flushPhase = new Counter({ name: 'stream_flush_phase_seconds_total', help: 'Time spent per flush phase (sink write, late rows, dlq, commit, snapshots)', labelNames: ['job', 'phase'], registers: r });
    this.flushes = new Counter({ name: 'stream_flushes_total', help: 'Sink flushes + offset commits', labelNames: ['job', 'result'], registers: r });
  }
}

/** /metrics (Prometheus text) and /healthz (JSON) on one port. */
export function serveOps(port: number, metrics: JobMetrics, health: () => Record<string, unknown> & { ok: boolean }): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        })
        .catch((e: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(e.message);
        });
      return;
    }
    if (path === '/healthz' || path === '/') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such path' } }));
  }).listen(port, '127.0.0.1');
}
