import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BehaviourEvent, type CalendarResponse, type ScheduleHistoryRow, type ScheduleView, type SchedulingStats } from '@vidplat/contracts';
import { json } from './helpers.js';
import {
  BASE,
  HOUR,
  createOk,
  createSchedule,
  fireAfter,
  inHours,
  publishState,
  scheduler,
  seedCourse,
  seedSlot,
  tenantWithKeys,
  travel,
} from './scheduling-support.js';

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; field?: string; message: string } }).error;

const history = async (key: string, id: string) =>
  (await (await SELF.fetch(`${BASE}/schedules/${id}/history`, json('GET', key))).json()) as ScheduleHistoryRow[];

describe('scheduling: validation and roles', () => {
  it('rejects bad input with code and field, and duplicates with 409', async () => {
    const t = await tenantWithKeys('sch-val');
    await seedCourse(t.tenantId, 'c1');
    const good = { contentKind: 'video', contentId: 'c1', scheduledAt: inHours(1), title: 'Launch' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...good, scheduledAt: inHours(-1) }, 400, 'scheduledAt'],
      [{ ...good, scheduledAt: 'tomorrow' }, 400, 'scheduledAt'],
      [{ ...good, endAt: good.scheduledAt }, 400, 'endAt'],
      [{ ...good, priority: 101 }, 400, 'priority'],
      [{ ...good, recurrence: { frequency: 'daily', timeZone: 'Mars/Olympus' } }, 400, 'recurrence.timeZone'],
      [{ ...good, recurrence: { frequency: 'hourly', timeZone: 'UTC' } }, 400, 'recurrence.frequency'],
      [{ ...good, contentId: 'no-such-course' }, 400, 'contentId'],
      [{ ...good, strategy: { kind: 'ab', variants: [{ variant: 'a', contentId: 'c1', percent: 50 }, { variant: 'b', contentId: 'c1', percent: 20 }] } }, 400, 'strategy.variants'],
    ];
    for (const [body, status, field] of cases) {
      const res = await createSchedule(t.alice, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect((await errorOf(res)).field).toBe(field);
    }
    await createOk(t.alice, good);
    const dup = await createSchedule(t.bob, { ...good, scheduledAt: inHours(2) });
    expect(dup.status).toBe(409);
    expect(await errorOf(dup)).toMatchObject({ code: 'conflict', field: 'contentId' });
  });

  it('batch create keeps the good items and reports the bad ones by index', async () => {
    const t = await tenantWithKeys('sch-batch');
    for (const id of ['b1', 'b2', 'b3']) await seedSlot(t.tenantId, 'banner', id);
    const res = await SELF.fetch(
      `${BASE}/batch`,
      json('POST', t.alice, {
        create: [
          { contentKind: 'banner', contentId: 'b1', scheduledAt: inHours(1), title: 'one' },
          { contentKind: 'banner', contentId: 'b2', scheduledAt: inHours(-1), title: 'past' },
          { contentKind: 'banner', contentId: 'b1', scheduledAt: inHours(3), title: 'dup' },
          { contentKind: 'banner', contentId: 'b3', scheduledAt: inHours(2), title: 'three' },
        ],
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { field: string }; create: { index: number; ok: boolean; error?: { code: string; field: string } }[] };
    expect(body.error.field).toBe('create.1.scheduledAt');
    expect(body.create.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(body.create[2]!.error).toMatchObject({ code: 'conflict', field: 'create.2.contentId' });
    const listRes = await SELF.fetch(`${BASE}/schedules`, json('GET', t.alice));
    const list = (await listRes.json()) as { items: ScheduleView[] };
    expect(list, JSON.stringify(list)).toHaveProperty('items');
    expect(list.items.map((s) => s.title)).toEqual(['one', 'three']);
  });

  it('admins see only their own schedules; executing needs senior; pagination walks everything', async () => {
    const t = await tenantWithKeys('sch-roles');
    const mine = await createOk(t.alice, { contentKind: 'announcement', contentId: 'a1', scheduledAt: inHours(1), title: 'a1' });
    for (let i = 2; i <= 5; i++) await createOk(t.bob, { contentKind: 'announcement', contentId: `a${i}`, scheduledAt: inHours(i), title: `a${i}` });
    expect((await SELF.fetch(`${BASE}/schedules/${mine.id}`, json('GET', t.bob))).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/schedules/${mine.id}`, json('DELETE', t.bob))).status).toBe(404);
    const aliceList = (await (await SELF.fetch(`${BASE}/schedules`, json('GET', t.alice))).json()) as { items: ScheduleView[] };
    expect(aliceList.items.map((s) => s.id)).toEqual([mine.id]);
    expect((await SELF.fetch(`${BASE}/schedules/${mine.id}/execute`, json('POST', t.alice))).status).toBe(403);
    expect((await SELF.fetch(`${BASE}/templates`, json('POST', t.senior, { name: 'x', defaults: {} }))).status).toBe(403);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await SELF.fetch(`${BASE}/schedules?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, json('GET', t.senior))
      ).json()) as { items: ScheduleView[]; nextCursor: string | null };
      seen.push(...page.items.map((s) => s.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    const filtered = (await (await SELF.fetch(`${BASE}/schedules?createdBy=bob&from=${encodeURIComponent(inHours(2.5))}`, json('GET', t.senior))).json()) as { items: ScheduleView[] };
    expect(filtered.items.map((s) => s.title)).toEqual(['a3', 'a4', 'a5']);

    const exec = await SELF.fetch(`${BASE}/schedules/${mine.id}/execute`, json('POST', t.senior));
    expect(exec.status).toBe(200);
    expect(((await exec.json()) as ScheduleView).status).toBe('published');
    expect(await publishState(t.tenantId, 'a1')).toMatchObject({ published: 1 });
    const h = await history(t.senior, mine.id);
    expect(h[0]).toMatchObject({ action: 'publish', actor: 'sam', result: 'ok' });
    expect(h.at(-1)).toMatchObject({ action: 'create', actor: 'alice' });
  });
});

describe('scheduling: alarms', () => {
  it('keeps the alarm on the earliest due action and fires in time, then priority, order', async () => {
    const t = await tenantWithKeys('sch-alarm');
    const at3 = await createOk(t.alice, { contentKind: 'banner', contentId: 'x3', scheduledAt: inHours(3), title: 'x3' });
    const at1 = await createOk(t.alice, { contentKind: 'banner', contentId: 'x1', scheduledAt: inHours(1), title: 'x1' });
    const sameTime = inHours(2);
    await createOk(t.alice, { contentKind: 'banner', contentId: 'lo', scheduledAt: sameTime, title: 'lo', priority: 10 });
    await createOk(t.alice, { contentKind: 'banner', contentId: 'hi', scheduledAt: sameTime, title: 'hi', priority: 90 });
    const stub = scheduler(t.tenantId);
    expect(await stub.nextAlarm()).toBe(Date.parse(at1.scheduledAt));
    await SELF.fetch(`${BASE}/schedules/${at1.id}`, json('DELETE', t.alice));
    expect(await stub.nextAlarm()).toBe(Date.parse(sameTime));
    // Nothing is due yet: an early alarm fires nothing and re-arms for the same time.
    await runDurableObjectAlarm(stub);
    expect(await stub.nextAlarm()).toBe(Date.parse(sameTime));

    await fireAfter(t.tenantId, 4 * HOUR);
    const all = (await (await SELF.fetch(`${BASE}/history`, json('GET', t.senior))).json()) as ScheduleHistoryRow[];
    const fired = all.filter((h) => h.action === 'publish').reverse();
    const titleOf = new Map<string, string>();
    for (const s of ((await (await SELF.fetch(`${BASE}/schedules`, json('GET', t.senior))).json()) as { items: ScheduleView[] }).items) titleOf.set(s.id, s.title);
    expect(fired.map((h) => titleOf.get(h.scheduleId))).toEqual(['hi', 'lo', 'x3']);
    expect(fired.every((h) => h.actor === 'alarm' && h.result === 'ok')).toBe(true);
    // Nothing is due any more; the alarm now waits for the outbox retry (ingest is unreachable).
    const outboxNext = await runInDurableObject(stub, (_i, st) => st.storage.sql.exec<{ t: number }>('SELECT MIN(next_attempt_at) AS t FROM outbox').one().t);
    expect(await stub.nextAlarm()).toBe(outboxNext);
    expect(outboxNext).toBeGreaterThan(Date.parse(at3.scheduledAt) - 4 * HOUR);
    expect(await publishState(t.tenantId, 'x1')).toBeNull();
  });

  it('publishes into the catalogue, unpublishes at the end time, and keeps the schedule event in the outbox', async () => {
    const t = await tenantWithKeys('sch-publish');
    await seedCourse(t.tenantId, 'course-1');
    const s = await createOk(t.alice, { contentKind: 'series', contentId: 'course-1', scheduledAt: inHours(1), endAt: inHours(5), title: 'Course launch' });
    expect(await fireAfter(t.tenantId, HOUR + 1000)).toBe(true);
    const course = () => env.CATALOGUE.prepare('SELECT status, published_at FROM courses WHERE tenant_id = ?1 AND course_id = ?2').bind(t.tenantId, 'course-1').first<{ status: string; published_at: string | null }>();
    expect(await course()).toMatchObject({ status: 'published' });
    expect((await course())!.published_at).not.toBeNull();
    expect(await publishState(t.tenantId, 'course-1')).toMatchObject({ published: 1, schedule_id: s.id });
    const afterPublish = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(afterPublish.status).toBe('published');
    expect(afterPublish.nextActionAt).toBe(s.endAt);
    // Ingest is unreachable in these tests: the event waits in the outbox with its error.
    const stats = (await (await SELF.fetch(`${BASE}/stats`, json('GET', t.senior))).json()) as SchedulingStats;
    expect(stats.outboxPending).toBe(1);
    expect(stats.lateness.fired).toBe(1);
    const outbox = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ body: string; attempts: number; last_error: string }>('SELECT body, attempts, last_error FROM outbox').toArray(),
    );
    expect(outbox[0]!.attempts).toBe(1);
    expect(outbox[0]!.last_error).toBeTruthy();
    expect(JSON.parse(outbox[0]!.body)).toMatchObject({ type: 'schedule', action: 'publish', itemId: 'course-1', scheduleId: s.id, tenantId: t.tenantId, actor: 'alarm', userId: 'system.scheduler' });
    // What ingest validates: the schedule event is a member of the behaviour event union.
    expect(BehaviourEvent.safeParse(JSON.parse(outbox[0]!.body)).success).toBe(true);

    await fireAfter(t.tenantId, 5 * HOUR);
    expect(await course()).toMatchObject({ status: 'unpublished' });
    expect(await publishState(t.tenantId, 'course-1')).toMatchObject({ published: 0 });
    const done = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(done.status).toBe('expired');
    expect(done.nextActionAt).toBeNull();
    const outboxAfter = await runInDurableObject(scheduler(t.tenantId), (_i, st) => st.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n);
    expect(outboxAfter).toBe(2);
    // The alarm still points at the outbox retry: events are not dropped.
    expect(await scheduler(t.tenantId).nextAlarm()).not.toBeNull();
  });

  it('flips a recommender item to published; hiding it again waits for the feature store (retried, never silently done)', async () => {
    const t = await tenantWithKeys('sch-item');
    const put = await SELF.fetch('https://edge.test/v1/items/vid-9', json('PUT', t.superKey, { kind: 'video', title: 'Nine', state: 'scheduled' }));
    expect(put.status).toBeLessThan(300);
    const s = await createOk(t.alice, { contentKind: 'video', contentId: 'vid-9', scheduledAt: inHours(1), endAt: inHours(2), title: 'Nine', maxRetries: 1 });
    await fireAfter(t.tenantId, HOUR);
    const item = () => env.CATALOGUE.prepare('SELECT state, published_at FROM items WHERE tenant_id = ?1 AND item_id = ?2').bind(t.tenantId, 'vid-9').first<{ state: string; published_at: string }>();
    expect(await item()).toMatchObject({ state: 'published' });
    // The feature store (Upstash) is unreachable in workerd tests: an unpublish cannot be mirrored,
    // so the action fails and is retried rather than leaving the item recommendable.
    await fireAfter(t.tenantId, 2 * HOUR);
    const v = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(v.attempts).toBe(1);
    expect(v.lastError).toMatch(/feature store/);
    expect(v.nextActionAt).not.toBeNull();
  });

  it('retries a failing publish with backoff up to maxRetries, then fails keeping the error', async () => {
    const t = await tenantWithKeys('sch-retry');
    const s = await createOk(t.alice, {
      contentKind: 'announcement',
      contentId: 'ep2',
      scheduledAt: inHours(1),
      title: 'Episode 2',
      maxRetries: 2,
      conditions: [{ kind: 'previous_published', contentId: 'ep1' }],
    });
    await fireAfter(t.tenantId, HOUR);
    const v1 = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(v1).toMatchObject({ status: 'pending', attempts: 1 });
    expect(v1.lastError).toContain('ep1 is not published');
    // Backoff: the retry is later than now by the base delay (30 s), the next one by twice that.
    expect(Date.parse(v1.nextActionAt!) - Date.now()).toBeGreaterThan(20_000);
    await fireAfter(t.tenantId, 60_000);
    const v2 = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(Date.parse(v2.nextActionAt!) - Date.now()).toBeGreaterThan(50_000);
    await fireAfter(t.tenantId, 120_000);
    const v3 = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(v3).toMatchObject({ status: 'failed', nextActionAt: null, attempts: 3 });
    expect(v3.lastError).toContain('ep1 is not published');
    const h = (await history(t.alice, s.id)).filter((r) => r.action === 'publish');
    expect(h.map((r) => r.result)).toEqual(['error', 'error', 'error']);
    expect(h[0]!.detail).toMatch(/^attempt 3: /);
    expect(await publishState(t.tenantId, 'ep2')).toBeNull();
  });

  it('sends a reminder N minutes before, then publishes, each recorded and evented', async () => {
    const t = await tenantWithKeys('sch-remind');
    const s = await createOk(t.alice, { contentKind: 'announcement', contentId: 'rem', scheduledAt: inHours(2), title: 'R', remindMinutesBefore: 30 });
    expect(await scheduler(t.tenantId).nextAlarm()).toBe(Date.parse(s.scheduledAt) - 30 * 60_000);
    await fireAfter(t.tenantId, 90 * 60_000);
    expect(await publishState(t.tenantId, 'rem')).toBeNull();
    await fireAfter(t.tenantId, 30 * 60_000);
    expect(await publishState(t.tenantId, 'rem')).toMatchObject({ published: 1 });
    const h = (await history(t.alice, s.id)).filter((r) => r.action !== 'create').reverse();
    expect(h.map((r) => [r.action, r.result])).toEqual([
      ['remind', 'ok'],
      ['publish', 'ok'],
    ]);
    const events = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ body: string }>('SELECT body FROM outbox ORDER BY created_at').toArray().map((r) => JSON.parse(r.body).action),
    );
    expect(events).toEqual(['remind', 'publish']);
  });

  it('a metric condition that analytics cannot confirm fails the attempt (retried), naming the condition', async () => {
    const t = await tenantWithKeys('sch-metric');
    const s = await createOk(t.alice, {
      contentKind: 'announcement',
      contentId: 'ep9',
      scheduledAt: inHours(1),
      title: 'Episode 9',
      conditions: [{ kind: 'metric', metric: 'play_rate', contentId: 'trailer-9', min: 0.2 }],
    });
    await fireAfter(t.tenantId, HOUR);
    const v = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(v).toMatchObject({ status: 'pending', attempts: 1 });
    expect(v.lastError).toBe('condition play_rate of trailer-9: analytics unavailable: gates cannot be verified');
    expect(await publishState(t.tenantId, 'ep9')).toBeNull();
  });

  it('a re-fired action after a crash repeats the effect harmlessly and records it once', async () => {
    const t = await tenantWithKeys('sch-refire');
    const s = await createOk(t.alice, { contentKind: 'banner', contentId: 'bn', scheduledAt: inHours(1), title: 'Banner' });
    await travel(t.tenantId, HOUR);
    // Crash after the effect, before the commit: run only the effect, as the object would have.
    await runInDurableObject(scheduler(t.tenantId), async (instance, state) => {
      const a = state.storage.sql.exec("SELECT * FROM actions WHERE state = 'due'").toArray()[0];
      await (instance as unknown as { effect(s: unknown, a: unknown): Promise<unknown> }).effect(
        state.storage.sql.exec('SELECT * FROM schedules WHERE id = ?', s.id).one(),
        a,
      );
    });
    expect(await publishState(t.tenantId, 'bn')).toMatchObject({ published: 1 });
    // The alarm retries (at-least-once): the action is still due and runs again.
    expect(await runDurableObjectAlarm(scheduler(t.tenantId))).toBe(true);
    await runDurableObjectAlarm(scheduler(t.tenantId));
    const publishes = (await history(t.alice, s.id)).filter((r) => r.action === 'publish');
    expect(publishes).toHaveLength(1);
    const events = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ body: string }>('SELECT body FROM outbox').toArray().map((r) => JSON.parse(r.body).action),
    );
    expect(events).toEqual(['publish']);
    expect(await publishState(t.tenantId, 'bn')).toMatchObject({ published: 1, occurrence: 0 });
  });

  it('a daily schedule plans each occurrence when the previous fires, at the same local time', async () => {
    const t = await tenantWithKeys('sch-daily');
    const s = await createOk(t.alice, {
      contentKind: 'announcement',
      contentId: 'daily',
      scheduledAt: inHours(1),
      title: 'Daily',
      recurrence: { frequency: 'daily', timeZone: 'Europe/Berlin', count: 3 },
    });
    // Occurrence i is planned (at its real time) when i-1 fires; move the clock to each in turn.
    for (let i = 0; i < 3; i++) expect(await fireAfter(t.tenantId, (1 + 24 * i) * HOUR + 60_000)).toBe(true);
    const occ = await runInDurableObject(scheduler(t.tenantId), (_i, st) =>
      st.storage.sql.exec<{ occurrence: number; planned_at: number; state: string }>("SELECT occurrence, planned_at, state FROM actions WHERE kind = 'publish' ORDER BY occurrence").toArray(),
    );
    expect(occ.map((o) => [o.occurrence, o.state])).toEqual([[0, 'done'], [1, 'done'], [2, 'done']]);
    const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    expect(new Set(occ.map((o) => fmt.format(o.planned_at))).size).toBe(1);
    const v = (await (await SELF.fetch(`${BASE}/schedules/${s.id}`, json('GET', t.alice))).json()) as ScheduleView;
    expect(v).toMatchObject({ occurrencesDone: 3, status: 'published', nextActionAt: null });
  });

  it('rollback unpublishes and stops further occurrences', async () => {
    const t = await tenantWithKeys('sch-rollback');
    const s = await createOk(t.alice, { contentKind: 'announcement', contentId: 'rb', scheduledAt: inHours(1), title: 'RB', recurrence: { frequency: 'weekly', timeZone: 'UTC' } });
    await fireAfter(t.tenantId, HOUR);
    expect(await publishState(t.tenantId, 'rb')).toMatchObject({ published: 1 });
    const res = await SELF.fetch(`${BASE}/schedules/${s.id}/rollback`, json('POST', t.senior));
    expect(res.status).toBe(200);
    expect(((await res.json()) as ScheduleView)).toMatchObject({ status: 'cancelled', nextActionAt: null });
    expect(await publishState(t.tenantId, 'rb')).toMatchObject({ published: 0 });
  });
});

