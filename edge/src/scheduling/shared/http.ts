import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../../env.js';
import { errorBody } from '../../http/errors.js';
import type { Actor, Outcome } from './result.js';

/** The acting principal as scheduling records it: the key's user, else the key itself. */
export function actorOf(c: Context<AppEnv>): Actor {
  const p = c.var.principal;
  return { tenantId: p.tenantId, role: p.role, id: p.userId ?? `key-${p.keyId}` };
}

export function reply<T>(c: Context<AppEnv>, r: Outcome<T>, status: ContentfulStatusCode = 200): Response {
  if (r.ok) return c.json(r.value as object, status);
  return c.json({ error: r.error }, r.status);
}

/** JSON body or a 400 naming the problem; `undefined` signals the error response was sent. */
export async function readJson(c: Context<AppEnv>): Promise<{ body: unknown } | Response> {
  try {
    return { body: await c.req.json() };
  } catch {
    return c.json(errorBody('invalid_body', 'body is not JSON'), 400);
  }
}

/** A `?limit=` query: a whole number 1..1000 (the default when absent), or null when it is not one (answer 400). */
export function limitQuery(raw: string | undefined, dflt: number): number | null {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1000) : null;
}
export const badLimitBody = { error: { code: 'invalid_query' as const, message: 'limit must be a whole number from 1 to 1000', field: 'limit' } };
