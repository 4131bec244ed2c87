import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSigningKeys, signPlaybackToken, type PlaybackTokenClaims } from '@vidplat/contracts';
import { asUser, call, DAY, E, iso, seedShop, type Shop } from './catalogue-fixtures.js';

let s: Shop;
let rival: Shop;
const { keys, currentKid } = parseSigningKeys(env.PLAYBACK_SIGNING_KEYS);

/** Entitlements per user, set up through the public API. */
async function entitle() {
  const enrol = (courseId: string, userId: string, orderId: string, validFrom: string, validUntil: string | null) =>
    call('POST', `/v1/courses/${courseId}/enrolments`, s.superKey, { kind: 'paid', userId, orderId, pricePaidCents: 4900, validFrom, validUntil });
  expect((await enrol('paid-1', 'u-valid', 'o-1', iso(-DAY), iso(30 * DAY))).status).toBe(201);
  expect((await enrol('paid-1', 'u-expired', 'o-2', iso(-60 * DAY), iso(-DAY))).status).toBe(201);
  expect((await enrol('paid-1', 'u-future', 'o-3', iso(DAY), iso(30 * DAY))).status).toBe(201);
  const member = (userId: string, validFrom: string, validUntil: string) => call('PUT', `/v1/memberships/${userId}`, s.superKey, { plan: 'gold', validFrom, validUntil });
  expect((await member('u-valid', iso(-DAY), iso(30 * DAY))).body.active).toBe(true);
  expect((await member('u-expired', iso(-60 * DAY), iso(-DAY))).body.active).toBe(false);
}

const play = (videoId: string, userId: string, key = s.appKey) => call('GET', `/v1/play/${videoId}`, key, undefined, asUser(userId));

beforeAll(async () => {
  s = await seedShop('play-a');
  rival = await seedShop('play-b');
  await entitle();
});

