import { env, SELF } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { BehaviourEvent, SCHEMA_VERSION, uuidv7, UuidV7 } from '@vidplat/contracts';
import { factEventId } from '../src/events/fact-id.js';
import { PLAY_SESSION_MS } from '../src/catalogue/server-events.js';
import { asUser, call, DAY, iso, seedShop } from './catalogue-fixtures.js';
import { json } from './helpers.js';

/**
 * The catalogue's own events. Ingest is unreachable in workerd tests, so what the edge emitted
 * waits in the D1 outbox, where the test reads it (the real path to ClickHouse:
 * test/catalogue-events.test.ts).
 */
const outbox = async (tenantId: string, type: string) =>
  (
    await env.CATALOGUE.prepare("SELECT event_id, body FROM event_outbox WHERE tenant_id = ?1 AND json_extract(body, '$.type') = ?2 ORDER BY created_at")
      .bind(tenantId, type)
      .all<{ event_id: string; body: string }>()
  ).results.map((r) => BehaviourEvent.parse(JSON.parse(r.body)));

describe('fact event ids', () => {
  it('are UUIDv7-shaped, carry the fact time, and are the same for the same fact only', async () => {
    const a = await factEventId(1_800_000_000_000, 't', 'enrol', 'e1');
    expect(UuidV7.safeParse(a).success).toBe(true);
    expect(a.startsWith('01a3185c-5000-7')).toBe(true);
    expect(await factEventId(1_800_000_000_000, 't', 'enrol', 'e1')).toBe(a);
    expect(await factEventId(1_800_000_000_000, 't', 'enrol', 'e2')).not.toBe(a);
    expect(await factEventId(1_800_000_000_000, 'u', 'enrol', 'e1')).not.toBe(a);
  });
});

