import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CampaignView } from '@vidplat/contracts';
import { json } from './helpers.js';
import { tenantWithKeys } from './scheduling-support.js';

/**
 * Issue 19 point 5: campaigns address platform users through their linked LINE ids (unlinked
 * users are counted as skipped), render per-user template variables, send now, recur, and report
 * delivery statistics per run.
 */
const BASE = 'https://edge.test/v1/admin/campaigns';
const SINK = (env as unknown as { TEST_SINK_URL: string }).TEST_SINK_URL;

interface SinkEntry {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  accepted?: string[];
}
const multicasts = async () => ((await (await fetch(`${SINK}/_log/edge`)).json()) as SinkEntry[]).filter((e) => e.path === '/v2/bot/message/multicast' && e.accepted);
const newLineId = () => `U${crypto.randomUUID().replace(/-/g, '')}`;
const stubOf = (tenantId: string, id: string) => env.CAMPAIGN.get(env.CAMPAIGN.idFromName(`${tenantId}:${id}`));

async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`https://edge.test${path}`, json(method, key, body));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Bounded wait for what the campaign does on its own alarm (not a timing assertion). */
async function until(key: string, id: string, ok: (c: CampaignView) => boolean): Promise<CampaignView> {
  let v = (await call(key, 'GET', `/v1/admin/campaigns/${id}`)).body as CampaignView;
  for (let i = 0; i < 200 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 50));
    v = (await call(key, 'GET', `/v1/admin/campaigns/${id}`)).body as CampaignView;
  }
  return v;
}