describe('play authorisation: access matrix (kind × valid / expired / missing entitlement)', () => {
  it.each([
    // free lessons play whatever the entitlement
    ['free course', 'fv-1', 'u-valid', 200, 'free'],
    ['free course', 'fv-1', 'u-expired', 200, 'free'],
    ['free course', 'fv-1', 'u-missing', 200, 'free'],
    ['free chapter of a paid course', 'pv-free', 'u-missing', 200, 'free'],
    // paid: an enrolment valid now
    ['paid', 'pv-paid', 'u-valid', 200, 'enrolled'],
    ['paid', 'pv-paid', 'u-expired', 403, 'enrolment_expired'],
    ['paid', 'pv-paid', 'u-future', 403, 'enrolment_expired'],
    ['paid', 'pv-paid', 'u-missing', 403, 'not_enrolled'],
    // member: a membership valid now
    ['member', 'mv-1', 'u-valid', 200, 'member'],
    ['member', 'mv-1', 'u-expired', 403, 'membership_expired'],
    ['member', 'mv-1', 'u-missing', 403, 'membership_required'],
    // trial lessons: entitled users get the whole video, others the trial seconds
    ['trial (paid course)', 'pv-trial', 'u-valid', 200, 'enrolled'],
    ['trial (paid course)', 'pv-trial', 'u-expired', 200, 'trial'],
    ['trial (paid course)', 'pv-trial', 'u-missing', 200, 'trial'],
    ['trial (member course)', 'mv-trial', 'u-valid', 200, 'member'],
    ['trial (member course)', 'mv-trial', 'u-missing', 200, 'trial'],
    // locked chapters and unpublished courses play for nobody
    ['locked chapter', 'pv-locked', 'u-valid', 403, 'chapter_locked'],
    ['draft course', 'dv-1', 'u-valid', 403, 'not_published'],
  ])('%s: %s for %s → %i %s', async (_kind, videoId, userId, status, reason) => {
    const r = await play(videoId, userId);
    expect(r.status).toBe(status);
    expect(r.body.reason).toBe(reason);
    expect(r.body.allowed).toBe(status === 200);
    if (status !== 200) expect(r.body.error.code).toBe('forbidden');
    else expect(r.body.maxPositionSeconds).toBe(reason === 'trial' ? (videoId === 'pv-trial' ? 60 : 30) : null);
  });

  it('an expired trial (server clock) is refused: trial_exhausted', async () => {
    expect((await play('pv-trial', 'u-old-trial')).status).toBe(200);
    // The trial window runs from the server's first grant; move that grant into the past.
    await env.CATALOGUE.prepare("UPDATE trial_grants SET granted_at = ?1 WHERE tenant_id = 'play-a' AND user_id = 'u-old-trial'").bind(iso(-2 * 3600_000)).run();
    const r = await play('pv-trial', 'u-old-trial');
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('trial_exhausted');
  });

  it('trial enrolments: valid plays, once per user and course, then expired', async () => {
    const t = await call('POST', '/v1/courses/paid-1/enrolments', s.appKey, { kind: 'trial' }, asUser('u-tri'));
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ kind: 'trial', active: true, validUntil: expect.any(String) });
    expect((await play('pv-paid', 'u-tri')).body.reason).toBe('enrolled');
    // A second trial would extend the first: refused.
    expect((await call('POST', '/v1/courses/paid-1/enrolments', s.appKey, { kind: 'trial' }, asUser('u-tri'))).status).toBe(409);
    await env.CATALOGUE.prepare("UPDATE enrolments SET valid_until = ?1 WHERE tenant_id = 'play-a' AND user_id = 'u-tri'").bind(iso(-1000)).run();
    expect((await play('pv-paid', 'u-tri')).body.reason).toBe('enrolment_expired');
    // End users cannot record a paid enrolment or pick their own validity.
    expect((await call('POST', '/v1/courses/paid-1/enrolments', s.appKey, { kind: 'paid', orderId: 'x' }, asUser('u-tri'))).status).toBe(403);
    expect((await call('POST', '/v1/courses/paid-1/enrolments', s.appKey, { kind: 'free' }, asUser('u-tri'))).body.error.field).toBe('kind');
  });

  it('answers with the master URL, a bound token, qualities, last position and the next lesson', async () => {
    const r = await play('pv-paid', 'u-valid');
    expect(r.body).toMatchObject({ videoId: 'pv-paid', courseId: 'paid-1', qualities: ['360p', '720p'], lastPositionSeconds: 0, nextVideoId: 'pv-trial' });
    expect(r.body.masterUrl).toBe(`http://media.test:8790/hls/play-a/pv-paid/master.m3u8?token=${encodeURIComponent(r.body.token)}`);
    const claims = JSON.parse(atob(r.body.token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/'))) as PlaybackTokenClaims;
    expect(claims).toMatchObject({ kid: currentKid, tenantId: 'play-a', userId: 'u-valid', videoId: 'pv-paid', pathPrefix: '/hls/play-a/pv-paid/' });
    expect(claims.exp - Date.now() / 1000).toBeLessThanOrEqual(900);
    expect((await play('pv-trial', 'u-valid')).body.nextVideoId).toBe('pv-locked');
    expect((await play('pv-free', 'u-valid')).body.nextVideoId).toBe('pv-paid');
  });

  it('needs a user, a known video in the caller’s tenant, and a ready video', async () => {
    const noUser = await call('GET', '/v1/play/fv-1', s.appKey);
    expect(noUser.body.error).toMatchObject({ code: 'invalid_field', field: 'X-User-Id' });
    expect((await call('GET', '/v1/play/fv-1', 'vp_nope', undefined, asUser('u'))).status).toBe(401);
    // Another tenant's key cannot play this tenant's video (its own pv-paid is another video).
    const cross = await play('pv-paid', 'u-valid', rival.appKey);
    expect(cross.status).toBe(403);
    expect(cross.body.reason).toBe('not_enrolled');
    await call('POST', '/v1/courses/free-1/videos', s.instructorKey, { id: 'fv-up', title: 'Uploading', durationSeconds: 60 });
    const notReady = await play('fv-up', 'u-valid');
    expect(notReady.status).toBe(409);
    expect(notReady.body.reason).toBe('not_ready');
    expect((await play('ghost', 'u-valid')).status).toBe(404);
    // fv-up exists only in this tenant: the rival's key does not even see it.
    expect((await play('fv-up', 'u-valid', rival.appKey)).status).toBe(404);
  });
});

