import { decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK } from 'jose';
import { TenantId, UserId, userTokenAudience, type ApiError, type EcPublicJwk } from '@vidplat/contracts';
import type { Principal } from './api-keys.js';
import { SwrCache, type WaitUntil } from './swr-cache.js';

/**
 * End-user tokens: JWTs the tenant's own back end signs for one of its users, so a client app can
 * call the end-user routes (play, progress, enrolments, recommend) without a server key. HS256
 * with a shared secret or ES256 with a registered public key; `aud` = `vidplat:<tenantId>` names
 * the tenant (and is checked against it), `sub` is the user, `exp` is required. Verification is
 * jose's (runs in workerd on WebCrypto); this module only finds the tenant's key.
 */

/** Clock skew allowed on exp/nbf between the tenant's signer and the edge. */
export const USER_TOKEN_CLOCK_TOLERANCE_S = 30;

type VerifyKey = CryptoKey | Uint8Array;
interface TokenKey {
  kid: string;
  alg: 'HS256' | 'ES256';
  key: VerifyKey;
}

/** A tenant's active keys per isolate: a revoked key stops verifying within 30 s everywhere. */
const keysByTenant = new SwrCache<TokenKey[]>(15_000, 30_000);

interface KeyRow {
  kid: string;
  alg: 'HS256' | 'ES256';
  secret: string | null;
  public_jwk: string | null;
}

class TenantKeyLoader {
  constructor(
    private readonly db: D1Database,
    private readonly tenantId: string,
  ) {}
  async load(): Promise<TokenKey[]> {
    const { results } = await this.db
      .prepare('SELECT kid, alg, secret, public_jwk FROM user_token_keys WHERE tenant_id = ?1 AND revoked_at IS NULL')
      .bind(this.tenantId)
      .all<KeyRow>();
    const out: TokenKey[] = [];
    for (const r of results) {
      if (r.alg === 'HS256' && r.secret) out.push({ kid: r.kid, alg: 'HS256', key: new TextEncoder().encode(r.secret) });
      else if (r.alg === 'ES256' && r.public_jwk) {
        const jwk = JSON.parse(r.public_jwk) as JWK;
        out.push({ kid: r.kid, alg: 'ES256', key: (await importJWK(jwk, 'ES256')) as CryptoKey });
      }
    }
    return out;
  }
}

/** A key registered or revoked through this isolate takes effect here at once. */
export function forgetTenantTokenKeys(tenantId: string): void {
  keysByTenant.delete(tenantId);
}

/** Whether a bearer credential is a JWT (three base64url parts) rather than a `vp_` API key. */
export const looksLikeJwt = (credential: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);

export type TokenResult = { ok: true; principal: Principal } | { ok: false; status: 401; error: ApiError };

const invalid = (message: string): TokenResult => ({ ok: false, status: 401, error: { code: 'invalid_token', message, field: 'Authorization' } });

/** The tenant a token claims (from its audience), before the signature is checked. */
function claimedTenant(token: string): string | null {
  let aud: unknown;
  try {
    aud = decodeJwt(token).aud;
  } catch {
    return null;
  }
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const tenants = new Set(auds.filter((a): a is string => typeof a === 'string' && a.startsWith('vidplat:')).map((a) => a.slice('vidplat:'.length)));
  if (tenants.size !== 1) return null;
  const [t] = tenants;
  return TenantId.safeParse(t).success ? t! : null;
}

export async function verifyUserToken(db: D1Database, token: string, waitUntil?: WaitUntil): Promise<TokenResult> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return invalid('malformed token');
  }
  if (header.alg !== 'HS256' && header.alg !== 'ES256') return invalid('token alg must be HS256 or ES256');
  const tenantId = claimedTenant(token);
  if (!tenantId) return invalid('token audience must be vidplat:<tenantId>');
  const loader = new TenantKeyLoader(db, tenantId);
  const keys = (await keysByTenant.get(tenantId, loader.load.bind(loader), waitUntil)).filter((k) => k.alg === header.alg);
  const key = header.kid !== undefined ? keys.find((k) => k.kid === header.kid) : keys.length === 1 ? keys[0] : undefined;
  // The same answer whether the tenant exists or not: a token never learns about other tenants.
  if (!key) return invalid(header.kid !== undefined ? 'no such signing key for this token' : 'token needs a kid header naming its signing key');
  try {
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      audience: userTokenAudience(tenantId),
      requiredClaims: ['sub', 'exp'],
      clockTolerance: USER_TOKEN_CLOCK_TOLERANCE_S,
    });
    const sub = UserId.safeParse(payload.sub);
    if (!sub.success) return invalid('token sub is not a valid user id');
    return {
      ok: true,
      principal: { tenantId, role: 'tenant', keyId: `jwt:${key.kid}`, userId: sub.data, boundUser: sub.data, actAsUser: false, via: 'user_token' },
    };
  } catch (e) {
    if (e instanceof errors.JWTExpired) return { ok: false, status: 401, error: { code: 'token_expired', message: 'token expired', field: 'Authorization' } };
    if (e instanceof errors.JWTClaimValidationFailed) return invalid(`token claim ${e.claim} is not acceptable: ${e.reason}`);
    return invalid('token signature does not verify');
  }
}

/** D1 form of a public JWK: only the public members. */
export const publicJwkColumn = (jwk: EcPublicJwk): string => JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
