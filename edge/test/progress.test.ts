import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseSigningKeys, signPlaybackToken } from '@vidplat/contracts';
import { asUser, call, DAY, iso, seedShop, type Shop } from './catalogue-fixtures.js';

let s: Shop;
let rival: Shop;
const { keys, currentKid } = parseSigningKeys(env.PLAYBACK_SIGNING_KEYS);

const play = async (videoId: string, userId: string, key = s.appKey) => {
  const r = await call('GET', `/v1/play/${videoId}`, key, undefined, asUser(userId));
  if (r.status !== 200) throw new Error(`play ${videoId} for ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { token: string; lastPositionSeconds: number; maxPositionSeconds: number | null };
};
const report = (videoId: string, userId: string, token: string, over: Record<string, unknown> = {}, key = s.appKey) =>
  call('POST', `/v1/videos/${videoId}/progress`, key, { positionSeconds: 10, durationSeconds: 600, watchedSeconds: 10, device: 'web', playbackToken: token, ...over }, asUser(userId));

/** Moves a user's last report back in time, as if `seconds` had passed since. */
const rewind = (userId: string, videoId: string, seconds: number) =>
  env.CATALOGUE.prepare("UPDATE video_progress SET updated_at = ?1 WHERE tenant_id = 'prog-a' AND user_id = ?2 AND video_id = ?3")
    .bind(iso(-seconds * 1000), userId, videoId)
    .run();

beforeAll(async () => {
  s = await seedShop('prog-a');
  rival = await seedShop('prog-b');
  await call('POST', '/v1/courses/paid-1/enrolments', s.superKey, { kind: 'paid', userId: 'learner', orderId: 'o-1', validFrom: iso(-DAY), validUntil: iso(30 * DAY) });
});

describe('learning progress', () => {
  it('stores progress even though the event path is down, and keeps the event in the outbox', async () => {
    const { token } = await play('pv-paid', 'learner');
    const r = await report('pv-paid', 'learner', token, { positionSeconds: 120, watchedSeconds: 120 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ event: 'play_progress', progress: { videoId: 'pv-paid', positionSeconds: 120, watchedSeconds: 120, completed: false } });
    // Ingest is unreachable in workerd tests: the event waits in the D1 outbox for a later report.
    await vi.waitFor(
      async () => {
        // (The play authorisation's own play_start waits there too.)
        const row = await env.CATALOGUE.prepare("SELECT body FROM event_outbox WHERE tenant_id = 'prog-a' AND json_extract(body, '$.type') = 'play_progress'").first<{ body: string }>();
        expect(JSON.parse(row!.body)).toMatchObject({ type: 'play_progress', userId: 'learner', itemId: 'pv-paid', positionSeconds: 120, tenantId: 'prog-a' });
      },
      { timeout: 10_000, interval: 100 },
    );
    expect((await play('pv-paid', 'learner')).lastPositionSeconds).toBe(120);
  });

  it('counts a video complete above 90 % once, and sums course progress', async () => {
    const { token } = await play('pv-paid', 'learner');
    await rewind('learner', 'pv-paid', 300);
    const done = await report('pv-paid', 'learner', token, { positionSeconds: 545, watchedSeconds: 300 });
    expect(done.body).toMatchObject({ event: 'play_complete', progress: { completed: true, watchedSeconds: 420, maxPositionSeconds: 545 } });
    // Seeking back keeps it complete and does not emit a second completion.
    const again = await report('pv-paid', 'learner', token, { positionSeconds: 30, watchedSeconds: 5 });
    expect(again.body).toMatchObject({ event: 'play_progress', progress: { completed: true, positionSeconds: 30, maxPositionSeconds: 545 } });
    const free = await play('pv-free', 'learner');
    await report('pv-free', 'learner', free.token, { positionSeconds: 100, watchedSeconds: 100 });
    const cp = await call('GET', '/v1/courses/paid-1/progress', s.appKey, undefined, asUser('learner'));
    expect(cp.body).toMatchObject({
      courseId: 'paid-1',
      userId: 'learner',
      totalVideos: 4,
      watchedVideos: 2,
      completedVideos: 1,
      completionRate: 0.25,
      totalWatchSeconds: 525,
      lastVideoId: 'pv-free',
      lastPositionSeconds: 100,
    });
    const outbox = await env.CATALOGUE.prepare("SELECT body FROM event_outbox WHERE tenant_id = 'prog-a'").all<{ body: string }>();
    await vi.waitFor(async () => {
      const rows = await env.CATALOGUE.prepare("SELECT body FROM event_outbox WHERE tenant_id = 'prog-a'").all<{ body: string }>();
      expect(rows.results.map((r) => JSON.parse(r.body).type)).toContain('play_complete');
    }, { timeout: 10_000, interval: 100 });
    expect(outbox.results.length).toBeGreaterThan(0);
  });

  it('bounds watch time by the server clock between reports', async () => {
    const { token } = await play('fv-1', 'binger');
    const first = await report('fv-1', 'binger', token, { positionSeconds: 100, watchedSeconds: 100 });
    expect(first.body.progress.watchedSeconds).toBe(100);
    // Immediately claiming another 500 s: only the slack is credited.
    const inflated = await report('fv-1', 'binger', token, { positionSeconds: 590, watchedSeconds: 500 });
    expect(inflated.body.progress.watchedSeconds).toBeLessThanOrEqual(111);
    expect(inflated.body.progress.watchedSeconds).toBeGreaterThanOrEqual(110);
  });

  it('rejects positions beyond the duration and negative values with code and field', async () => {
    const { token } = await play('pv-paid', 'learner');
    const beyond = await report('pv-paid', 'learner', token, { positionSeconds: 700, durationSeconds: 600 });
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toMatchObject({ code: 'invalid_field', field: 'positionSeconds' });
    // Claiming a longer video does not help: the catalogue's duration (600 s) decides.
    const longer = await report('pv-paid', 'learner', token, { positionSeconds: 900, durationSeconds: 1000 });
    expect(longer.body.error).toMatchObject({ code: 'invalid_field', field: 'positionSeconds' });
    const neg = await report('pv-paid', 'learner', token, { positionSeconds: -1 });
    expect(neg.body.error).toMatchObject({ code: 'invalid_field', field: 'positionSeconds' });
    const negDur = await report('pv-paid', 'learner', token, { durationSeconds: -600 });
    expect(negDur.body.error).toMatchObject({ code: 'invalid_field', field: 'durationSeconds' });
    const watched = await report('pv-paid', 'learner', token, { watchedSeconds: 601 });
    expect(watched.body.error).toMatchObject({ code: 'invalid_field', field: 'watchedSeconds' });
    expect((await report('pv-paid', 'learner', token, { device: 'toaster' })).body.error.field).toBe('device');
    expect((await report('pv-paid', 'learner', token, { playbackToken: undefined })).body.error.field).toBe('playbackToken');
  });

  it('binds a report to its user, video, tenant and token validity', async () => {
    const { token } = await play('pv-paid', 'learner');
    const refused = async (r: Promise<{ status: number; body: any }>) => {
      const x = await r;
      expect(x.status).toBe(403);
      expect(x.body.error).toMatchObject({ code: 'forbidden', field: 'playbackToken' });
    };
    await refused(report('pv-paid', 'someone-else', token));
    await refused(report('pv-free', 'learner', token));
    await refused(report('pv-paid', 'learner', `${token.slice(0, -3)}abc`));
    const expired = await signPlaybackToken(
      { kid: currentKid, tenantId: 'prog-a', userId: 'learner', videoId: 'pv-paid', pathPrefix: '/hls/prog-a/pv-paid/', exp: Math.floor(Date.now() / 1000) - 5 },
      keys,
    );
    await refused(report('pv-paid', 'learner', expired));
    // Another tenant's token for its own pv-paid, replayed against this tenant (and vice versa).
    await call('POST', '/v1/courses/paid-1/enrolments', rival.superKey, { kind: 'paid', userId: 'learner', orderId: 'o-r', validFrom: iso(-DAY), validUntil: iso(DAY) });
    const rivalToken = (await play('pv-paid', 'learner', rival.appKey)).token;
    await refused(report('pv-paid', 'learner', rivalToken));
    await refused(report('pv-paid', 'learner', token, {}, rival.appKey));
    // Another tenant's key cannot even find this tenant's course progress for a course it lacks.
    await call('POST', '/v1/courses', s.instructorKey, { id: 'only-a', categoryId: 'fitness', title: 'A only', level: 'beginner', access: 'free' });
    expect((await call('GET', '/v1/courses/only-a/progress', rival.appKey, undefined, asUser('learner'))).status).toBe(404);
  });

  it('a trial cannot be extended by replaying progress', async () => {
    const first = await play('pv-trial', 'tourist');
    expect(first.maxPositionSeconds).toBe(60);
    // Reports up to the trial limit are fine; beyond it they are refused.
    expect((await report('pv-trial', 'tourist', first.token, { positionSeconds: 55, watchedSeconds: 55 })).status).toBe(200);
    const past = await report('pv-trial', 'tourist', first.token, { positionSeconds: 120, watchedSeconds: 60 });
    expect(past.status).toBe(403);
    expect(past.body.error).toMatchObject({ code: 'forbidden', field: 'positionSeconds' });
    // Replaying early positions does not restart the trial: its window runs on the server clock.
    for (let i = 0; i < 3; i++) expect((await report('pv-trial', 'tourist', first.token, { positionSeconds: 0, watchedSeconds: 0 })).status).toBe(200);
    const grant = await env.CATALOGUE.prepare("SELECT granted_at FROM trial_grants WHERE tenant_id = 'prog-a' AND user_id = 'tourist'").first<{ granted_at: string }>();
    const again = await play('pv-trial', 'tourist');
    expect(again.maxPositionSeconds).toBe(60);
    const exp = JSON.parse(atob(again.token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))).exp as number;
    // The token never outlives the window that started at the first grant.
    expect(exp).toBeLessThanOrEqual(Math.floor(Date.parse(grant!.granted_at) / 1000) + 60 + 900);
    // Once the window has passed (grant moved back), no position report revives it.
    await env.CATALOGUE.prepare("UPDATE trial_grants SET granted_at = ?1 WHERE tenant_id = 'prog-a' AND user_id = 'tourist'").bind(iso(-3600_000)).run();
    await report('pv-trial', 'tourist', first.token, { positionSeconds: 0, watchedSeconds: 0 });
    const over = await call('GET', '/v1/play/pv-trial', s.appKey, undefined, asUser('tourist'));
    expect(over.status).toBe(403);
    expect(over.body.reason).toBe('trial_exhausted');
  });
});
