import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CampaignBatchView, CampaignView } from '@vidplat/contracts';
import type { Campaign } from '../src/scheduling/campaigns/campaign.js';
import { json } from './helpers.js';
import { tenantWithKeys } from './scheduling-support.js';

const BASE = 'https://edge.test/v1/admin/campaigns';
const SINK = (env as unknown as { TEST_SINK_URL: string }).TEST_SINK_URL;
// MESSAGING_API_URL points at the sink's "edge" namespace (edge/vitest.config.ts).
const MSG_NS = 'edge';

interface SinkEntry {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  accepted?: string[];
}
const sinkLog = async () => (await (await fetch(`${SINK}/_log/${MSG_NS}`)).json()) as SinkEntry[];
const control = (c: { failNext?: number; quota?: number }) => fetch(`${SINK}/_control/${MSG_NS}`, { method: 'POST', body: JSON.stringify(c) });

const stubOf = (tenantId: string, id: string) => env.CAMPAIGN.get(env.CAMPAIGN.idFromName(`${tenantId}:${id}`));

/** Makes the campaign due / the next batch allowed now, as if the clock had moved on. */
async function makeDue(tenantId: string, id: string) {
  await runInDurableObject(stubOf(tenantId, id), (_i, st) => {
    st.storage.sql.exec('UPDATE campaign SET send_at = send_at - 7200000, next_send_at = 0');
    st.storage.sql.exec('UPDATE batches SET next_attempt_at = 0');
  });
}

/**
 * Links each platform user to a LINE user id equal to its own id: the stand-in messaging API
 * accepts any id, and identity links keep "who received it" readable in these tests. Resolution
 * through real LINE-format links (and skipped users) is tested in campaign-audience.test.ts.
 */
async function linkSelf(tenantId: string, users: string[]): Promise<void> {
  const now = new Date().toISOString();
  const stmts = [...new Set(users)].map((u) =>
    env.CATALOGUE.prepare('INSERT OR IGNORE INTO line_links (tenant_id, user_id, line_user_id, linked_at) VALUES (?1, ?2, ?2, ?3)').bind(tenantId, u, now),
  );
  for (let i = 0; i < stmts.length; i += 500) await env.CATALOGUE.batch(stmts.slice(i, i + 500));
}

const view = async (key: string, id: string) => (await (await SELF.fetch(`${BASE}/${id}`, json('GET', key))).json()) as CampaignView;

async function createCampaign(key: string, userIds: string[], extra: Record<string, unknown> = {}): Promise<CampaignView> {
  const res = await SELF.fetch(
    BASE,
    json('POST', key, {
      name: 'Launch',
      message: { title: 'New course', body: 'It is out', link: 'https://example.test/c1' },
      audience: { userIds },
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      // One batch per second of rate: the next batch is far off, so only the test moves it on.
      ratePerSecond: 1,
      ...extra,
    }),
  );
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as CampaignView;
}

