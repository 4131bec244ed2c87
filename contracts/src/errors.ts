import { z } from 'zod';

/** Machine-readable error codes shared by every HTTP API of the platform. */
export const ErrorCode = z.enum([
  'invalid_body',
  'invalid_query',
  'invalid_field',
  'unauthorized',
  'forbidden',
  /** A server key named an end user without the act_as_user permission. */
  'act_as_user_required',
  /** An end-user token that is malformed, badly signed, for another audience or tenant. */
  'invalid_token',
  'token_expired',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'quota_exceeded',
  'upstream_unavailable',
  'internal',
  /** An eventTime outside the accepted range (clock skew, horizon); `allowed` says the range. */
  'event_time_out_of_range',
  /** An event type only the platform emits (e.g. `schedule`), posted with a tenant key. */
  'reserved_event_type',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  field: z.string().optional().describe('dotted path of the offending field, e.g. events.3.eventTime'),
  /** For event_time_out_of_range: the accepted eventTime range at the time of the request. */
  allowed: z.object({ from: z.string(), to: z.string() }).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export const ErrorBody = z.object({ error: ApiError });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** First zod issue as an ApiError: the field path joined with dots. */
export function apiErrorFromZod(err: z.ZodError, code: ErrorCode = 'invalid_field', prefix?: string): ApiError {
  const issue = err.issues[0];
  // An unknown key is named at its own path (e.g. `strategy.gates.maxErrorRate`), not its parent's.
  const extra = issue?.code === 'unrecognized_keys' && issue.keys.length ? [issue.keys[0]!] : [];
  const path = [...(prefix ? [prefix] : []), ...(issue?.path ?? []).map(String), ...extra].join('.');
  return { code, message: issue?.message ?? 'invalid', ...(path ? { field: path } : {}) };
}
