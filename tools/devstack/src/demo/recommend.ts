import { Redis } from 'ioredis';
import { toClickHouseTime, type ScenarioTemplateName } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import { insertAnalyticsRows } from './analytics.js';
import { rng, type Interaction } from '@vidplat/stream/training/interactions';
import { publishArtefacts, trainRanking } from '@vidplat/stream/training/trainer';
import type { DemoContext, DemoSeeder, DemoTenant } from './context.js';

const CATEGORIES: Record<ScenarioTemplateName, string[]> = {
  vlog: ['travel', 'cooking', 'fitness', 'gaming', 'tech', 'diy'],
  news: ['politics', 'business', 'sport', 'science', 'culture', 'world'],
  ecommerce: ['shoes', 'jackets', 'bags', 'watches', 'home', 'beauty'],
  music: ['rock', 'jazz', 'electronic', 'classical', 'hiphop', 'folk'],
};
const KIND: Record<ScenarioTemplateName, string> = { vlog: 'video', news: 'article', ecommerce: 'product', music: 'track' };
const ITEMS = 300;
const USERS = 200;
const DAY = 86_400_000;

async function call(ctx: DemoContext, t: DemoTenant, method: string, path: string, body?: string, contentType = 'application/json'): Promise<Response> {
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(`${ctx.edgeUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${t.superKey}`, 'content-type': contentType },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(15_000),
      });
      if (res.status < 500) return res;
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  throw new Error(`${method} ${path}: ${last}`);
}

/**
 * Per demo tenant: scenario "feed" from the tenant's template ranking with model "ctr"; 300 items
 * v0..v299 (the ids the demo event generator uses) with a few drafts, unpublished and scheduled
 * ones; synthetic taste-clustered sessions for 200 users → hot list, item-CF neighbours and
 * recent items in Redis through the stream's snapshot writer; a ranking model and embeddings
 * trained on them and uploaded through the edge; and the "feed-ranker" A/B experiment.
 */
export const seedRecommend: DemoSeeder = async (ctx) => {
  const redis = new Redis(ctx.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2, connectTimeout: 5000 });
  const writer = new FeatureSnapshotWriter(redis, 'demo-seed');
  try {
    for (const [ti, t] of ctx.tenants.entries()) {
      const cats = CATEGORIES[t.template];
      const rand = rng(100 + ti);
      const now = Date.now();
      const scn = await call(ctx, t, 'POST', '/v1/scenarios', JSON.stringify({ scenario: 'feed', template: t.template, rankingModel: 'ctr' }));
      if (scn.status !== 201 && scn.status !== 409) throw new Error(`scenario: ${scn.status} ${await scn.text()}`);

      const lines = Array.from({ length: ITEMS }, (_, i) => {
        const state = i % 37 === 5 ? 'draft' : i % 41 === 7 ? 'unpublished' : i % 43 === 9 ? 'scheduled' : 'published';
        return JSON.stringify({
          itemId: `v${i}`,
          kind: KIND[t.template],
          title: `${cats[i % cats.length]} ${KIND[t.template]} #${i}`,
          categories: [cats[i % cats.length]],
          tags: [`t${i % 7}`],
          state,
          publishedAt: new Date(state === 'scheduled' ? now + 2 * DAY : now - Math.floor(rand() * 30 * DAY)).toISOString(),
          access: i % 10 === 0 ? 'paid' : 'free',
        });
      });
      const imp = await call(ctx, t, 'POST', '/v1/items/import', lines.join('\n'), 'application/x-ndjson');
      if (imp.status !== 200) throw new Error(`items import: ${imp.status} ${await imp.text()}`);

      // Sessions: each user prefers one category (items i ≡ c mod 6), popularity Zipf-like.
      const interactions: Interaction[] = [];
      const impressions: { user: string; item: string; ts: number }[] = [];
      for (let u = 0; u < USERS; u++) {
        const c = u % cats.length;
        for (let k = 0; k < 25; k++) {
          const ts = now - 14 * DAY + k * 12 * 3_600_000 + u * 1000;
          const own = c + cats.length * Math.floor((ITEMS / cats.length) * rand() ** 2);
          const any = Math.floor(ITEMS * rand() ** 3);
          impressions.push({ user: `u${u}`, item: `v${any}`, ts });
          impressions.push({ user: `u${u}`, item: `v${own}`, ts });
          interactions.push({ user: `u${u}`, item: `v${own}`, ts: ts + 4000, weight: rand() < 0.3 ? 5 : 1 });
        }
      }
      const heat = new Map<string, number>();
      for (const x of interactions) heat.set(x.item, (heat.get(x.item) ?? 0) + x.weight);
      await writer.publishHotList(t.tenantId, 'feed', [...heat].map(([itemId, score]) => ({ itemId, score })).sort((a, b) => b.score - a.score).slice(0, 200));
      // The sessions go to events_raw as clicks and likes: the similarity job that `npm start` runs
      // (tools/devstack/src/cli.ts) builds the item-CF neighbour lists and the user_cf lists from them.
      await insertAnalyticsRows(
        ctx.env,
        interactions.map((x, k) => {
          const type = x.weight > 1 ? 'like' : 'click';
          const time = toClickHouseTime(x.ts);
          return {
            event_id: `rec-sessions-${t.tenantId}-${k}`,
            tenant_id: t.tenantId,
            user_id: x.user,
            item_id: x.item,
            type,
            scenario: 'feed',
            experiment_id: '',
            variant: '',
            event_time: time,
            ingest_time: time,
            watched_seconds: 0,
            payload: JSON.stringify({ type, tenantId: t.tenantId, userId: x.user, itemId: x.item, eventTime: new Date(x.ts).toISOString(), scenario: 'feed' }),
            kafka_partition: 0,
            kafka_offset: String(k),
          };
        }),
      );
      const recent = redis.multi();
      for (let u = 0; u < USERS; u++) {
        const key = `fs:${t.tenantId}:recent:u${u}`;
        const mine = interactions.filter((x) => x.user === `u${u}`).slice(-10);
        recent.del(key).zadd(key, ...mine.flatMap((x) => [x.ts, x.item] as const));
      }
      await recent.exec();

      const trained = trainRanking({ interactions, impressions });
      if (trained) await publishArtefacts(ctx.edgeUrl, t.superKey, 'ctr', `demo-${now}`, trained);

      const exp = await call(
        ctx,
        t,
        'POST',
        '/v1/experiments',
        JSON.stringify({
          experimentId: 'feed-ranker',
          scenario: 'feed',
          variants: [
            { name: 'control', weight: 50 },
            { name: 'b', weight: 50, overrides: { rankingModel: null, rerank: { diversityLambda: 0.5 } } },
          ],
        }),
      );
      if (exp.status !== 201 && exp.status !== 409) throw new Error(`experiment: ${exp.status} ${await exp.text()}`);
      ctx.log(`recommend: ${t.tenantId} scenario feed (${t.template}), ${ITEMS} items, hot list + ${USERS} users' recent items and sessions (neighbours and user_cf lists: the similarity job), model ctr${trained ? ` (AUC ${trained.auc.toFixed(3)}, ranker ${trained.kind})` : ' (not trained)'}, experiment feed-ranker`);
    }
  } finally {
    redis.disconnect();
  }
};