describe('message campaigns', () => {
  it('sends every recipient exactly once in batches of ≤ 500 across a crash after a batch left', async () => {
    const t = await tenantWithKeys('cmp-crash');
    const prefix = `${t.tenantId}-u`;
    const users = Array.from({ length: 1200 }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
    // Duplicates in the audience are sent once.
    await linkSelf(t.tenantId, users);
    const c = await createCampaign(t.senior, [...users, users[0]!, users[1]!]);
    expect(c).toMatchObject({ status: 'scheduled', batchSize: 500 });
    const stub = stubOf(t.tenantId, c.id);

    await makeDue(t.tenantId, c.id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'sending', recipients: 1200, sentCount: 500, batches: { total: 3, sent: 1, pending: 2 } });

    // Crash: batch 1's request reaches the API, the object dies before recording the answer.
    await makeDue(t.tenantId, c.id);
    await runInDurableObject(stub, async (instance, st) => {
      const row = st.storage.sql.exec('SELECT * FROM campaign').one();
      const b1 = st.storage.sql.exec('SELECT * FROM batches WHERE batch_no = 1').one();
      const r = await (instance as unknown as { postBatch(c: unknown, b: unknown): Promise<{ kind: string }> }).postBatch(row, b1);
      expect(r.kind).toBe('accepted');
    });
    const afterCrash = (await (await SELF.fetch(`${BASE}/${c.id}/batches`, json('GET', t.senior))).json()) as CampaignBatchView[];
    expect(afterCrash[1]).toMatchObject({ state: 'sending', attempts: 1 });

    // The alarm retries: batch 1 goes again with the same key, the API refuses the duplicate.
    await runDurableObjectAlarm(stub);
    const mid = (await (await SELF.fetch(`${BASE}/${c.id}/batches`, json('GET', t.senior))).json()) as CampaignBatchView[];
    expect(mid[1]).toMatchObject({ state: 'sent', attempts: 2 });
    await makeDue(t.tenantId, c.id);
    await runDurableObjectAlarm(stub);
    const done = await view(t.senior, c.id);
    expect(done).toMatchObject({ status: 'completed', sentCount: 1200, batches: { total: 3, sent: 3, pending: 0, failed: 0 } });

    const mine = (await sinkLog()).filter((e) => e.path === '/v2/bot/message/multicast' && e.body.includes(prefix));
    const delivered = mine.flatMap((e) => e.accepted ?? []);
    expect(delivered).toHaveLength(1200);
    expect(new Set(delivered).size).toBe(1200);
    expect(mine.every((e) => (JSON.parse(e.body) as { to: string[] }).to.length <= 500)).toBe(true);
    expect(mine.every((e) => e.headers['idempotency-key'] === e.headers['x-line-retry-key'] && e.headers.authorization === 'Bearer edge-test-messaging-token')).toBe(true);
    const dup = mine.filter((e) => e.status === 409);
    expect(dup).toHaveLength(1);
    expect(dup[0]!.headers['x-line-retry-key']).toBe(mid[1]!.idempotencyKey);
  });

  it('retries a failed batch with the same key, pauses and resumes', async () => {
    const t = await tenantWithKeys('cmp-retry');
    const users = Array.from({ length: 30 }, (_, i) => `${t.tenantId}-r${i}`);
    await linkSelf(t.tenantId, users);
    const c = await createCampaign(t.senior, users, { batchSize: 10 });
    const stub = stubOf(t.tenantId, c.id);
    await makeDue(t.tenantId, c.id);
    await control({ failNext: 1 });
    await runDurableObjectAlarm(stub);
    const b = (await (await SELF.fetch(`${BASE}/${c.id}/batches`, json('GET', t.senior))).json()) as CampaignBatchView[];
    expect(b[0]).toMatchObject({ state: 'sending', attempts: 1 });
    expect(b[0]!.lastError).toContain('500');

    const paused = await SELF.fetch(`${BASE}/${c.id}/pause`, json('POST', t.senior));
    expect(((await paused.json()) as CampaignView).status).toBe('paused');
    await makeDue(t.tenantId, c.id);
    // A paused campaign sends nothing, even if an alarm comes.
    await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm());
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'paused', sentCount: 0 });

    expect(((await (await SELF.fetch(`${BASE}/${c.id}/resume`, json('POST', t.senior))).json()) as CampaignView).status).toBe('sending');
    // Resume arms a real alarm, which the runtime may fire on its own while the test drives one:
    // the object runs one tick at a time, so drive ticks until done (3 batches need 3 sends).
    for (let i = 0; i < 10 && (await view(t.senior, c.id)).status !== 'completed'; i++) {
      await makeDue(t.tenantId, c.id);
      await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm());
    }
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'completed', sentCount: 30 });
    const mine = (await sinkLog()).filter((e) => e.body.includes(`${t.tenantId}-r`));
    // The failed request and its retry carry the same key; every recipient got it exactly once.
    expect(mine[0]!.status).toBe(500);
    expect(mine[1]!.headers['x-line-retry-key']).toBe(mine[0]!.headers['x-line-retry-key']);
    expect(mine.filter((e) => e.accepted).length).toBe(3);
    expect(mine.flatMap((e) => e.accepted ?? []).sort()).toEqual([...users].sort());
  });

  it('checks the quota before sending and validates input', async () => {
    const t = await tenantWithKeys('cmp-quota');
    await linkSelf(t.tenantId, ['q1', 'q2', 'q3']);
    const c = await createCampaign(t.senior, ['q1', 'q2', 'q3']);
    const used = (await (await fetch(`${SINK}/msg/${MSG_NS}/v2/bot/message/quota/consumption`)).json()) as { totalUsage: number };
    await control({ quota: used.totalUsage + 2 });
    try {
      await makeDue(t.tenantId, c.id);
      await runDurableObjectAlarm(stubOf(t.tenantId, c.id));
    } finally {
      await control({ quota: 1_000_000 });
    }
    const v = await view(t.senior, c.id);
    expect(v).toMatchObject({ status: 'failed', sentCount: 0 });
    expect(v.error).toMatch(/quota: 3 messages needed, 2 left/);

    const bad = async (body: Record<string, unknown>) => {
      const res = await SELF.fetch(BASE, json('POST', t.senior, { name: 'x', message: { title: 't', body: 'b' }, audience: { userIds: ['a'] }, ...body }));
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { field?: string } }).error.field;
    };
    expect(await bad({ sendAt: new Date(Date.now() - 1000).toISOString() })).toBe('sendAt');
    expect(await bad({ batchSize: 501 })).toBe('batchSize');
    expect(await bad({ audience: {} })).toBe('audience');
    // Another tenant cannot see the campaign; the list shows it for its own tenant.
    const other = await tenantWithKeys('cmp-other');
    expect((await SELF.fetch(`${BASE}/${c.id}`, json('GET', other.senior))).status).toBe(404);
    const list = (await (await SELF.fetch(BASE, json('GET', t.alice))).json()) as { items: { id: string; status: string }[] };
    expect(list.items).toEqual([expect.objectContaining({ id: c.id, status: 'failed' })]);
  });

  it('resolves a segment (catalogue enrolments) plus listed users into one deduplicated audience', async () => {
    const t = await tenantWithKeys('cmp-seg');
    const now = new Date().toISOString();
    for (const u of ['s1', 's2', 'extra']) {
      await env.CATALOGUE.prepare(
        "INSERT INTO enrolments (enrolment_id, tenant_id, user_id, course_id, kind, valid_from, created_at) VALUES (?1, ?2, ?3, 'c9', 'free', ?4, ?4)",
      )
        .bind(`${t.tenantId}-${u}`, t.tenantId, `${t.tenantId}-${u}`, now)
        .run();
    }
    await linkSelf(t.tenantId, ['s1', 's2', 'extra', 'x'].map((u) => `${t.tenantId}-${u}`));
    const res = await SELF.fetch(
      BASE,
      json('POST', t.senior, {
        name: 'Segment',
        message: { title: 't', body: 'b' },
        audience: { segment: 'enrolled:c9', userIds: [`${t.tenantId}-extra`, `${t.tenantId}-x`] },
        sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    expect(res.status).toBe(201);
    const c = (await res.json()) as CampaignView;
    await makeDue(t.tenantId, c.id);
    await runDurableObjectAlarm(stubOf(t.tenantId, c.id));
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'completed', recipients: 4, sentCount: 4 });
    const sent = (await sinkLog()).filter((e) => e.body.includes(`${t.tenantId}-`)).flatMap((e) => e.accepted ?? []);
    expect(sent.sort()).toEqual(['extra', 's1', 's2', 'x'].map((u) => `${t.tenantId}-${u}`));
  });
});

