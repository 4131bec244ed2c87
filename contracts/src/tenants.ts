import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { TenantId } from './ids.js';
import { MAX_EVENT_HORIZON_DAYS } from './event-admission.js';

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

/**
 * What a server key may do beyond its role. `act_as_user`: the key may name the end user it acts
 * for (X-User-Id, or `user` on recommend); without it, only a personal key's own user or an
 * end-user token proves who the user is.
 */
export const KeyPermission = z.enum(['act_as_user']);
export type KeyPermission = z.infer<typeof KeyPermission>;

export const CreateTenantRequest = z.object({
  tenantId: TenantId,
  name: z.string().min(1).max(100),
  /** Permissions of the tenant's first (super) key; none unless asked for. */
  permissions: z.array(KeyPermission).max(8).default([]),
});
export const CreateApiKeyRequest = z.object({
  role: Role,
  userId: z.string().min(1).max(128).nullable().default(null),
  permissions: z.array(KeyPermission).max(8).default([]),
});
/** The clear key appears in this response only. */
export const CreatedApiKey = z.object({
  keyId: z.string(),
  apiKey: z.string(),
  role: Role,
  tenantId: TenantId,
  permissions: z.array(KeyPermission).default([]),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/** Audience every end-user token must carry: `vidplat:<tenantId>`. */
export const userTokenAudience = (tenantId: string): string => `vidplat:${tenantId}`;

const Kid = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'kid: 1-64 of A-Z a-z 0-9 _ . -');
/** A P-256 public key as JWK (the private part `d` is refused: the platform never holds it). */
export const EcPublicJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(40).max(50),
  y: z.string().min(40).max(50),
  kid: Kid.optional(),
  d: z.never({ error: 'send the public key only (no "d")' }).optional(),
});
export type EcPublicJwk = z.infer<typeof EcPublicJwk>;

/**
 * A key the tenant signs end-user tokens with: an HS256 shared secret (at least 32 bytes), an
 * ES256 public key, or a JWKS document of ES256 public keys (each with its `kid`).
 */
export const RegisterUserTokenKeyRequest = z.union([
  z.object({ kid: Kid, alg: z.literal('HS256'), secret: z.string().min(32).max(512) }),
  z.object({ kid: Kid, alg: z.literal('ES256'), publicJwk: EcPublicJwk }),
  z.object({ jwks: z.object({ keys: z.array(EcPublicJwk.extend({ kid: Kid })).min(1).max(20) }) }),
]);
export type RegisterUserTokenKeyRequest = z.infer<typeof RegisterUserTokenKeyRequest>;

/** A registered key as the API shows it: never the secret. */
export const UserTokenKeyView = z.object({ kid: z.string(), alg: z.enum(['HS256', 'ES256']), createdAt: IsoTime });
export type UserTokenKeyView = z.infer<typeof UserTokenKeyView>;

/**
 * A tenant's event policy (GET/PUT /v1/admin/event-policy, super key): how old a live event may
 * be (null = the platform's EVENT_HORIZON_DAYS). Older history goes through the backfill path.
 */
export const TenantEventPolicy = z.object({
  eventHorizonDays: z.number().int().min(1).max(MAX_EVENT_HORIZON_DAYS).nullable(),
});
export type TenantEventPolicy = z.infer<typeof TenantEventPolicy>;

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
