import type { ApiError, QuotaName, TenantLimits } from '@vidplat/contracts';
import { quotaRefusals } from '../admin/counters.js';
import { SwrCache, type WaitUntil } from '../tenancy/swr-cache.js';

/**
 * Tenant quotas (limits from tenant-limits.ts), checked before a write does anything, so a
 * refused write leaves no trace: 403 `quota_exceeded` naming the quota in `field`.
 */
export function quotaError(quota: QuotaName, limit: number, wouldBe: number): ApiError {
  quotaRefusals.inc([quota]);
  return { code: 'quota_exceeded', message: `quota ${quota} of ${limit} would be exceeded (${wouldBe})`, field: quota };
}

/** Items: the tenant's item count after writing `ids` (new ids only count). */
export async function itemsQuota(db: D1Database, limits: TenantLimits, tenantId: string, ids: string[]): Promise<ApiError | null> {
  if (!ids.length) return null;
  const row = await db
    .prepare(
      `SELECT (SELECT count(*) FROM items WHERE tenant_id = ?1) AS total,
              (SELECT count(*) FROM items WHERE tenant_id = ?1 AND item_id IN (SELECT value FROM json_each(?2))) AS existing`,
    )
    .bind(tenantId, JSON.stringify([...new Set(ids)]))
    .first<{ total: number; existing: number }>();
  const after = (row?.total ?? 0) + new Set(ids).size - (row?.existing ?? 0);
  return after > limits.quotas.items ? quotaError('items', limits.quotas.items, after) : null;
}

/** Stored media: the tenant's other (not deleted) video sources plus this upload's size. */
export async function mediaBytesQuota(db: D1Database, limits: TenantLimits, tenantId: string, videoId: string, sizeBytes: number): Promise<ApiError | null> {
  const row = await db
    .prepare('SELECT coalesce(sum(source_bytes), 0) AS used FROM videos WHERE tenant_id = ?1 AND video_id != ?2 AND deleted_at IS NULL')
    .bind(tenantId, videoId)
    .first<{ used: number }>();
  const after = (row?.used ?? 0) + sizeBytes;
  return after > limits.quotas.mediaBytes ? quotaError('mediaBytes', limits.quotas.mediaBytes, after) : null;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Events accepted today per tenant, from D1 `tenant_usage` (cached ≤ 2 s per isolate) plus what
 * this isolate accepted since that value was read: the check is exact within one isolate and
 * behind by at most ~2 s of the other isolates' traffic.
 */
const usage = new SwrCache<{ events: number; readAt: number }>(1_000, 2_000, 5_000, 'tenant_usage');
const acceptedHere = new Map<string, { n: number; at: number }[]>();

export async function eventsQuota(db: D1Database, limits: TenantLimits, tenantId: string, count: number, waitUntil?: WaitUntil, now = Date.now()): Promise<ApiError | null> {
  const day = utcDay(now);
  const key = `${tenantId}\u0000${day}`;
  const u = await usage.get(
    key,
    async () => {
      const readAt = Date.now();
      const r = await db.prepare('SELECT events FROM tenant_usage WHERE tenant_id = ?1 AND day = ?2').bind(tenantId, day).first<{ events: number }>();
      return { events: r?.events ?? 0, readAt };
    },
    waitUntil,
    now,
  );
  const local = (acceptedHere.get(key) ?? []).filter((x) => x.at >= u.readAt).reduce((s, x) => s + x.n, 0);
  const after = u.events + local + count;
  return after > limits.quotas.eventsPerDay ? quotaError('eventsPerDay', limits.quotas.eventsPerDay, after) : null;
}

/** Counts accepted events against today's quota (the D1 write outlives the response). */
export function recordEvents(db: D1Database, tenantId: string, count: number, waitUntil?: WaitUntil, now = Date.now()): Promise<void> {
  const day = utcDay(now);
  const key = `${tenantId}\u0000${day}`;
  const list = (acceptedHere.get(key) ?? []).filter((x) => now - x.at < 10_000);
  list.push({ n: count, at: now });
  if (acceptedHere.size > 10_000) acceptedHere.clear();
  acceptedHere.set(key, list);
  const write = db
    .prepare('INSERT INTO tenant_usage (tenant_id, day, events) VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id, day) DO UPDATE SET events = events + excluded.events')
    .bind(tenantId, day, count)
    .run()
    .then(() => undefined)
    .catch((e: unknown) => console.warn('usage not counted', tenantId, e instanceof Error ? e.message : String(e)));
  if (waitUntil) waitUntil(write);
  return write;
}
