import { KeyPermission, type Role } from '@vidplat/contracts';
import { SwrCache, type WaitUntil } from './swr-cache.js';

/** Who is calling: resolved from the API key, never from anything the caller asserts. */
export interface Principal {
  tenantId: string;
  role: Role;
  keyId: string;
  /**
   * The end user this call acts for, proven: a personal key's own user, an end-user token's `sub`,
   * or the X-User-Id a key with `act_as_user` names. Never an unproven assertion.
   */
  userId: string | null;
  /** The user the credential itself is bound to (personal key, end-user token); null for server keys. */
  boundUser: string | null;
  /** The key may name any end user of its tenant (KeyPermission `act_as_user`). */
  actAsUser: boolean;
  /** How the caller proved itself. */
  via: 'api_key' | 'user_token';
}

/** Stored form of a key's permissions: comma-separated, unknown values dropped. */
export const permissionsColumn = (ps: readonly KeyPermission[]): string => [...new Set(ps)].sort().join(',');
export const parsePermissions = (col: string | null | undefined): KeyPermission[] =>
  (col ?? '').split(',').filter((x): x is KeyPermission => KeyPermission.safeParse(x).success);

export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `vp_<keyId>_<secret>`: the key id is visible for support, the secret is 32 random bytes. */
export function newApiKey(): { keyId: string; apiKey: string } {
  const rnd = (n: number) => {
    const b = new Uint8Array(n);
    crypto.getRandomValues(b);
    return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const keyId = rnd(6).replace(/[-_]/g, 'x');
  return { keyId, apiKey: `vp_${keyId}_${rnd(32)}` };
}

/**
 * Keys by hash, per isolate: reloaded in the background after 15 s, never served older than 30 s,
 * so a key revoked through another isolate stops working within 30 s (through this one at once,
 * see forgetKeyId). Unknown keys are cached too (null), so a flood of bad keys stays off D1.
 */
const keys = new SwrCache<Principal | null>(15_000, 30_000, 5_000, 'api_keys');

/**
 * SHA-256 of each key presented to this isolate, by the key itself: the digest (an async
 * crypto call, hex-encoded) was a few % of a recommend request's CPU and is the same every time.
 * Only the hash is memoised — whether the key is valid still comes from `keys` (refresh-ahead,
 * revocation as before). Bounded: a flood of distinct bad keys only empties it.
 */
const MAX_HASHED = 10_000;
const hashOfKey = new Map<string, string>();

export async function keyHash(apiKey: string): Promise<string> {
  let h = hashOfKey.get(apiKey);
  if (h === undefined) {
    h = await sha256Hex(apiKey);
    if (hashOfKey.size >= MAX_HASHED) hashOfKey.clear();
    hashOfKey.set(apiKey, h);
  }
  return h;
}

/** D1 lookup of one key hash (a class method, not a closure per request: the bundle names closures). */
class KeyLoader {
  constructor(
    private readonly db: D1Database,
    private readonly hash: string,
  ) {}
  async load(): Promise<Principal | null> {
    const row = await this.db
      .prepare('SELECT key_id, tenant_id, role, user_id, permissions FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL')
      .bind(this.hash)
      .first<{ key_id: string; tenant_id: string; role: Role; user_id: string | null; permissions: string | null }>();
    if (!row) return null;
    return {
      tenantId: row.tenant_id,
      role: row.role,
      keyId: row.key_id,
      userId: row.user_id,
      boundUser: row.user_id,
      actAsUser: parsePermissions(row.permissions).includes('act_as_user'),
      via: 'api_key',
    };
  }
}

/**
 * The principal of a key whose hash is memoised and whose cache entry is fresh (younger than the
 * refresh age), without a promise; undefined: ask principalForKey.
 */
export function freshPrincipal(apiKey: string, now = Date.now()): Principal | null | undefined {
  const h = hashOfKey.get(apiKey);
  return h === undefined ? undefined : keys.peek(h, now);
}

export async function principalForKey(db: D1Database, apiKey: string, waitUntil?: WaitUntil): Promise<Principal | null> {
  const hash = await keyHash(apiKey);
  const loader = new KeyLoader(db, hash);
  return keys.get(hash, loader.load.bind(loader), waitUntil);
}

/** A key revoked through this isolate stops working here immediately. */
export function forgetKeyId(keyId: string): void {
  keys.deleteWhere((p) => p?.keyId === keyId);
}

export async function insertApiKey(
  db: D1Database,
  tenantId: string,
  role: Role,
  userId: string | null,
  permissions: readonly KeyPermission[] = [],
): Promise<{ keyId: string; apiKey: string }> {
  const k = newApiKey();
  await db
    .prepare('INSERT INTO api_keys (key_id, tenant_id, key_hash, role, user_id, created_at, permissions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
    .bind(k.keyId, tenantId, await sha256Hex(k.apiKey), role, userId, new Date().toISOString(), permissionsColumn(permissions))
    .run();
  return k;
}
