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
 * A tenant's event policy (GET/PUT /v1/admin/event-policy, super key): how old a live event may
 * be (null = the platform's EVENT_HORIZON_DAYS). Older history goes through the backfill path.
 */
export const TenantEventPolicy = z.object({
  eventHorizonDays: z.number().int().min(1).max(MAX_EVENT_HORIZON_DAYS).nullable(),
});
export type TenantEventPolicy = z.infer<typeof TenantEventPolicy>;
