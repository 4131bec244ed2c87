import { allBreakers, BREAKER_STATE_VALUE } from '../guardrails/breaker.js';

/**
 * Counters of this isolate beyond requests (request-metrics.ts): cache lookups, degraded answers,
 * rate-limit and quota refusals, breaker states. Small fixed label sets, Prometheus text out.
 */
export class LabelledCounter {
  private readonly values = new Map<string, { labels: readonly string[]; n: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    registry.push(this);
  }
  inc(labels: readonly string[], by = 1): void {
    const key = labels.join('\u0000');
    const v = this.values.get(key);
    if (v) v.n += by;
    else this.values.set(key, { labels: [...labels], n: by });
  }
  /** The series of one label set, to count on a hot path without building a key per call (`s.n++`). */
  series(labels: readonly string[]): { n: number } {
    const key = labels.join('\u0000');
    let v = this.values.get(key);
    if (!v) this.values.set(key, (v = { labels: [...labels], n: 0 }));
    return v;
  }
  get(labels: readonly string[]): number {
    return this.values.get(labels.join('\u0000'))?.n ?? 0;
  }
  text(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, n } of [...this.values.values()].sort((a, b) => a.labels.join().localeCompare(b.labels.join()))) {
      out.push(`${this.name}{${this.labelNames.map((l, i) => `${l}="${esc(labels[i] ?? '')}"`).join(',')}} ${n}`);
    }
    return out;
  }
}

/** A histogram with a small fixed label set (cumulative buckets in the text, as Prometheus wants). */
export class LabelledHistogram {
  private readonly values = new Map<string, { labels: readonly string[]; counts: number[]; sum: number; n: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    registry.push(this);
  }
  observe(labels: readonly string[], v: number): void {
    const key = labels.join('\u0000');
    let s = this.values.get(key);
    if (!s) this.values.set(key, (s = { labels: [...labels], counts: new Array<number>(this.buckets.length).fill(0), sum: 0, n: 0 }));
    s.n++;
    s.sum += v;
    const i = this.buckets.findIndex((b) => v <= b);
    if (i >= 0) s.counts[i]!++;
  }
  count(labels: readonly string[]): number {
    return this.values.get(labels.join('\u0000'))?.n ?? 0;
  }
  text(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of [...this.values.values()].sort((a, b) => a.labels.join().localeCompare(b.labels.join()))) {
      const l = this.labelNames.map((n, i) => `${n}="${esc(s.labels[i] ?? '')}"`).join(',');
      let cum = 0;
      this.buckets.forEach((b, i) => {
        cum += s.counts[i]!;
        out.push(`${this.name}_bucket{${l}${l ? ',' : ''}le="${b}"} ${cum}`);
      });
      out.push(`${this.name}_bucket{${l}${l ? ',' : ''}le="+Inf"} ${s.n}`, `${this.name}_sum{${l}} ${s.sum}`, `${this.name}_count{${l}} ${s.n}`);
    }
    return out;
  }
}

const registry: { text(): string[] }[] = [];
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Isolate cache lookups by cache and result (hit, stale = served while refreshing, miss). */
export const cacheLookups = new LabelledCounter('edge_cache_lookups_total', 'Isolate cache lookups by cache and result (hit, stale, miss).', ['cache', 'result']);
/** Answers served degraded (from isolate caches because an upstream was unreachable). */
export const degradedAnswers = new LabelledCounter('edge_degraded_answers_total', 'Answers served degraded from isolate caches because an upstream was unreachable.', ['route', 'upstream']);
/** Requests refused by a rate limit (429). */
export const rateLimited = new LabelledCounter('edge_rate_limited_total', 'Requests refused with 429 rate_limited, by limited class and scope.', ['class', 'scope']);
/** Writes refused by a quota (403). */
export const quotaRefusals = new LabelledCounter('edge_quota_exceeded_total', 'Writes refused with 403 quota_exceeded, by quota.', ['quota']);

/** Campaign batches by result (sent, retry = transient failure kept for a retry, failed = final). */
export const campaignBatches = new LabelledCounter('edge_campaign_batches_total', 'Campaign batches by result (sent, retry, failed).', ['result']);
/** Campaigns that ended failed, by cause (batch, audience, quota, config). */
export const campaignFailures = new LabelledCounter('edge_campaign_failures_total', 'Campaigns that ended in the failed state.', ['cause']);
/** Broadcaster webhook posts by result (ok, failed). */
export const broadcasterPosts = new LabelledCounter('edge_broadcaster_posts_total', 'Broadcaster webhook posts by result (ok, failed).', ['result']);
/** Notifier delivery attempts by channel (webhook, push) and outcome (delivered, duplicate, retry, failed). */
export const notifierDeliveries = new LabelledCounter('edge_notifier_deliveries_total', 'Notifier delivery attempts by channel and outcome.', ['channel', 'outcome']);
/**
 * How late scheduled work runs, in ms after it was due (Scheduler actions, broadcaster tasks,
 * campaign batches), observed when an alarm runs it. Counted in the isolate running the object.
 */
export const alarmLateness = new LabelledHistogram('edge_alarm_lateness_ms', 'How late scheduled work ran after its due time (ms), by Durable Object kind.', ['object'], [
  100, 500, 1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000,
]);

/** Consecutive failed posts per broadcaster task seen by this isolate (the gauge is the maximum). */
export const broadcasterStreaks = new Map<string, number>();

/** Prometheus text of every counter and the breaker states. */
export function countersText(): string[] {
  const out: string[] = [];
  for (const c of registry) out.push(...c.text());
  const bs = allBreakers().sort((a, b) => a.name.localeCompare(b.name));
  out.push('# HELP edge_breaker_state Circuit breaker state: 0 closed, 1 half-open, 2 open.', '# TYPE edge_breaker_state gauge');
  for (const b of bs) out.push(`edge_breaker_state{breaker="${esc(b.name)}"} ${BREAKER_STATE_VALUE[b.state]}`);
  out.push('# HELP edge_breaker_transitions_total Circuit breaker transitions into each state.', '# TYPE edge_breaker_transitions_total counter');
  for (const b of bs) for (const [to, n] of Object.entries(b.transitions)) out.push(`edge_breaker_transitions_total{breaker="${esc(b.name)}",to="${to}"} ${n}`);
  out.push('# HELP edge_breaker_rejected_total Calls refused at once because the circuit was open.', '# TYPE edge_breaker_rejected_total counter');
  for (const b of bs) out.push(`edge_breaker_rejected_total{breaker="${esc(b.name)}"} ${b.rejected}`);
  out.push(
    '# HELP edge_broadcaster_consecutive_failures_max Longest current run of failed posts among broadcaster tasks this isolate ran.',
    '# TYPE edge_broadcaster_consecutive_failures_max gauge',
    `edge_broadcaster_consecutive_failures_max ${Math.max(0, ...broadcasterStreaks.values())}`,
  );
  return out;
}
