import { describe, expect, it } from 'vitest';
import { signPlaybackToken, verifyPlaybackToken, parseSigningKeys } from './playback-token.js';

const keys = { k1: 'a'.repeat(40), k2: 'b'.repeat(40) };
const now = 1_800_000_000;
const claims = { kid: 'k1', tenantId: 't1', userId: 'u1', videoId: 'v1', pathPrefix: '/hls/t1/v1/', exp: now + 300 };

describe('playback token', () => {
  it('accepts a path under the prefix before expiry', async () => {
    const t = await signPlaybackToken(claims, keys);
    const r = await verifyPlaybackToken(t, keys, '/hls/t1/v1/720p/seg-1.m4s', now);
    expect(r).toMatchObject({ ok: true, claims: { userId: 'u1' } });
  });

  it('refuses tampered, expired, unknown-key and escaping tokens', async () => {
    const t = await signPlaybackToken(claims, keys);
    const [body, sig] = t.split('.');
    const forged = btoa(JSON.stringify({ ...claims, userId: 'u2' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    expect((await verifyPlaybackToken(`${forged}.${sig}`, keys, '/hls/t1/v1/a.m3u8', now)).ok).toBe(false);
    expect(await verifyPlaybackToken(`${body}.${sig}x`, keys, '/hls/t1/v1/a.m3u8', now)).toMatchObject({ ok: false });
    expect(await verifyPlaybackToken(t, keys, '/hls/t1/v1/a.m3u8', now + 301)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyPlaybackToken(t, { k2: keys.k2 }, '/hls/t1/v1/a.m3u8', now)).toEqual({ ok: false, reason: 'unknown_key' });
    expect(await verifyPlaybackToken(t, keys, '/hls/t1/v1/../v2/a.m3u8', now)).toEqual({ ok: false, reason: 'path_not_allowed' });
    expect(await verifyPlaybackToken(t, keys, '/hls/t1/v1/%2e%2e/v2/a.m3u8', now)).toEqual({ ok: false, reason: 'path_not_allowed' });
    expect(await verifyPlaybackToken(t, keys, '/hls/t1/v10/a.m3u8', now)).toEqual({ ok: false, reason: 'path_not_allowed' });
    expect(await verifyPlaybackToken('garbage', keys, '/hls/t1/v1/a.m3u8', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('verifies tokens of a rotated-out signing key while it is still listed', async () => {
    const old = await signPlaybackToken({ ...claims, kid: 'k2' }, keys);
    expect((await verifyPlaybackToken(old, keys, '/hls/t1/v1/x.ts', now)).ok).toBe(true);
    expect(parseSigningKeys(JSON.stringify(keys)).currentKid).toBe('k1');
    expect(() => parseSigningKeys('{"k":"short"}')).toThrow(/32 characters/);
  });
});
