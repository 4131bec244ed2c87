import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConfigError, type ApiError, type ErrorBody, type ErrorCode } from '@vidplat/contracts';

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
  console.error('unhandled', err.name, err.message);
  return sendError(c, 500, { code: 'internal', message: 'internal error' });
}
