import type { ApiError } from '@vidplat/contracts';

/**
 * What a Durable Object method returns over RPC: a value or an API error with its HTTP status.
 * Errors are values (not thrown) so they cross the RPC boundary intact.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; status: 400 | 403 | 404 | 409 | 422 | 503; error: ApiError };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (status: 400 | 403 | 404 | 409 | 422 | 503, code: ApiError['code'], message: string, field?: string): Outcome<never> => ({
  ok: false,
  status,
  error: { code, message, ...(field ? { field } : {}) },
});

/** Who acts: the id recorded in history and `createdBy`, and the role deciding what they may do. */
export interface Actor {
  tenantId: string;
  id: string;
  role: string;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Exponential backoff with a cap; attempt counts from 1. */
export const backoffMs = (baseMs: number, attempt: number, capMs = 3_600_000) => Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
