/**
 * Recommendation coverage and diversity as served by this isolate, per tenant (metrics):
 * - coverage: distinct items put in recommendation lists over the last 5–10 minutes (the current
 *   and the previous 5-minute window), and that count ÷ the tenant's catalogue size, which the
 *   metrics route reads at scrape time (a tenant whose lists collapse onto a few items shows it);
 * - diversity: per list of two or more items, distinct (first) categories ÷ list length, as a
 *   histogram (1 = every item from another category).
 * A few Set insertions per answer; bounded memory (a tenant's window stops growing at 200k items).
 */
const WINDOW_MS = 5 * 60_000;
const MAX_ITEMS = 200_000;
const MAX_TENANTS = 10_000;
export const DIVERSITY_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

interface TenantQuality {
  windowStart: number;
  cur: Set<string>;
  prev: Set<string>;
  lists: number;
  diversity: { counts: number[]; sum: number; n: number };
}

const tenants = new Map<string, TenantQuality>();

function of(tenant: string, now: number): TenantQuality {
  let q = tenants.get(tenant);
  if (!q) {
    if (tenants.size >= MAX_TENANTS) tenants.clear();
    tenants.set(tenant, (q = { windowStart: now, cur: new Set(), prev: new Set(), lists: 0, diversity: { counts: new Array<number>(DIVERSITY_BUCKETS.length).fill(0), sum: 0, n: 0 } }));
  }
  rotate(q, now);
  return q;
}

function rotate(q: TenantQuality, now: number): void {
  if (now - q.windowStart < WINDOW_MS) return;
  // Two windows gone: nothing recent is left.
  q.prev = now - q.windowStart < 2 * WINDOW_MS ? q.cur : new Set();
  q.cur = new Set();
  q.windowStart = now - ((now - q.windowStart) % WINDOW_MS);
}

/** One answered list: its item ids and each item's first category (undefined when it has none). */
export function observeList(tenant: string, count: number, idAt: (k: number) => string, categoryAt: (k: number) => string | undefined, now: number): void {
  if (!count) return;
  const q = of(tenant, now);
  q.lists++;
  if (q.cur.size < MAX_ITEMS) for (let k = 0; k < count; k++) q.cur.add(idAt(k));
  if (count < 2) return;
  const seen: (string | undefined)[] = [];
  for (let k = 0; k < count; k++) {
    const c = categoryAt(k);
    if (!seen.includes(c)) seen.push(c);
  }
  const d = seen.length / count;
  const h = q.diversity;
  h.n++;
  h.sum += d;
  const i = DIVERSITY_BUCKETS.findIndex((b) => d <= b + 1e-9);
  h.counts[i >= 0 ? i : DIVERSITY_BUCKETS.length - 1]!++;
}

/** Distinct items served to `tenant` in the last 5–10 minutes. */
export function distinctItems(tenant: string, now = Date.now()): number {
  const q = tenants.get(tenant);
  if (!q) return 0;
  rotate(q, now);
  let n = q.cur.size;
  for (const id of q.prev) if (!q.cur.has(id)) n++;
  return n;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text; `catalogue` = items per tenant (coverage ratio only where known and > 0). */
export function listQualityText(catalogue: ReadonlyMap<string, number> = new Map(), now = Date.now()): string[] {
  const ts = [...tenants.keys()].sort();
  const out = ['# HELP edge_recommend_lists_total Recommendation lists answered, by tenant.', '# TYPE edge_recommend_lists_total counter'];
  for (const t of ts) out.push(`edge_recommend_lists_total{tenant="${esc(t)}"} ${tenants.get(t)!.lists}`);
  out.push('# HELP edge_recommend_distinct_items Distinct items put in recommendation lists in the last 5-10 minutes.', '# TYPE edge_recommend_distinct_items gauge');
  for (const t of ts) out.push(`edge_recommend_distinct_items{tenant="${esc(t)}"} ${distinctItems(t, now)}`);
  out.push('# HELP edge_recommend_coverage_ratio Distinct items recommended in the last 5-10 minutes divided by the catalogue size.', '# TYPE edge_recommend_coverage_ratio gauge');
  for (const t of ts) {
    const size = catalogue.get(t);
    if (size) out.push(`edge_recommend_coverage_ratio{tenant="${esc(t)}"} ${Math.min(1, distinctItems(t, now) / size)}`);
  }
  out.push('# HELP edge_recommend_list_diversity Distinct categories in a recommendation list divided by its length.', '# TYPE edge_recommend_list_diversity histogram');
  for (const t of ts) {
    const h = tenants.get(t)!.diversity;
    if (!h.n) continue;
    let cum = 0;
    DIVERSITY_BUCKETS.forEach((b, i) => {
      cum += h.counts[i]!;
      out.push(`edge_recommend_list_diversity_bucket{tenant="${esc(t)}",le="${b}"} ${cum}`);
    });
    out.push(`edge_recommend_list_diversity_bucket{tenant="${esc(t)}",le="+Inf"} ${h.n}`, `edge_recommend_list_diversity_sum{tenant="${esc(t)}"} ${h.sum}`, `edge_recommend_list_diversity_count{tenant="${esc(t)}"} ${h.n}`);
  }
  return out;
}

/** Tests only. */
export function resetListQuality(): void {
  tenants.clear();
}