describe('server-side catalogue events', () => {
  it('enrolment emits enrol; a retried purchase emits the identical event (same id and time)', async () => {
    const s = await seedShop('sev-a');
    const body = { kind: 'paid', userId: 'buyer', orderId: 'ord-1', pricePaidCents: 4900, validFrom: iso(-DAY), validUntil: iso(30 * DAY) };
    expect((await call('POST', '/v1/courses/paid-1/enrolments', s.superKey, body)).status).toBe(201);
    expect((await call('POST', '/v1/courses/paid-1/enrolments', s.superKey, body)).status).toBe(200);
    await call('POST', '/v1/courses/free-1/enrolments', s.appKey, { kind: 'free' }, asUser('learner'));
    const enrols = await vi.waitFor(
      async () => {
        const e = await outbox('sev-a', 'enrol');
        expect(e).toHaveLength(2); // the retry's event has the same id: one outbox row
        return e;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(enrols.map((e) => [e.userId, e.itemId, e.type === 'enrol' && e.kind])).toEqual([
      ['buyer', 'paid-1', 'paid'],
      ['learner', 'free-1', 'free'],
    ]);
  });

  it('play authorisation emits play_start with the access kind; re-authorising in the same session is the same play', async () => {
    const s = await seedShop('sev-b');
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect((await call('GET', '/v1/play/fv-1', s.appKey, undefined, asUser('viewer'))).status).toBe(200);
    // The three calls are one play unless they straddle a 5-minute session boundary (then two).
    const sessions = Math.floor(Date.now() / PLAY_SESSION_MS) - Math.floor(t0 / PLAY_SESSION_MS) + 1;
    expect((await call('GET', '/v1/play/pv-trial', s.appKey, undefined, asUser('viewer'))).status).toBe(200);
    expect((await call('GET', '/v1/play/pv-paid', s.appKey, undefined, asUser('viewer'))).status).toBe(403); // denied: no event
    const starts = await vi.waitFor(
      async () => {
        const e = await outbox('sev-b', 'play_start');
        expect(e).toHaveLength(sessions + 1);
        return e;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(starts.filter((e) => e.itemId === 'fv-1').map((e) => [e.userId, e.type === 'play_start' && e.access])).toEqual(Array(sessions).fill(['viewer', 'free']));
    expect(starts.filter((e) => e.itemId === 'pv-trial').map((e) => [e.userId, e.type === 'play_start' && e.access])).toEqual([['viewer', 'trial']]);
  });

  it('a client\'s enrol / play_start about catalogue content is accepted but not forwarded (the server\'s event counts); other content passes', async () => {
    const s = await seedShop('sev-c');
    const ev = (type: 'play_start' | 'enrol', itemId: string) =>
      type === 'enrol'
        ? { eventId: uuidv7(), tenantId: 'sev-c', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: 'u1', itemId, type, courseId: itemId, kind: 'free' }
        : { eventId: uuidv7(), tenantId: 'sev-c', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: 'u1', itemId, type, positionSeconds: 0, durationSeconds: 600 };
    // Nothing to forward: 202 although ingest is down (127.0.0.1:9 in these tests).
    const owned = await SELF.fetch('https://edge.test/v1/events', json('POST', s.appKey, { events: [ev('play_start', 'fv-1'), ev('enrol', 'free-1')] }));
    expect(owned.status).toBe(202);
    expect(await owned.json()).toMatchObject({ accepted: 2, rejected: [] });
    // Content outside the catalogue goes to ingest as before (down here: 503, retry).
    const other = await SELF.fetch('https://edge.test/v1/events', json('POST', s.appKey, { events: [ev('play_start', 'not-a-catalogue-video')] }));
    expect(other.status).toBe(503);
  });
});

describe('progress milestones', () => {
  it('the first pass over 25 / 50 / 75 % of a video is reported once each, with fact ids; completion reports none; a client\'s milestone is not forwarded', async () => {
    const s = await seedShop('sev-m');
    const tok = (await call('GET', '/v1/play/fv-1', s.appKey, undefined, asUser('mia'))).body.token as string;
    const report = (positionSeconds: number) =>
      call('POST', '/v1/videos/fv-1/progress', s.appKey, { positionSeconds, durationSeconds: 600, watchedSeconds: 5, device: 'web', playbackToken: tok }, asUser('mia'));
    const milestones = async () => (await outbox('sev-m', 'play_progress')).flatMap((e) => (e.type === 'play_progress' && e.milestone ? [[e.milestone, e.eventId] as const] : []));
    expect((await report(100)).status).toBe(200); // 17 %: none
    expect(await milestones()).toEqual([]);
    await report(200); // 33 %: 25
    await report(200); // a retry: nothing new
    await report(120); // seeking back: nothing
    // (Events reach the outbox after the response: wait for them.)
    const expectMilestones = (want: number[]) => vi.waitFor(async () => expect((await milestones()).map(([m]) => m)).toEqual(want), { timeout: 10_000, interval: 100 });
    await expectMilestones([25]);
    await report(480); // 80 %: 50 and 75 at once
    await expectMilestones([25, 50, 75]);
    expect((await report(590)).body).toMatchObject({ event: 'play_complete' }); // completion: no milestone
    await vi.waitFor(async () => expect(await outbox('sev-m', 'play_complete')).toHaveLength(1), { timeout: 10_000, interval: 100 });
    const all = await milestones();
    expect(all.map(([m]) => m)).toEqual([25, 50, 75]); // (the retry at 33 % added nothing)
    expect(new Set(all.map(([, id]) => id)).size).toBe(3);
    // A client cannot report milestones of catalogue videos (its other progress events pass as before).
    const ev = { eventId: uuidv7(), tenantId: 'sev-m', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: 'mia', itemId: 'fv-1', type: 'play_progress', positionSeconds: 450, durationSeconds: 600, watchedSeconds: 0, milestone: 75 };
    const posted = await SELF.fetch('https://edge.test/v1/events', json('POST', s.appKey, { events: [ev] }));
    expect(posted.status).toBe(202); // nothing forwarded (ingest is down here: a forwarded event would be 503)
  });
});
