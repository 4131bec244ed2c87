import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CalendarResponse, ScheduleHistoryRow, ScheduleTemplate, ScheduleView, SchedulingStats } from '@vidplat/contracts';
import { json } from './helpers.js';
import { BASE, createOk, createSchedule, inHours, publishState, scheduler, seedCourse, tenantWithKeys } from './scheduling-support.js';

/** Issue 19 point 4: the strategy's name, title search, template edit, regional calendar, legacy import of published rows. */

async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`${BASE}${path}`, json(method, key, body));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('scheduling completeness', () => {
  it('the A/B strategy is ab_test; ab is accepted as its alias', async () => {
    const t = await tenantWithKeys('sc-ab');
    await seedCourse(t.tenantId, 'ab-1');
    await seedCourse(t.tenantId, 'ab-2');
    const variants = [
      { variant: 'a', contentId: 'ab-1', percent: 50 },
      { variant: 'b', contentId: 'ab-1', percent: 50 },
    ];
    const named = await createOk(t.alice, { contentKind: 'video', contentId: 'ab-1', scheduledAt: inHours(1), title: 'AB', strategy: { kind: 'ab_test', variants } });
    expect(named.strategy.kind).toBe('ab_test');
    const alias = await createOk(t.alice, { contentKind: 'video', contentId: 'ab-2', scheduledAt: inHours(1), title: 'AB2', strategy: { kind: 'ab', variants } });
    expect(alias.strategy).toEqual({ kind: 'ab_test', variants });
    // Strategy use and type share in the statistics (the admin page's charts).
    const stats = (await call(t.senior, 'GET', '/stats')).body as SchedulingStats;
    expect(stats).toMatchObject({ byStrategy: { ab_test: 2 }, byContentKind: { video: 2 }, actionsByKind: {} });
    const bad = await createSchedule(t.alice, { contentKind: 'video', contentId: 'ab-2', scheduledAt: inHours(1), title: 'x', strategy: { kind: 'abtest', variants } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('strategy.kind');
  });

  it('searches the schedule list by title words, case-insensitively, with % and _ taken literally', async () => {
    const t = await tenantWithKeys('sc-search');
    for (const [id, title] of [
      ['s-1', 'Spring Launch trailer'],
      ['s-2', 'Autumn launch'],
      ['s-3', 'Weekly news'],
      ['s-4', '100% Launch'],
    ]) {
      await seedCourse(t.tenantId, id!);
      await createOk(t.alice, { contentKind: 'video', contentId: id, scheduledAt: inHours(1), title });
    }
    const titles = async (q: string) => ((await call(t.alice, 'GET', `/schedules?q=${encodeURIComponent(q)}`)).body.items as ScheduleView[]).map((s) => s.title).sort();
    expect(await titles('LAUNCH')).toEqual(['100% Launch', 'Autumn launch', 'Spring Launch trailer']);
    expect(await titles('launch spring')).toEqual(['Spring Launch trailer']);
    expect(await titles('0%')).toEqual(['100% Launch']);
    expect(await titles('n_w')).toEqual([]);
    expect((await call(t.alice, 'GET', `/schedules?q=${'x'.repeat(201)}`)).body.error.field).toBe('q');
  });

  it('edits a user template (super only); system templates stay as they are; apply uses the edited defaults', async () => {
    const t = await tenantWithKeys('sc-tpl');
    const created = await call(t.superKey, 'POST', '/templates', { name: 'Evening', defaults: { contentKind: 'video', priority: 60 } });
    expect(created.status).toBe(201);
    const id = (created.body as ScheduleTemplate).id;
    expect((await call(t.alice, 'PATCH', `/templates/${id}`, { name: 'x' })).status).toBe(403);
    const edited = await call(t.superKey, 'PATCH', `/templates/${id}`, { name: 'Evening prime', defaults: { contentKind: 'video', priority: 90, remindMinutesBefore: 15 } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id, name: 'Evening prime', defaults: { priority: 90, remindMinutesBefore: 15 } });
    expect((await call(t.superKey, 'PATCH', `/templates/${id}`, {})).status).toBe(400);
    const bad = await call(t.superKey, 'PATCH', `/templates/${id}`, { defaults: { priority: 1000 } });
    expect(bad.body.error.field).toBe('defaults.priority');
    const system = ((await call(t.superKey, 'GET', '/templates')).body as ScheduleTemplate[]).find((x) => x.scope === 'system')!;
    expect((await call(t.superKey, 'PATCH', `/templates/${system.id}`, { name: 'mine now' })).status).toBe(409);
    expect((await call(t.superKey, 'PATCH', '/templates/0190a6b2-0000-7000-8000-000000000000', { name: 'x' })).status).toBe(404);
    await seedCourse(t.tenantId, 'tpl-1');
    const applied = await call(t.alice, 'POST', `/templates/${id}/apply`, { contentId: 'tpl-1', scheduledAt: inHours(2), title: 'From template' });
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ priority: 90, remindMinutesBefore: 15 });
  });

  it('the calendar shows a regional schedule at each region\'s planned local time', async () => {
    const t = await tenantWithKeys('sc-cal');
    await seedCourse(t.tenantId, 'rg-1');
    // Created for 14:24 UTC on 1 May; Berlin runs at 09:00 local on 2 May, New York at 09:00 local on 2 May.
    const s = await createOk(t.alice, {
      contentKind: 'video',
      contentId: 'rg-1',
      scheduledAt: '2030-05-01T14:24:00.000Z',
      title: 'Regional',
      strategy: {
        kind: 'regional',
        regions: [
          { region: 'eu', localTime: '09:00', timeZone: 'Europe/Berlin' },
          { region: 'us', localTime: '09:00', timeZone: 'America/New_York' },
        ],
      },
    });
    const day = async (date: string, tz: string) => (await call(t.alice, 'GET', `/calendar?view=day&date=${date}&timeZone=${tz}`)).body as CalendarResponse;
    const berlin = await day('2030-05-02', 'Europe/Berlin');
    expect(berlin.buckets.map((b) => [b.key, b.entries.map((e) => [e.region, e.at, e.scheduleId])])).toEqual([
      ['2030-05-02T09', [['eu', '2030-05-02T07:00:00.000Z', s.id]]],
      ['2030-05-02T15', [['us', '2030-05-02T13:00:00.000Z', s.id]]],
    ]);
    // Nothing at the creation-time instant.
    expect((await day('2030-05-01', 'UTC')).buckets).toEqual([]);
    const month = (await call(t.alice, 'GET', '/calendar?view=month&date=2030-05-10&timeZone=America/New_York')).body as CalendarResponse;
    expect(month.buckets.map((b) => [b.key, b.count])).toEqual([
      ['2030-05-02', 2],
    ]);
  });

  it('legacy import: a past row becomes a published schedule with the legacy publish in its history; re-import is idempotent', async () => {
    const t = await tenantWithKeys('sc-legacy');
    await seedCourse(t.tenantId, 'old-1');
    await seedCourse(t.tenantId, 'new-1');
    const rows = [
      { video_id: 'old-1', scheduled_publish_at: '2020-01-01 10:00:00' },
      { video_id: 'new-1', scheduled_publish_at: '2031-01-01 10:00:00' },
      { video_id: 'ghost', scheduled_publish_at: '2020-01-01 10:00:00' },
    ];
    const first = await call(t.senior, 'POST', '/import', { rows });
    expect(first.status).toBe(400);
    expect(first.body.results.map((r: { ok: boolean; error?: { field?: string } }) => r.error?.field ?? r.ok)).toEqual([true, true, 'rows.2.contentId']);
    const oldId = first.body.results[0].id as string;
    const old = (await call(t.senior, 'GET', `/schedules/${oldId}`)).body as ScheduleView;
    expect(old).toMatchObject({ status: 'published', scheduledAt: '2020-01-01T10:00:00.000Z', occurrencesDone: 1, nextActionAt: null });
    const history = (await call(t.senior, 'GET', `/schedules/${oldId}/history`)).body as ScheduleHistoryRow[];
    expect(history.map((h) => [h.action, h.actor, h.result]).reverse()).toEqual([
      ['publish', 'legacy', 'ok'],
      ['create', 'sam', 'ok'],
    ]);
    expect(history.find((h) => h.action === 'publish')!.at).toBe('2020-01-01T10:00:00.000Z');
    expect(await publishState(t.tenantId, 'old-1')).toMatchObject({ published: 1, schedule_id: oldId });
    const future = (await call(t.senior, 'GET', `/schedules/${first.body.results[1].id}`)).body as ScheduleView;
    expect(future).toMatchObject({ status: 'pending', scheduledAt: '2031-01-01T10:00:00.000Z' });
    // Only the future row arms the alarm: nothing re-publishes the old one.
    expect(await scheduler(t.tenantId).nextAlarm()).toBe(Date.parse('2031-01-01T10:00:00.000Z'));

    const again = await call(t.senior, 'POST', '/import', { rows: [rows[0]] });
    expect(again.status).toBe(201);
    expect(again.body.results[0].id).toBe(oldId);
    expect(((await call(t.senior, 'GET', '/schedules?contentId=old-1')).body.items as ScheduleView[]).length).toBe(1);
    // An admin may schedule, but not record publishes that already happened.
    const admin = await call(t.alice, 'POST', '/import', { rows: [{ video_id: 'new-1', scheduled_publish_at: '2019-05-05 10:00:00' }] });
    expect(admin.body.results[0].error.code).toBe('forbidden');
  });
});
