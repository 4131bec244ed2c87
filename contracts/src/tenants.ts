import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { TenantId } from './ids.js';

export const Tenant = z.object({
  tenantId: TenantId,
  name: z.string().min(1).max(100),
  createdAt: IsoTime,
});
export type Tenant = z.infer<typeof Tenant>;

/** API keys are stored as SHA-256 hashes; the clear key is shown once at creation. */
export const ApiKeyRecord = z.object({
  tenantId: TenantId,
  keyId: z.string().min(4).max(32),
  keyHash: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.enum(['tenant', 'admin', 'senior', 'super', 'instructor']),
  /** For personal keys (an instructor, an admin): the user the key acts as. */
  userId: z.string().nullable().default(null),
  createdAt: IsoTime,
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

export const Role = z.enum(['tenant', 'admin', 'senior', 'super', 'instructor']);
export type Role = z.infer<typeof Role>;

export const CreateTenantRequest = z.object({
  tenantId: TenantId,
  name: z.string().min(1).max(100),
});
export const CreateApiKeyRequest = z.object({
  role: Role,
  userId: z.string().min(1).max(128).nullable().default(null),
});
/** The clear key appears in this response only. */
export const CreatedApiKey = z.object({ keyId: z.string(), apiKey: z.string(), role: Role, tenantId: TenantId });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/**
 * Guardrails per tenant (set by the platform operator): request rates per tenant and per API key
 * for each limited class, the burst allowed on top, and quotas. Limited classes: `recommend`
 * (GET /v1/recommend), `events` (POST /v1/events batches), `admin_write` (every other write with a
 * tenant key). Defaults are generous so benches and tests never meet them.
 */
export const RateLimitClass = z.enum(['recommend', 'events', 'admin_write']);
export type RateLimitClass = z.infer<typeof RateLimitClass>;
const PerSecond = z.number().positive().max(1_000_000);
export const ClassRate = z.object({ perTenant: PerSecond, perKey: PerSecond });
export const TenantLimits = z.object({
  /** Requests per second, refilled continuously; a bucket holds `burstSeconds` of them. */
  rate: z.object({ recommend: ClassRate, events: ClassRate, admin_write: ClassRate }),
  burstSeconds: z.number().min(1).max(60),
  quotas: z.object({
    /** Items in the catalogue (PUT /v1/items/:id, imports). */
    items: z.number().int().min(0),
    /** Events accepted per UTC day. */
    eventsPerDay: z.number().int().min(0),
    /** Bytes of uploaded media (tus Upload-Length at upload creation). */
    mediaBytes: z.number().int().min(0),
  }),
});
export type TenantLimits = z.infer<typeof TenantLimits>;
export const QuotaName = z.enum(['items', 'eventsPerDay', 'mediaBytes']);
export type QuotaName = z.infer<typeof QuotaName>;

export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  rate: {
    recommend: { perTenant: 20_000, perKey: 10_000 },
    events: { perTenant: 5_000, perKey: 5_000 },
    admin_write: { perTenant: 500, perKey: 200 },
  },
  burstSeconds: 2,
  quotas: { items: 1_000_000, eventsPerDay: 100_000_000, mediaBytes: 1024 ** 4 },
};

/** PUT /v1/platform/tenants/:tenantId/limits: any part; what is left out keeps its current value. */
export const TenantLimitsPatch = z
  .object({
    rate: z
      .object({ recommend: ClassRate.partial(), events: ClassRate.partial(), admin_write: ClassRate.partial() })
      .partial()
      .strict(),
    burstSeconds: TenantLimits.shape.burstSeconds,
    quotas: TenantLimits.shape.quotas.partial().strict(),
  })
  .partial()
  .strict();
export type TenantLimitsPatch = z.infer<typeof TenantLimitsPatch>;

/** Limits with a patch applied (nested objects merged). */
export function applyLimitsPatch(base: TenantLimits, p: TenantLimitsPatch): TenantLimits {
  return {
    rate: {
      recommend: { ...base.rate.recommend, ...p.rate?.recommend },
      events: { ...base.rate.events, ...p.rate?.events },
      admin_write: { ...base.rate.admin_write, ...p.rate?.admin_write },
    },
    burstSeconds: p.burstSeconds ?? base.burstSeconds,
    quotas: { ...base.quotas, ...p.quotas },
  };
}
