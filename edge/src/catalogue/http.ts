import type { Context } from 'hono';
import type { z } from 'zod';
import { apiErrorFromZod, type Role } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';

/** Roles that manage a tenant's whole catalogue; instructors manage only their own courses. */
export const MANAGER_ROLES: Role[] = ['admin', 'super', 'senior'];
export const isManager = (role: Role): boolean => MANAGER_ROLES.includes(role);

export class HttpFail {
  constructor(readonly res: Response) {}
}

/** Parses a JSON body with a contracts schema; a failure is a 400 naming the field. */
export async function body<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S> | HttpFail> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return new HttpFail(c.json(errorBody('invalid_body', 'body is not JSON'), 400));
  }
  const r = schema.safeParse(raw);
  if (!r.success) return new HttpFail(sendError(c, 400, apiErrorFromZod(r.error, 'invalid_field')));
  return r.data;
}

export function query<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> | HttpFail {
  const r = schema.safeParse(c.req.query());
  if (!r.success) return new HttpFail(sendError(c, 400, apiErrorFromZod(r.error, 'invalid_query')));
  return r.data;
}

export const bad = (c: Context<AppEnv>, field: string, message: string) => c.json(errorBody('invalid_field', message, field), 400);
export const notFound = (c: Context<AppEnv>, what: string, field?: string) => c.json(errorBody('not_found', `no such ${what} in this tenant`, field), 404);
export const forbidden = (c: Context<AppEnv>, message: string) => c.json(errorBody('forbidden', message), 403);

/**
 * End-user calls need a proven user: a personal key's own, an end-user token's `sub`, or the
 * X-User-Id named by a key with the `act_as_user` permission.
 */
export function requireUser(c: Context<AppEnv>): string | HttpFail {
  const u = c.var.principal.userId;
  if (!u && c.req.header('x-user-id')) {
    return new HttpFail(
      c.json(errorBody('act_as_user_required', 'this key may not act for an end user: it lacks the act_as_user permission (or call with the end user\'s token)', 'X-User-Id'), 403),
    );
  }
  if (!u || !/^[A-Za-z0-9_.:-]{1,128}$/.test(u)) {
    return new HttpFail(c.json(errorBody('invalid_field', 'this call acts for an end user: send X-User-Id', 'X-User-Id'), 400));
  }
  return u;
}

export const nowIso = () => new Date().toISOString();