describe('campaign audience, templates, send now, recurring', () => {
  it('bulk-links users to LINE ids; only linked users are sent, the rest counted skipped', async () => {
    const t = await tenantWithKeys('ca-links');
    const line = { u1: newLineId(), u2: newLineId(), u3: newLineId() };
    const linked = await call(t.alice, 'PUT', '/v1/admin/line-links', { links: Object.entries(line).map(([userId, lineUserId]) => ({ userId, lineUserId })) });
    expect(linked).toEqual({ status: 200, body: { linked: 3 } });
    // Bad bulk input is refused as a whole, naming the entry.
    const dup = await call(t.alice, 'PUT', '/v1/admin/line-links', { links: [{ userId: 'u9', lineUserId: line.u1 }] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.field).toBe('links.0.lineUserId');
    expect((await call(t.alice, 'PUT', '/v1/admin/line-links', { links: [{ userId: 'u9', lineUserId: 'nope' }] })).body.error.field).toBe('links.0.lineUserId');

    const created = await call(t.senior, 'POST', BASE.replace('https://edge.test', ''), {
      name: 'Linked only',
      message: { title: 'News', body: 'Hello' },
      audience: { userIds: ['u1', 'u2', 'u3', 'u4', 'u5'] },
      sendNow: true,
    });
    expect(created.status).toBe(201);
    const done = await until(t.senior, created.body.id, (c) => c.status === 'completed');
    expect(done).toMatchObject({ status: 'completed', recipients: 3, sentCount: 3, stats: { recipients: 3, sent: 3, failed: 0, skipped: 2, pending: 0 } });
    const sent = (await multicasts()).filter((e) => Object.values(line).some((l) => e.body.includes(l))).flatMap((e) => e.accepted!);
    expect(sent.sort()).toEqual(Object.values(line).sort());
  });

  it('renders per-user variables over defaults; a variable without a default is refused at the field', async () => {
    const t = await tenantWithKeys('ca-vars');
    const line = { ann: newLineId(), bob: newLineId(), cid: newLineId() };
    await call(t.alice, 'PUT', '/v1/admin/line-links', { links: Object.entries(line).map(([userId, lineUserId]) => ({ userId, lineUserId })) });
    const message = { title: 'Hi {{name}}', body: 'Your plan: {{ plan }} ({{userId}})', defaults: { name: 'there', plan: 'free' } };
    const bad = await call(t.senior, 'POST', '/v1/admin/campaigns', { name: 'x', message: { ...message, body: '{{coupon}}' }, audience: { userIds: ['ann'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('message.defaults.coupon');

    const created = await call(t.senior, 'POST', '/v1/admin/campaigns', {
      name: 'Personal',
      message,
      audience: { userIds: ['ann', 'bob', 'cid'], variables: { ann: { name: 'Ann' }, bob: { name: 'Bob', plan: 'pro' } } },
      sendNow: true,
    });
    expect(created.status).toBe(201);
    const done = await until(t.senior, created.body.id, (c) => c.status === 'completed');
    expect(done.stats).toMatchObject({ sent: 3, skipped: 0 });
    const texts = Object.fromEntries(
      (await multicasts())
        .filter((e) => Object.values(line).some((l) => e.accepted!.includes(l)))
        .map((e) => [e.accepted![0], (JSON.parse(e.body) as { messages: { text: string }[] }).messages[0]!.text]),
    );
    expect(texts).toEqual({
      [line.ann]: 'Hi Ann\nYour plan: free (ann)',
      [line.bob]: 'Hi Bob\nYour plan: pro (bob)',
      [line.cid]: 'Hi there\nYour plan: free (cid)',
    });
  });

  it('a draft is sent now on request; a completed campaign cannot be', async () => {
    const t = await tenantWithKeys('ca-now');
    const l = newLineId();
    await call(t.alice, 'PUT', '/v1/admin/line-links/d1', { lineUserId: l });
    const draft = await call(t.senior, 'POST', '/v1/admin/campaigns', { name: 'Draft', message: { title: 'T', body: 'B' }, audience: { userIds: ['d1'] } });
    expect(draft.body.status).toBe('draft');
    const now = await call(t.senior, 'POST', `/v1/admin/campaigns/${draft.body.id}/send-now`);
    expect(now.status).toBe(200);
    const done = await until(t.senior, draft.body.id, (c) => c.status === 'completed');
    expect(done.stats.sent).toBe(1);
    expect((await call(t.senior, 'POST', `/v1/admin/campaigns/${draft.body.id}/send-now`)).status).toBe(409);
    expect((await call(t.senior, 'POST', '/v1/admin/campaigns', { name: 'x', message: { title: 'T', body: 'B' }, audience: { userIds: ['d1'] }, sendNow: true, sendAt: new Date(Date.now() + 60_000).toISOString() })).body.error.field).toBe('sendNow');
  });

  it('a recurring campaign runs at each occurrence with the audience resolved again, keeping each run\'s statistics', async () => {
    const t = await tenantWithKeys('ca-recur');
    const l1 = newLineId();
    const l2 = newLineId();
    await call(t.alice, 'PUT', '/v1/admin/line-links/r1', { lineUserId: l1 });
    const created = await call(t.senior, 'POST', '/v1/admin/campaigns', {
      name: 'Daily digest',
      message: { title: 'Digest', body: 'Today' },
      audience: { userIds: ['r1', 'r2'] },
      sendNow: true,
      recurrence: { frequency: 'daily', timeZone: 'Asia/Tokyo', count: 2 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const first = await until(t.senior, id, (c) => c.run === 1);
    expect(first).toMatchObject({ status: 'scheduled', run: 1, runs: [{ run: 0, recipients: 1, sent: 1, failed: 0, skipped: 1 }] });
    // The next run is a day after the first, and the batch keys of run 0 are gone with it.
    expect(Date.parse(first.sendAt!) - Date.parse(first.runs[0]!.startedAt!)).toBeGreaterThan(86_400_000 - 60_000);

    // r2 links before the second run: it is in the audience this time.
    await call(t.alice, 'PUT', '/v1/admin/line-links/r2', { lineUserId: l2 });
    await runInDurableObject(stubOf(t.tenantId, id), (_i, st) => {
      st.storage.sql.exec('UPDATE campaign SET send_at = ?', Date.now() - 1000);
    });
    await runDurableObjectAlarm(stubOf(t.tenantId, id));
    const done = await until(t.senior, id, (c) => c.status === 'completed');
    expect(done).toMatchObject({ status: 'completed', run: 1, stats: { recipients: 2, sent: 2, skipped: 0 }, sentCount: 3 });
    expect(done.runs).toHaveLength(1);
    const keys = (await multicasts()).filter((e) => e.accepted!.some((x) => x === l1 || x === l2)).map((e) => e.headers['x-line-retry-key']);
    expect(new Set(keys).size).toBe(2);
  });
});
