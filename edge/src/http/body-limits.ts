import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { BODY_LIMITS, type BodyLimitClass } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody } from './errors.js';

/** Routes whose bodies are larger by design; every other body is an ordinary JSON write. */
const LARGER: ReadonlyArray<readonly [method: string, path: RegExp, cls: BodyLimitClass]> = [
  ['POST', /^\/v1\/events(\/backfill)?\/?$/, 'eventBatch'],
  ['POST', /^\/v1\/items\/import\/?$/, 'ndjsonImport'],
  ['PUT', /^\/v1\/models\/[^/]+\/versions\/[^/]+\/?$/, 'modelUpload'],
  ['PUT', /^\/v1\/embeddings\/[^/]+\/?$/, 'embeddingUpload'],
  ['POST', /^\/v1\/admin\/campaigns\/?$/, 'bulkJson'],
  ['POST', /^\/v1\/admin\/scheduling\/(batch|import)\/?$/, 'bulkJson'],
];

export function bodyLimitClass(method: string, path: string): BodyLimitClass {
  for (const [m, re, cls] of LARGER) if (m === method && re.test(path)) return cls;
  return 'jsonWrite';
}

/** Hono's bodyLimit per class: Content-Length is checked up front, a chunked body while it streams. */
const limiters = Object.fromEntries(
  (Object.keys(BODY_LIMITS) as BodyLimitClass[]).map((cls) => [
    cls,
    bodyLimit({
      maxSize: BODY_LIMITS[cls],
      onError: (c) => c.json(errorBody('payload_too_large', `request bodies of this route are limited to ${BODY_LIMITS[cls]} bytes (${cls})`), 413),
    }),
  ]),
) as Record<BodyLimitClass, MiddlewareHandler>;

/** Every route of the Worker: nothing reads a body larger than its class allows. */
export const bodyLimits = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.req.raw.body) return next();
  return limiters[bodyLimitClass(c.req.method, c.req.path)](c, next);
});
