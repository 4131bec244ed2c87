import type { DemoContext, DemoSeeder, DemoTenant } from './context.js';

/**
 * Scheduling demo data through the public admin API: a handful of schedules over the coming month
 * (one-off and recurring, across kinds and priorities), a user template, a broadcaster task and a
 * draft campaign. Re-running is harmless: an existing active schedule answers 409 and is kept.
 */
async function call(ctx: DemoContext, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(`${ctx.edgeUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await res.text();
      if (res.status >= 500) {
        last = `${res.status} ${text.slice(0, 200)}`;
      } else {
        return { status: res.status, body: text ? JSON.parse(text) : null };
      }
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  throw new Error(`scheduling demo: ${method} ${path} failed: ${last}`);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Local 09:00 / 18:00 style instants: whole hours from now, so they are always in the future. */
function at(daysAhead: number, hourUtc: number): string {
  const d = new Date(Date.now() + daysAhead * DAY);
  d.setUTCHours(hourUtc, 0, 0, 0);
  if (d.getTime() <= Date.now() + HOUR) d.setTime(d.getTime() + DAY);
  return d.toISOString();
}

/**
 * The slot content the schedules publish (a schedule must point at existing content): drafts until
 * their schedule fires. Re-running answers 409 per existing row, which is kept.
 */
async function seedSlotContent(ctx: DemoContext, t: DemoTenant): Promise<void> {
  const k = t.superKey;
  const img = (id: string) => `https://picsum.photos/seed/${id}/1200/400`;
  const banners = [
    { id: `${t.template}-banner-sale`, placement: 'home_top', title: 'Weekend sale' },
    { id: `${t.template}-hero-a`, placement: 'home_hero', title: 'Hero A' },
    { id: `${t.template}-hero-b`, placement: 'home_hero', title: 'Hero B' },
  ];
  for (const b of banners) {
    await call(ctx, k, 'POST', '/v1/admin/content/banners', { ...b, imageUrl: img(b.id), linkUrl: `https://example.com/${t.template}/${b.id}` });
  }
  const announcements = [
    { id: `${t.template}-daily-tip`, title: 'Tip of the day', body: 'Swipe left on a video to hide it from your feed.', severity: 'info' },
    { id: `${t.template}-monthly-digest`, title: 'Your monthly digest', body: 'The most watched videos of the month are in.', severity: 'info' },
    { id: `${t.template}-maintenance`, title: 'Planned maintenance', body: 'Playback may pause for a few minutes tonight.', severity: 'warning' },
  ];
  for (const a of announcements) await call(ctx, k, 'POST', '/v1/admin/content/announcements', a);
  // The recommend seeder's scenario "feed" and items v0…v299.
  await call(ctx, k, 'POST', '/v1/admin/content/slots', { id: `${t.template}-weekly-pick`, scenario: 'feed', position: 3, itemId: 'v7' });
}

async function seedTenant(ctx: DemoContext, t: DemoTenant): Promise<string> {
  const k = t.superKey;
  await seedSlotContent(ctx, t);
  const schedules = [
    { contentKind: 'banner', contentId: `${t.template}-banner-sale`, scheduledAt: at(2, 8), endAt: at(4, 8), title: 'Weekend sale banner', priority: 80 },
    {
      contentKind: 'announcement',
      contentId: `${t.template}-daily-tip`,
      scheduledAt: at(1, 7),
      title: 'Daily tip',
      recurrence: { frequency: 'daily', timeZone: 'Europe/Berlin', count: 30 },
      remindMinutesBefore: 15,
    },
    {
      contentKind: 'recommendation_slot',
      contentId: `${t.template}-weekly-pick`,
      scheduledAt: at(3, 17),
      title: 'Editor’s weekly pick',
      recurrence: { frequency: 'weekly', timeZone: 'America/New_York', count: 8 },
      priority: 60,
    },
    {
      contentKind: 'announcement',
      contentId: `${t.template}-monthly-digest`,
      scheduledAt: at(9, 9),
      title: 'Monthly digest',
      recurrence: { frequency: 'monthly', timeZone: 'UTC', count: 6 },
    },
    {
      contentKind: 'banner',
      contentId: `${t.template}-hero-a`,
      scheduledAt: at(14, 10),
      endAt: at(21, 10),
      title: 'Hero banner A/B',
      strategy: { kind: 'ab_test', variants: [{ variant: 'a', contentId: `${t.template}-hero-a`, percent: 50 }, { variant: 'b', contentId: `${t.template}-hero-b`, percent: 50 }] },
    },
    { contentKind: 'announcement', contentId: `${t.template}-maintenance`, scheduledAt: at(20, 2), endAt: at(20, 4), title: 'Maintenance window notice', priority: 95 },
  ];
  const batch = await call(ctx, k, 'POST', '/v1/admin/scheduling/batch', { create: schedules });
  const results = (batch.body as { create?: { ok: boolean; error?: { code: string } }[] }).create ?? [];
  const created = results.filter((r) => r.ok).length;
  const kept = results.filter((r) => r.error?.code === 'conflict').length;

  const templates = (await call(ctx, k, 'GET', '/v1/admin/scheduling/templates')).body as { name: string }[];
  if (!templates.some((x) => x.name === 'Evening premiere')) {
    await call(ctx, k, 'POST', '/v1/admin/scheduling/templates', {
      name: 'Evening premiere',
      scope: 'user',
      defaults: { contentKind: 'video', priority: 70, remindMinutesBefore: 30, notifySubscribers: true, durationMinutes: 7 * 24 * 60 },
    });
  }

  // No local webhook receiver runs in the dev stack: the task is created inactive (start it from
  // the admin API once a target exists). Needs BROADCAST_WEBHOOK_SECRETS with a "demo" entry.
  const task = await call(ctx, k, 'POST', '/v1/admin/broadcaster/tasks', {
    taskId: 'stats-webhook',
    targetUrl: 'http://127.0.0.1:9/stats-webhook',
    secretRef: 'demo',
    siteName: t.name,
    // The receiver's project and task this site reports for (X2C Pool ids; demo values).
    projectId: '3f8e2a1c-5b7d-4e9f-a6c0-1d2e3f4a5b6c',
    receiverTaskId: 1,
    duration: 30,
    active: false,
    items: [
      { itemId: `${t.template}-video-1`, platform: 'youtube' },
      { itemId: `${t.template}-video-1-dy`, platform: 'douyin' },
    ],
  });
  const taskNote = task.status === 201 ? 'broadcaster task (inactive)' : `no broadcaster task (${task.status})`;

  // Campaigns and notifier pushes address LINE ids: two demo users are linked, demo-lapsed is
  // not (a campaign counts it as skipped).
  await call(ctx, k, 'PUT', '/v1/admin/line-links', {
    links: [
      { userId: 'demo-learner', lineUserId: 'U' + '0'.repeat(31) + '1' },
      { userId: 'demo-member', lineUserId: 'U' + '0'.repeat(31) + '2' },
    ],
  });
  const list = (await call(ctx, k, 'GET', '/v1/admin/campaigns')).body as { items?: { name: string }[] };
  if (!list.items?.some((c) => c.name === 'Welcome back')) {
    await call(ctx, k, 'POST', '/v1/admin/campaigns', {
      name: 'Welcome back',
      message: { title: `News from ${t.name}`, body: 'Hi {{name}}, three new courses are out this week.', defaults: { name: 'there' } },
      audience: { userIds: ['demo-learner', 'demo-member', 'demo-lapsed'], variables: { 'demo-learner': { name: 'learner' } } },
      batchSize: 500,
      ratePerSecond: 50,
    });
  }
  return `${t.tenantId}: ${created} schedules created, ${kept} kept, template, ${taskNote}, draft campaign`;
}

export const seedScheduling: DemoSeeder = async (ctx) => {
  for (const t of ctx.tenants) ctx.log(`scheduling: ${await seedTenant(ctx, t)}`);
  const first = ctx.tenants[0];
  if (first) {
    ctx.log(
      `scheduling: try curl -H 'Authorization: Bearer ${first.superKey}' '${ctx.edgeUrl}/v1/admin/scheduling/calendar?view=month&date=${new Date().toISOString().slice(0, 10)}&timeZone=Europe/Berlin'`,
    );
  }
};
