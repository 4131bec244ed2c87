import { env, SELF } from 'cloudflare:test';
import type { CreatedApiKey } from '@vidplat/contracts';

/**
 * Provisions a tenant through the platform API and returns its super key, which may act for end
 * users (`act_as_user`) unless `permissions` says otherwise.
 */
export async function provisionTenant(tenantId: string, permissions: string[] = ['act_as_user']): Promise<CreatedApiKey> {
  const res = await SELF.fetch('https://edge.test/v1/platform/tenants', {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, name: tenantId, permissions }),
  });
  if (res.status !== 201) throw new Error(`provisioning ${tenantId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedApiKey;
}

/**
 * Creates a key with another role in the tenant of `superKey`. A server key (no userId) gets
 * `act_as_user` unless `permissions` says otherwise; a personal key acts as its own user.
 */
export async function createKey(superKey: string, role: string, userId: string | null = null, permissions: string[] = userId ? [] : ['act_as_user']): Promise<CreatedApiKey> {
  const res = await SELF.fetch('https://edge.test/v1/admin/api-keys', {
    method: 'POST',
    headers: { authorization: `Bearer ${superKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role, userId, permissions }),
  });
  if (res.status !== 201) throw new Error(`creating ${role} key: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedApiKey;
}

export const json = (method: string, key: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
