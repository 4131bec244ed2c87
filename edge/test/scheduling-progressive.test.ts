import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ScheduleHistoryRow, ScheduleView } from '@vidplat/contracts';
import { json } from './helpers.js';
import { BASE, HOUR, createOk, createSchedule, fireAfter, inHours, publishState, scheduler, tenantWithKeys } from './scheduling-support.js';

const steps = [
  { percent: 10, afterMinutes: 0 },
  { percent: 50, afterMinutes: 30 },
  { percent: 100, afterMinutes: 60 },
];
const get = async (key: string, id: string) => (await (await SELF.fetch(`${BASE}/schedules/${id}`, json('GET', key))).json()) as ScheduleView;

describe('scheduling: strategies', () => {
  it('widens 10 % → 50 % → 100 % on the alarm when no gates are set', async () => {
    const t = await tenantWithKeys('sch-prog');
    const s = await createOk(t.alice, { contentKind: 'banner', contentId: 'pb', scheduledAt: inHours(1), title: 'P', strategy: { kind: 'progressive', steps } });
    await fireAfter(t.tenantId, HOUR);
    expect(await publishState(t.tenantId, 'pb')).toMatchObject({ published: 1, percent: 10 });
    await fireAfter(t.tenantId, 2 * HOUR);
    expect(await publishState(t.tenantId, 'pb')).toMatchObject({ published: 1, percent: 100 });
    const h = (await (await SELF.fetch(`${BASE}/schedules/${s.id}/history`, json('GET', t.alice))).json()) as ScheduleHistoryRow[];
    expect(h.filter((r) => r.action !== 'create').reverse().map((r) => [r.action, r.detail])).toEqual([
      ['publish', '10%'],
      ['step', '50%'],
      ['step', null],
    ]);
  });

  it('pauses at a gate it cannot verify, notifies, and resumes on an operator decision', async () => {
    const t = await tenantWithKeys('sch-gate');
    const s = await createOk(t.alice, {
      contentKind: 'banner',
      contentId: 'gb',
      scheduledAt: inHours(1),
      title: 'G',
      strategy: { kind: 'progressive', steps, gates: { minPlayRate: 0.05 } },
    });
    await fireAfter(t.tenantId, HOUR);
    // ClickHouse is not configured in workerd tests: the gate cannot be verified, so it holds.
    // Steps are planned at real times (publish + 30 min); move the clock past the first one.
    await fireAfter(t.tenantId, 95 * 60_000);
    const paused = await get(t.alice, s.id);
    expect(paused.status).toBe('paused');
    expect(paused.lastError).toMatch(/gate failed: analytics unavailable/);
    expect(await publishState(t.tenantId, 'gb')).toMatchObject({ percent: 10 });
    const events = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ body: string }>('SELECT body FROM outbox ORDER BY created_at').toArray().map((r) => JSON.parse(r.body).action),
    );
    expect(events).toEqual(['publish', 'gate_failed']);
    // A paused rollout still blocks a second schedule for the same content.
    expect((await createSchedule(t.bob, { contentKind: 'banner', contentId: 'gb', scheduledAt: inHours(3), title: 'again' })).status).toBe(409);

    expect((await SELF.fetch(`${BASE}/schedules/${s.id}/resume`, json('POST', t.alice, {}))).status).toBe(403);
    const again = await SELF.fetch(`${BASE}/schedules/${s.id}/resume`, json('POST', t.senior, {}));
    expect(((await again.json()) as ScheduleView).status).toBe('paused');
    const forced = await SELF.fetch(`${BASE}/schedules/${s.id}/resume`, json('POST', t.senior, { skipGates: true }));
    expect(((await forced.json()) as ScheduleView).status).toBe('published');
    expect(await publishState(t.tenantId, 'gb')).toMatchObject({ percent: 50 });
  });

  it('a paused progressive rollout fires no step until resumed; pause and resume through the API', async () => {
    const t = await tenantWithKeys('sch-pause');
    const s = await createOk(t.alice, { contentKind: 'banner', contentId: 'pz', scheduledAt: inHours(1), title: 'P', strategy: { kind: 'progressive', steps } });
    await fireAfter(t.tenantId, HOUR);
    expect(await publishState(t.tenantId, 'pz')).toMatchObject({ published: 1, percent: 10 });

    expect((await SELF.fetch(`${BASE}/schedules/${s.id}/pause`, json('POST', t.alice))).status).toBe(403);
    const paused = await SELF.fetch(`${BASE}/schedules/${s.id}/pause`, json('POST', t.senior));
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as ScheduleView).status).toBe('paused');
    // Nothing of a paused schedule is armed (only the outbox retry may be), and its steps stay unfired past their time.
    const armed = await scheduler(t.tenantId).nextAlarm();
    const stepsDue = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ d: number }>("SELECT due_at AS d FROM actions WHERE state = 'due' AND kind = 'step'").toArray().map((r) => r.d),
    );
    expect(stepsDue).toHaveLength(2);
    expect(stepsDue).not.toContain(armed);
    await fireAfter(t.tenantId, 2 * HOUR);
    expect(await publishState(t.tenantId, 'pz')).toMatchObject({ percent: 10 });
    const ran = await SELF.fetch(`${BASE}/execute-due`, json('POST', t.senior));
    expect(await ran.json()).toEqual({ ran: 0 });
    expect((await SELF.fetch(`${BASE}/schedules/${s.id}/execute`, json('POST', t.senior))).status).toBe(409);
    expect((await SELF.fetch(`${BASE}/schedules/${s.id}/pause`, json('POST', t.senior))).status).toBe(409);
    expect(await get(t.alice, s.id)).toMatchObject({ status: 'paused' });

    // Resume: the steps that fell due meanwhile run now, in order.
    const resumed = await SELF.fetch(`${BASE}/schedules/${s.id}/resume`, json('POST', t.senior, {}));
    expect(((await resumed.json()) as ScheduleView).status).toBe('published');
    expect(await publishState(t.tenantId, 'pz')).toMatchObject({ published: 1, percent: 100 });
    const h = (await (await SELF.fetch(`${BASE}/schedules/${s.id}/history`, json('GET', t.alice))).json()) as ScheduleHistoryRow[];
    expect(h.reverse().map((r) => r.action)).toEqual(['create', 'publish', 'pause', 'resume', 'step', 'step']);
  });

  it('a paused pending schedule does not publish at its time and goes back to pending on resume', async () => {
    const t = await tenantWithKeys('sch-pause-pending');
    const s = await createOk(t.alice, { contentKind: 'banner', contentId: 'pp', scheduledAt: inHours(2), title: 'P' });
    expect(((await (await SELF.fetch(`${BASE}/schedules/${s.id}/pause`, json('POST', t.senior))).json()) as ScheduleView).status).toBe('paused');
    await fireAfter(t.tenantId, 3 * HOUR);
    expect(await publishState(t.tenantId, 'pp')).toBeNull();
    expect((await SELF.fetch(`${BASE}/schedules/${s.id}/resume`, json('POST', t.senior, {}))).status).toBe(200);
    // Its time passed while paused: it publishes on resume.
    expect(await get(t.alice, s.id)).toMatchObject({ status: 'published', occurrencesDone: 1 });
    expect(await publishState(t.tenantId, 'pp')).toMatchObject({ published: 1 });
    const other = await createOk(t.alice, { contentKind: 'banner', contentId: 'pq', scheduledAt: inHours(2), title: 'Q' });
    await SELF.fetch(`${BASE}/schedules/${other.id}/pause`, json('POST', t.senior));
    const back = await SELF.fetch(`${BASE}/schedules/${other.id}/resume`, json('POST', t.senior, {}));
    expect(await back.json()).toMatchObject({ status: 'pending', nextActionAt: other.scheduledAt });
  });

  it('refuses an error-rate gate (not part of the contract: no playback-error events exist) naming it', async () => {
    const t = await tenantWithKeys('sch-gate-val');
    const res = await createSchedule(t.alice, {
      contentKind: 'banner',
      contentId: 'x',
      scheduledAt: inHours(1),
      title: 'x',
      strategy: { kind: 'progressive', steps, gates: { maxErrorRate: 0.01 } },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('strategy.gates.maxErrorRate');
  });

  it('regional: each region goes live at its own local time, in time order, then the occurrence completes', async () => {
    const t = await tenantWithKeys('sch-region');
    const s = await createOk(t.alice, {
      contentKind: 'banner',
      contentId: 'rg',
      scheduledAt: '2030-05-01T00:00:00.000Z',
      title: 'Regional',
      notifySubscribers: true,
      strategy: {
        kind: 'regional',
        regions: [
          { region: 'us', localTime: '09:00', timeZone: 'America/New_York' },
          { region: 'eu', localTime: '09:00', timeZone: 'Europe/Berlin' },
        ],
      },
    });
    // 09:00 CEST = 07:00Z comes first, 09:00 EDT = 13:00Z later.
    expect(await scheduler(t.tenantId).nextAlarm()).toBe(Date.parse('2030-05-01T07:00:00.000Z'));
    await fireAfter(t.tenantId, Date.parse('2030-05-01T07:00:01Z') - Date.now());
    const state = () => env.CATALOGUE.prepare('SELECT published, variants FROM content_publish_state WHERE tenant_id = ?1 AND content_id = ?2').bind(t.tenantId, 'rg').first<{ published: number; variants: string }>();
    expect(JSON.parse((await state())!.variants)).toEqual({ regions: ['eu'], allRegions: ['us', 'eu'], unknownRegion: 'after_all' });
    expect(await get(t.alice, s.id)).toMatchObject({ status: 'published', occurrencesDone: 0 });
    const left = await runInDurableObject(scheduler(t.tenantId), (_i, st) => st.storage.sql.exec<{ p: number }>("SELECT planned_at AS p FROM actions WHERE state = 'due'").toArray());
    expect(left.map((r) => new Date(r.p).toISOString())).toEqual(['2030-05-01T13:00:00.000Z']);
    await fireAfter(t.tenantId, 6 * HOUR + 1000);
    expect(JSON.parse((await state())!.variants)).toEqual({ regions: ['us', 'eu'], allRegions: ['us', 'eu'], unknownRegion: 'after_all' });
    expect(await get(t.alice, s.id)).toMatchObject({ status: 'published', occurrencesDone: 1, nextActionAt: null });
    const events = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ body: string }>('SELECT body FROM outbox ORDER BY created_at').toArray().map((r) => JSON.parse(r.body)),
    );
    expect(events.map((e) => [e.action, e.notifySubscribers])).toEqual([
      ['publish', true],
      ['publish', true],
    ]);
  });
});
