import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of the stream tier's non-window services (the ingest producer and the
 * topic → table copiers); the window jobs have theirs in job-metrics.ts. One registry per
 * process with a `service` label, served at GET /metrics.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (this: Gauge<L>) => void): Gauge<L> {
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry], ...(collect ? { collect } : {}) });
  }
  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, buckets, labelNames: [...labelNames], registers: [this.registry] });
  }
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A topic → table copier's metrics, read from its running stats at scrape time. */
export function copierMetrics(m: ServiceMetrics, group: string, table: string, stats: { written: number; deadLettered: number }): ServiceMetrics {
  m.gauge('stream_copier_rows_written', 'Rows this copier wrote to its table since start', ['table'], function () {
    this.set({ table }, stats.written);
  });
  m.gauge('stream_copier_dead_lettered', 'Messages this copier sent to its dead-letter topic since start', ['group'], function () {
    this.set({ group }, stats.deadLettered);
  });
  return m;
}

/** The ingest producer's metrics. */
export function ingestMetrics(m = new ServiceMetrics('stream-ingest')) {
  return {
    m,
    batches: m.counter('ingest_batches_total', 'Batches received from the edge, by result (accepted, invalid, unauthorized, unavailable)', ['result']),
    events: m.counter('ingest_events_total', 'Events acknowledged by Kafka'),
    produceSeconds: m.histogram('ingest_produce_seconds', 'Time from a valid batch to Kafka acknowledging all of it', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
  };
}
export type IngestMetrics = ReturnType<typeof ingestMetrics>;
