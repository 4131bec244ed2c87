import { applyLimitsPatch, DEFAULT_TENANT_LIMITS, TenantLimits } from '@vidplat/contracts';
import { SwrCache, type WaitUntil } from '../tenancy/swr-cache.js';

/**
 * A tenant's limits (D1 `tenant_limits`, defaults from contracts where no row exists), cached per
 * isolate like scenarios: refreshed in the background after 5 s, never older than 10 s, so an
 * operator's change applies everywhere within 10 s and at once in the isolate that wrote it.
 */
const cache = new SwrCache<TenantLimits>(5_000, 10_000, 5_000, 'tenant_limits');

class LimitsLoader {
  constructor(
    private readonly db: D1Database,
    private readonly tenantId: string,
  ) {}
  load = async (): Promise<TenantLimits> => readTenantLimits(this.db, this.tenantId);
}

export async function readTenantLimits(db: D1Database, tenantId: string): Promise<TenantLimits> {
  const row = await db.prepare('SELECT limits FROM tenant_limits WHERE tenant_id = ?1').bind(tenantId).first<{ limits: string }>();
  if (!row) return DEFAULT_TENANT_LIMITS;
  const parsed = TenantLimits.safeParse(JSON.parse(row.limits));
  // A row from an older shape: defaults under whatever still parses as a patch.
  return parsed.success ? parsed.data : applyLimitsPatch(DEFAULT_TENANT_LIMITS, {});
}

/** Fresh cached limits without a promise (the hot path), else undefined. */
export function freshTenantLimits(tenantId: string, now = Date.now()): TenantLimits | undefined {
  return cache.peek(tenantId, now);
}

export function tenantLimits(db: D1Database, tenantId: string, waitUntil?: WaitUntil): Promise<TenantLimits> {
  return cache.get(tenantId, new LimitsLoader(db, tenantId).load, waitUntil);
}

export async function writeTenantLimits(db: D1Database, tenantId: string, limits: TenantLimits): Promise<void> {
  await db
    .prepare('INSERT INTO tenant_limits (tenant_id, limits, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id) DO UPDATE SET limits = excluded.limits, updated_at = excluded.updated_at')
    .bind(tenantId, JSON.stringify(limits), new Date().toISOString())
    .run();
  cache.delete(tenantId);
}

/** The limits of the caller's tenant for a route handler (cached; defaults if D1 cannot say). */
export async function limitsOf(db: D1Database, tenantId: string, waitUntil?: WaitUntil): Promise<TenantLimits> {
  return freshTenantLimits(tenantId) ?? (await tenantLimits(db, tenantId, waitUntil).catch(() => DEFAULT_TENANT_LIMITS));
}