describe('token-guarded media origin route (/hls/*, R2)', () => {
  const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\n360p/index.m3u8\n';
  const media = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:10', '#EXT-X-MAP:URI="init.mp4"', ...Array.from({ length: 10 }, (_, i) => `#EXTINF:10.0,\nseg${i}.m4s`), '#EXT-X-ENDLIST', ''].join('\n');
  beforeAll(async () => {
    for (const v of ['pv-paid', 'pv-trial']) {
      await env.MEDIA!.put(`hls/play-a/${v}/master.m3u8`, master);
      await env.MEDIA!.put(`hls/play-a/${v}/360p/index.m3u8`, media);
      await env.MEDIA!.put(`hls/play-a/${v}/360p/seg0.m4s`, 'SEGMENT-0');
      await env.MEDIA!.put(`hls/play-a/${v}/360p/seg7.m4s`, 'SEGMENT-7');
      await env.MEDIA!.put(`hls/play-a/${v}/360p/init.mp4`, 'INIT');
    }
    await env.MEDIA!.put('hls/play-a/pv-free/master.m3u8', master);
  });
  const get = (path: string, token: string) => SELF.fetch(`${E}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`);
  const forge = (over: Partial<PlaybackTokenClaims>) =>
    signPlaybackToken({ kid: currentKid, tenantId: 'play-a', userId: 'u-valid', videoId: 'pv-paid', pathPrefix: '/hls/play-a/pv-paid/', exp: Math.floor(Date.now() / 1000) + 300, ...over }, keys);

  it('serves playlists with the token carried to every URI, and segments', async () => {
    const { token } = (await play('pv-paid', 'u-valid')).body;
    const m = await get('/hls/play-a/pv-paid/master.m3u8', token);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(await m.text()).toContain(`360p/index.m3u8?token=${encodeURIComponent(token)}`);
    const pl = await (await get('/hls/play-a/pv-paid/360p/index.m3u8', token)).text();
    expect(pl).toContain(`#EXT-X-MAP:URI="init.mp4?token=${encodeURIComponent(token)}"`);
    expect(pl.match(/^seg\d+\.m4s/gm)).toHaveLength(10);
    const seg = await get('/hls/play-a/pv-paid/360p/seg0.m4s', token);
    expect(await seg.text()).toBe('SEGMENT-0');
    expect(await (await get('/hls/play-a/pv-paid/360p/seg7.m4s', token)).text()).toBe('SEGMENT-7');
  });

  it('cuts a trial playlist at the trial seconds', async () => {
    const r = await play('pv-trial', 'u-trial-origin');
    expect(r.body).toMatchObject({ reason: 'trial', maxPositionSeconds: 60 });
    const pl = await (await get('/hls/play-a/pv-trial/360p/index.m3u8', r.body.token)).text();
    expect(pl.match(/^seg\d+\.m4s/gm)).toEqual(['seg0.m4s', 'seg1.m4s', 'seg2.m4s', 'seg3.m4s', 'seg4.m4s', 'seg5.m4s']);
    expect(pl.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    // Segments past the trial are refused even when their names are guessed.
    const seg = (n: string) => get(`/hls/play-a/pv-trial/360p/${n}`, r.body.token);
    expect(await (await seg('seg0.m4s')).text()).toBe('SEGMENT-0');
    const late = await seg('seg7.m4s');
    expect(late.status).toBe(403);
    expect(((await late.json()) as any).error.message).toMatch(/first 60 s/);
    expect((await seg('init.mp4')).status).toBe(200);
  });

  it('refuses tampered, expired, unknown-key, other video’s, other tenant’s and path-escaping tokens', async () => {
    const { token } = (await play('pv-paid', 'u-valid')).body;
    const [claimsPart, sig] = token.split('.');
    const refused = async (path: string, t: string, reason: string) => {
      const res = await get(path, t);
      const text = await res.text();
      expect(`${res.status} ${text}`, `${path} should be refused: ${reason}`).toMatch(new RegExp(`^403 .*${reason}`));
    };
    // Tampered: claims rewritten to another video (signature no longer matches), or signature changed.
    const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const claims = JSON.parse(atob(claimsPart!.replace(/-/g, '+').replace(/_/g, '/')));
    await refused('/hls/play-a/pv-trial/master.m3u8', `${b64({ ...claims, videoId: 'pv-trial', pathPrefix: '/hls/play-a/pv-trial/' })}.${sig}`, 'bad_signature');
    await refused('/hls/play-a/pv-paid/master.m3u8', `${claimsPart}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`, 'bad_signature');
    await refused('/hls/play-a/pv-paid/master.m3u8', 'not-a-token', 'malformed');
    await refused('/hls/play-a/pv-paid/master.m3u8', '', 'malformed');
    // Expired, or signed with a key the origin does not hold.
    await refused('/hls/play-a/pv-paid/master.m3u8', await forge({ exp: Math.floor(Date.now() / 1000) - 1 }), 'expired');
    await refused('/hls/play-a/pv-paid/master.m3u8', await signPlaybackToken({ ...claims, kid: 'old' }, { old: 'x'.repeat(40) }), 'unknown_key');
    // A valid token opens only its own video's prefix: not another video, not another tenant.
    await refused('/hls/play-a/pv-trial/master.m3u8', token, 'path_not_allowed');
    const rivalToken = (await play('fv-1', 'u-valid', rival.appKey)).body.token;
    await refused('/hls/play-a/pv-paid/master.m3u8', rivalToken, 'path_not_allowed');
    await refused('/hls/play-a/fv-1/master.m3u8', rivalToken, 'path_not_allowed');
    // Escapes out of the prefix, plain or encoded.
    await refused('/hls/play-a/pv-paid/%2e%2e/pv-trial/master.m3u8', token, 'path_not_allowed');
    await refused('/hls/play-a/pv-paid/..%2fpv-trial/master.m3u8', token, 'path_not_allowed');
    await refused('/hls/play-a/pv-paid/%2E%2E%2F%2E%2E%2Fplay-b/fv-1/master.m3u8', token, 'path_not_allowed');
    await refused('/hls/play-a/pv-paid%2f..%2fpv-trial/master.m3u8', token, 'path_not_allowed');
  });
});
