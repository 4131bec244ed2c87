import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConfigError, type ApiError, type ErrorBody, type ErrorCode } from '@vidplat/contracts';
import { BreakerOpen } from '../guardrails/breaker.js';

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

export function sendError(c: Context, status: ContentfulStatusCode, e: ApiError, headers?: Record<string, string>): Response {
  return c.json({ error: e } satisfies ErrorBody, status, headers);
}

/** Last-resort handler: config errors name the variable; anything else is a 500 without internals. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ConfigError) {
    return sendError(c, 500, { code: 'internal', message: `edge misconfigured: ${err.variable}` });
  }
  // An upstream behind an open circuit breaker, on a route with no fallback of its own.
  if (err instanceof BreakerOpen) {
    return sendError(c, 503, { code: 'upstream_unavailable', message: err.message }, { 'retry-after': String(err.retryAfterSeconds) });
  }
  console.error('unhandled', err.name, err.message);
  return sendError(c, 500, { code: 'internal', message: 'internal error' });
}
