import { EventBatchResponse } from '@vidplat/contracts';
import type { DemoSeeder } from './context.js';
import { syntheticEvents } from './synthetic-events.js';

/**
 * Live demo traffic for the stream jobs: per demo tenant, 1,500 behaviour events over the last
 * 90 minutes (items v0..v299, scenario "feed", as the recommend seeder's catalogue) posted to the
 * edge's public POST /v1/events. The running item-heat, user-profiles and realtime-metrics jobs
 * turn them into window rows in ClickHouse, hot lists and profile vectors in Redis within seconds
 * (windows whose end the watermark has passed fire at once).
 */
export const seedStream: DemoSeeder = (ctx) => postDemoTraffic(ctx, Date.now());

/**
 * One tick of `npm start`'s live event generator for a tenant: 20 events over the catalogue's
 * items (v0…v119 of the 300 imported), all dated in the past — the generator advances < 2 s per
 * event, so starting 42 s before `nowMs` ends at least 2 s before it.
 */
export function liveTrafficBatch(tenantId: string, seed: number, nowMs: number) {
  return syntheticEvents({ tenants: [tenantId], users: 200, items: 120, count: 20, seed, startMs: nowMs - 42_000 });
}

/**
 * The traffic of seedStream ending at `now`. On a fresh stream (npm start) that is the present; a
 * stream that already carries live traffic has moved its watermark past a 90-minute backfill, which
 * is then late by design, so a test on such a stream places its traffic after everything else.
 */
export async function postDemoTraffic(ctx: Parameters<DemoSeeder>[0], now: number): Promise<void> {
  const span = 90 * 60_000;
  const perTenant = ctx.tenants.map((t, i) => {
    const raw = syntheticEvents({ tenants: [t.tenantId], users: 200, items: 300, count: 1500, seed: 500 + i, startMs: now - span, scenario: 'feed' });
    const first = Date.parse(raw[0]!.eventTime);
    const lastT = Date.parse(raw[raw.length - 1]!.eventTime);
    // Squeeze the generator's ~1 event/s into the 90 minutes before now.
    const events = raw.map((e) => ({ ...e, eventTime: new Date(now - span + ((Date.parse(e.eventTime) - first) / Math.max(1, lastT - first)) * (span - 10_000)).toISOString() }));
    return { t, events, next: 0, accepted: 0 };
  });
  // The tenants share partitions, so their traffic goes out interleaved in time as live traffic
  // would: slice by slice (2 minutes, minute-aligned), every tenant's events of a slice at once.
  // Posting one tenant's 90 minutes after another's would make most of the second one late for
  // the windows the first had already moved the watermark past.
  const slice = 2 * 60_000;
  for (let end = Math.floor((now - span) / slice) * slice + slice; perTenant.some((p) => p.next < p.events.length); end += slice) {
    await Promise.all(
      perTenant.map(async (p) => {
        let stop = p.next;
        while (stop < p.events.length && Date.parse(p.events[stop]!.eventTime) < end) stop++;
        for (let b = p.next; b < stop; b += 500) {
          const res = await fetch(`${ctx.edgeUrl}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${p.t.superKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ events: p.events.slice(b, Math.min(b + 500, stop)) }),
            signal: AbortSignal.timeout(15_000),
          });
          if (res.status !== 202) throw new Error(`stream demo: POST /v1/events for ${p.t.tenantId}: ${res.status} ${await res.text()}`);
          p.accepted += EventBatchResponse.parse(await res.json()).accepted;
        }
        p.next = stop;
      }),
    );
  }
  for (const p of perTenant) ctx.log(`stream: ${p.t.tenantId} ${p.accepted} live events → item heat (hot list "feed"), user profiles, 1-min metrics`);
}
