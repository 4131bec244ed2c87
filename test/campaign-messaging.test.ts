import { describe, expect, inject, it } from 'vitest';
import type { CampaignView } from '@vidplat/contracts';
import type { Delivery } from '@vidplat/devstack/messaging-api';
import type {} from '@vidplat/devstack/vitest-global-setup'; // typed inject('stack')

/**
 * Issue 15: campaigns send under the dev stack (npm start and this global setup run the same
 * startStack): the Campaign Durable Object in `wrangler dev` multicasts through the stack's
 * LINE-shaped messaging API, each recipient once, and a replayed retry key delivers nothing.
 */
const { env, urls } = inject('stack');

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    v = await fn();
  }
  return v;
}

describe('campaigns through the dev stack', () => {
  it('has a messaging API configured, and a scheduled campaign is delivered once per recipient', async () => {
    expect(env.MESSAGING_API_URL).toBe(urls.messagingApi);
    const tenantId = `cmpstack-${Date.now().toString(36)}`;
    const prov = await fetch(`${urls.edge}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, name: tenantId }),
    });
    expect(prov.status).toBe(201);
    const key = ((await prov.json()) as { apiKey: string }).apiKey;
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const users = Array.from({ length: 620 }, (_, i) => `${tenantId}-u${i}`);
    // Campaigns address users through their linked LINE ids (U + 32 hex), unique to this run.
    const run = crypto.randomUUID().replace(/-/g, '').slice(0, 24);
    const lineOf = (i: number) => `U${run}${i.toString(16).padStart(8, '0')}`;
    const lines = new Set(users.map((_, i) => lineOf(i)));
    const linked = await fetch(`${urls.edge}/v1/admin/line-links`, { method: 'PUT', headers: h, body: JSON.stringify({ links: users.map((u, i) => ({ userId: u, lineUserId: lineOf(i) })) }) });
    expect(linked.status).toBe(200);
    const created = await fetch(`${urls.edge}/v1/admin/campaigns`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ name: 'Stack', message: { title: 'Hello', body: 'from the stack' }, audience: { userIds: users }, sendAt: new Date(Date.now() + 3000).toISOString(), ratePerSecond: 1000 }),
    });
    expect(created.status).toBe(201);
    const c = (await created.json()) as CampaignView;
    const done = await eventually(
      async () => (await (await fetch(`${urls.edge}/v1/admin/campaigns/${c.id}`, { headers: h })).json()) as CampaignView,
      (v) => v.status === 'completed' || v.status === 'failed',
    );
    expect(done).toMatchObject({ status: 'completed', sentCount: 620, error: null, batches: { total: 2, sent: 2 }, stats: { sent: 620, skipped: 0 } });
    const mine = ((await (await fetch(`${urls.messagingApi}/_local/deliveries`)).json()) as Delivery[]).filter((d) => d.to.some((u) => lines.has(u)));
    expect(mine.map((d) => d.to.length).sort()).toEqual([120, 500]);
    expect(new Set(mine.flatMap((d) => d.to)).size).toBe(620);
    expect(mine.every((d) => d.retryKey && d.messages.length === 1)).toBe(true);

    // The campaign's retry key replayed (a batch retried after a lost answer) delivers nothing.
    const replay = await fetch(`${urls.messagingApi}/v2/bot/message/multicast`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.MESSAGING_API_TOKEN}`, 'content-type': 'application/json', 'x-line-retry-key': mine[0]!.retryKey! },
      body: JSON.stringify({ to: mine[0]!.to, messages: mine[0]!.messages }),
    });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({ message: 'The retry key is already accepted' });
    const after = ((await (await fetch(`${urls.messagingApi}/_local/deliveries`)).json()) as Delivery[]).filter((d) => d.to.some((u) => lines.has(u)));
    expect(after).toHaveLength(2);
  });
});