describe('scheduling: templates, calendar, import, stats, suggest-time', () => {
  it('applies templates (usage counted), buckets occurrences by local day, imports legacy rows', async () => {
    const t = await tenantWithKeys('sch-tpl');
    const sys = (await (await SELF.fetch(`${BASE}/templates`, json('GET', t.alice))).json()) as { id: string; scope: string; name: string }[];
    expect(sys.filter((x) => x.scope === 'system').length).toBeGreaterThanOrEqual(3);
    const created = await SELF.fetch(
      `${BASE}/templates`,
      json('POST', t.superKey, { name: 'Nightly', defaults: { contentKind: 'announcement', recurrence: { frequency: 'daily', timeZone: 'Asia/Tokyo', count: 3 }, durationMinutes: 60, priority: 77 } }),
    );
    expect(created.status).toBe(201);
    const tpl = (await created.json()) as { id: string };
    await seedSlot(t.tenantId, 'announcement', 'night');
    const applied = await SELF.fetch(`${BASE}/templates/${tpl.id}/apply`, json('POST', t.alice, { contentId: 'night', scheduledAt: '2030-01-30T12:00:00.000Z', title: 'Night' }));
    expect(applied.status).toBe(201);
    const s = (await applied.json()) as ScheduleView;
    expect(s).toMatchObject({ contentKind: 'announcement', priority: 77, endAt: '2030-01-30T13:00:00.000Z', recurrence: { frequency: 'daily', timeZone: 'Asia/Tokyo', count: 3 } });
    const after = (await (await SELF.fetch(`${BASE}/templates`, json('GET', t.alice))).json()) as { id: string; usageCount: number }[];
    expect(after.find((x) => x.id === tpl.id)!.usageCount).toBe(1);

    // 12:00Z is 21:00 in Tokyo: occurrences on Jan 30, 31 and Feb 1 local; the month view of
    // January in Tokyo holds two of them.
    const cal = (await (await SELF.fetch(`${BASE}/calendar?view=month&date=2030-01-15&timeZone=Asia/Tokyo`, json('GET', t.alice))).json()) as CalendarResponse;
    expect(cal.buckets.map((b) => [b.key, b.count])).toEqual([
      ['2030-01-30', 1],
      ['2030-01-31', 1],
    ]);
    expect(cal.from).toBe('2029-12-31T15:00:00.000Z');
    const day = (await (await SELF.fetch(`${BASE}/calendar?view=day&date=2030-02-01&timeZone=Asia/Tokyo`, json('GET', t.alice))).json()) as CalendarResponse;
    expect(day.buckets.map((b) => b.key)).toEqual(['2030-02-01T21']);
    expect((await SELF.fetch(`${BASE}/calendar?date=2030-02-01&timeZone=Nowhere/Land`, json('GET', t.alice))).status).toBe(400);

    await seedCourse(t.tenantId, 'legacy-1');
    const imp = await SELF.fetch(
      `${BASE}/import`,
      json('POST', t.senior, {
        rows: [
          { video_id: 'legacy-1', scheduled_publish_at: '2030-03-01 10:00:00' },
          { video_id: 'legacy-2', scheduled_publish_at: 'soon' },
          { scheduled_publish_at: '2030-03-01 10:00:00' },
          { video_id: 'ghost', scheduled_publish_at: '2030-03-01T10:00:00Z' },
        ],
      }),
    );
    expect(imp.status).toBe(400);
    const ib = (await imp.json()) as { created: number; results: { ok: boolean; error?: { field: string } }[] };
    expect(ib.created).toBe(1);
    expect(ib.results.map((r) => r.error?.field ?? null)).toEqual([null, 'rows.1.scheduled_publish_at', 'rows.2.video_id', 'rows.3.contentId']);
    const legacy = (await (await SELF.fetch(`${BASE}/schedules?contentId=legacy-1`, json('GET', t.senior))).json()) as { items: ScheduleView[] };
    expect(legacy.items[0]).toMatchObject({ scheduledAt: '2030-03-01T10:00:00.000Z', action: 'publish', createdBy: 'sam' });

    const stats = (await (await SELF.fetch(`${BASE}/stats`, json('GET', t.senior))).json()) as SchedulingStats;
    expect(stats.byStatus).toEqual({ pending: 2 });
    expect(stats.nextAlarmAt).toBe('2030-01-30T12:00:00.000Z');
  });

  it('suggest-time needs analytics: 503 with Retry-After when it cannot answer, 400 on a bad zone', async () => {
    const t = await tenantWithKeys('sch-suggest');
    const res = await SELF.fetch(`${BASE}/suggest-time?timeZone=Europe/Berlin`, json('GET', t.alice));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
    const bad = await SELF.fetch(`${BASE}/suggest-time?timeZone=Nowhere/Land`, json('GET', t.alice));
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('timeZone');
  });
});