describe('campaign alarms never throw uncaught (issue 15)', () => {
  it('resuming a campaign that failed for want of MESSAGING_API_URL fails again with the reason, not a TypeError', async () => {
    const t = await tenantWithKeys('cmp-noapi');
    await linkSelf(t.tenantId, [`${t.tenantId}-a`, `${t.tenantId}-b`]);
    const c = await createCampaign(t.senior, [`${t.tenantId}-a`, `${t.tenantId}-b`], { batchSize: 1 });
    const stub = stubOf(t.tenantId, c.id);
    await makeDue(t.tenantId, c.id);
    // This object runs without a messaging API (as `npm start` did before it had one).
    const withoutApi = (instance: unknown) => {
      const o = instance as { env: Record<string, unknown> };
      o.env = { ...o.env, MESSAGING_API_URL: undefined };
    };
    await runInDurableObject(stub, withoutApi);
    await expect(runDurableObjectAlarm(stub)).resolves.toBe(true);
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'failed', error: 'MESSAGING_API_URL is not configured' });
    // Resume: recipients are resolved, so it goes straight to sending — the path that threw.
    expect(((await (await SELF.fetch(`${BASE}/${c.id}/resume`, json('POST', t.senior))).json()) as CampaignView).status).toBe('sending');
    await runInDurableObject(stub, withoutApi);
    await makeDue(t.tenantId, c.id);
    await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm());
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'failed', error: 'MESSAGING_API_URL is not configured', sentCount: 0 });
  });

  it('an alarm run that throws records the error on the campaign and re-arms with backoff', async () => {
    const t = await tenantWithKeys('cmp-throw');
    await linkSelf(t.tenantId, [`${t.tenantId}-a`]);
    const c = await createCampaign(t.senior, [`${t.tenantId}-a`], { batchSize: 1 });
    const stub = stubOf(t.tenantId, c.id);
    await makeDue(t.tenantId, c.id);
    // A stored message the sender cannot use: rendering it when the run starts throws a TypeError inside the alarm.
    await runInDurableObject(stub, (_i, st) => st.storage.sql.exec("UPDATE campaign SET message = 'null'"));
    const before = Date.now();
    await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm()); // resolves: nothing escapes
    const v = await view(t.senior, c.id);
    expect(v.status).toBe('scheduled');
    expect(v.error).toMatch(/^alarm failed \(1x, retrying\): TypeError/);
    const first = await runInDurableObject(stub, (_i, st) => st.storage.getAlarm());
    expect(first).toBeGreaterThanOrEqual(before + 1_000);
    // A second failure backs off further.
    await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm());
    expect((await view(t.senior, c.id)).error).toMatch(/^alarm failed \(2x, retrying\)/);
    const second = await runInDurableObject(stub, (_i, st) => st.storage.getAlarm());
    expect(second! - Date.now()).toBeGreaterThan(1_500);
    // Repaired data: the next run sends and completes; the failure count resets.
    await runInDurableObject(stub, (_i, st) => st.storage.sql.exec('UPDATE campaign SET message = ?', JSON.stringify({ title: 'T', body: 'B' })));
    await makeDue(t.tenantId, c.id);
    await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm());
    for (let i = 0; i < 5 && (await view(t.senior, c.id)).status !== 'completed'; i++) {
      await makeDue(t.tenantId, c.id);
      await runInDurableObject(stub, async (instance) => (instance as unknown as Campaign).alarm());
    }
    expect(await view(t.senior, c.id)).toMatchObject({ status: 'completed', sentCount: 1 });
    expect(await runInDurableObject(stub, (_i, st) => st.storage.sql.exec('SELECT COUNT(*) AS n FROM alarm_failures').one().n)).toBe(0);
  });
});
