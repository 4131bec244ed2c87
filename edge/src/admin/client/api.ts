import type { ApiError } from '@vidplat/contracts';
import { edgeClient } from '@vidplat/contracts/edge-client';

/** The operator's key lives in sessionStorage (this tab only) and goes out as a Bearer token. */
const KEY = 'vidplat.admin.key';
export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY) ?? '',
  set: (v: string): void => sessionStorage.setItem(KEY, v),
  clear: (): void => sessionStorage.removeItem(KEY),
};

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; error: ApiError };

/**
 * GET/POST against this origin's API. Never throws: a network failure is status 0 with code
 * `network`, a non-2xx is the API's `{error}` (or one made from the status when the body has none).
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey.get()}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { raw: text };
    }
    if (res.ok) return { ok: true, status: res.status, body: body as T };
    const error = (body as { error?: ApiError } | null)?.error;
    return { ok: false, status: res.status, error: error ?? { code: 'internal', message: `HTTP ${res.status}` } };
  } catch (e) {
    return { ok: false, status: 0, error: { code: 'internal', message: `network: ${String(e)}` } };
  }
}

/**
 * The typed client of this origin's API (paths, queries and answers from the edge's OpenAPI
 * document; contracts/src/edge-client.ts), with this tab's key. Wrap a call in `typed()` for an
 * ApiResult: `await typed(edge.GET('/v1/admin/analytics/overview', { params: { query: currentRange() } }))`.
 */
export const edge = edgeClient({ baseUrl: location.origin, key: () => apiKey.get() });

export async function typed<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<ApiResult<T>> {
  try {
    const { data, error, response } = await call;
    if (response.ok) return { ok: true, status: response.status, body: data as T };
    const e = (error as { error?: ApiError } | undefined)?.error;
    return { ok: false, status: response.status, error: e ?? { code: 'internal', message: `HTTP ${response.status}` } };
  } catch (e) {
    return { ok: false, status: 0, error: { code: 'internal', message: `network: ${String(e)}` } };
  }
}

/** A 404 "no route" means the capability is not deployed here (not that a record is missing). */
export function notDeployed(r: ApiResult<unknown>): boolean {
  return !r.ok && r.status === 404 && /^no route/.test(r.error.message);
}

export const query = (params: Record<string, string | number | undefined>): string =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
