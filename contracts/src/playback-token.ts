import { PlaybackTokenClaims } from './playback.js';

/**
 * Playback tokens: base64url(JSON claims) + "." + base64url(HMAC-SHA256(claims part)).
 * Signed by the edge's play-auth route, verified by every media origin (the media-node's local
 * HLS origin, and a Worker route in front of R2), so both share this one implementation.
 * Keys rotate by id: claims carry `kid`, and a verifier holds every key still in use.
 */
export type SigningKeys = Record<string, string>;

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keyCache = new Map<string, Promise<HmacKey>>();
function hmacKey(secret: string): Promise<HmacKey> {
  let k = keyCache.get(secret);
  if (!k) {
    k = crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keyCache.set(secret, k);
  }
  return k;
}

export async function signPlaybackToken(claims: PlaybackTokenClaims, keys: SigningKeys): Promise<string> {
  const secret = keys[claims.kid];
  if (!secret) throw new Error(`no signing key with id ${claims.kid}`);
  const body = b64url(enc.encode(JSON.stringify(PlaybackTokenClaims.parse(claims))));
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), enc.encode(body)));
  return `${body}.${b64url(sig)}`;
}

export type PlaybackTokenRejection = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'path_not_allowed';

export type PlaybackTokenCheck =
  | { ok: true; claims: PlaybackTokenClaims }
  | { ok: false; reason: PlaybackTokenRejection };

/** Normalises a request path and refuses anything that could climb out of its prefix. */
export function safeMediaPath(path: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\\') || decoded.includes('\0')) return null;
  const parts = decoded.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return null;
  return decoded.replace(/\/{2,}/g, '/');
}

/**
 * Verifies signature (constant time, via WebCrypto verify), expiry and that `path` lies under the
 * token's path prefix. `nowSeconds` is injectable for tests.
 */
export async function verifyPlaybackToken(
  token: string,
  keys: SigningKeys,
  path: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<PlaybackTokenCheck> {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  let claims: PlaybackTokenClaims;
  let sig: Uint8Array;
  try {
    const parsed = PlaybackTokenClaims.safeParse(JSON.parse(new TextDecoder().decode(fromB64url(body))));
    if (!parsed.success) return { ok: false, reason: 'malformed' };
    claims = parsed.data;
    sig = fromB64url(token.slice(dot + 1));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const secret = keys[claims.kid];
  if (!secret) return { ok: false, reason: 'unknown_key' };
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), sig, enc.encode(body));
  if (!valid) return { ok: false, reason: 'bad_signature' };
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  const safe = safeMediaPath(path);
  const prefix = claims.pathPrefix.endsWith('/') ? claims.pathPrefix : `${claims.pathPrefix}/`;
  if (!safe || !safe.startsWith(prefix)) return { ok: false, reason: 'path_not_allowed' };
  return { ok: true, claims };
}

/** PLAYBACK_SIGNING_KEYS is a JSON object {kid: secret}; the first entry signs, all verify. */
export function parseSigningKeys(json: string): { keys: SigningKeys; currentKid: string } {
  const keys = JSON.parse(json) as unknown;
  if (!keys || typeof keys !== 'object' || Array.isArray(keys)) throw new Error('PLAYBACK_SIGNING_KEYS must be a JSON object');
  const entries = Object.entries(keys as Record<string, unknown>);
  if (!entries.length || entries.some(([, v]) => typeof v !== 'string' || v.length < 32)) {
    throw new Error('PLAYBACK_SIGNING_KEYS needs at least one key, each secret at least 32 characters');
  }
  return { keys: keys as SigningKeys, currentKid: entries[0]![0] };
}
