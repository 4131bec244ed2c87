#!/usr/bin/env tsx
/**
 * Item similarity (item-CF) from the command line or on a schedule:
 *   tsx stream/src/similarity/cli.ts [--tenant T ...] [--top-k 100] [--days 30] [--every-minutes 60] [--no-publish]
 *     [--model ease|cosine] [--ease-lambda L] [--ease-max-dim 3000] [--no-user-cf]
 * --model ease (default) publishes EASE's item-item weights where min(users, items) ≤ --ease-max-dim
 * (λ chosen on each user's newest 20 % unless given), the cosine co-occurrence build elsewhere.
 * From the same interactions it publishes each user's user-CF recall list unless --no-user-cf:
 * EASE's whole-history scores blended with iALS at the weight chosen on the same validation split
 * as λ (user-cf-blend.ts), user-kNN (user-cf.ts) where EASE does not fit.
 * Without --tenant it builds every tenant with interactions. A progress bar goes to stderr; the
 * last stdout line per tenant is a JSON summary.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { parseEnv, SimilarityEnv } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '../features/snapshot-writer.js';
import { ProgressBar } from './progress.js';
import { buildItemSimilarity, tenantsWithInteractions } from './similarity-job.js';

const env = parseEnv(SimilarityEnv, process.env);
const { values } = parseArgs({
  options: {
    tenant: { type: 'string', multiple: true },
    'top-k': { type: 'string' },
    days: { type: 'string' },
    'every-minutes': { type: 'string' },
    'no-publish': { type: 'boolean', default: false },
    model: { type: 'string', default: 'ease' },
    'ease-lambda': { type: 'string' },
    'ease-max-dim': { type: 'string' },
    'no-user-cf': { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined, d: number, name: string) => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const topK = num(values['top-k'], env.SIMILARITY_TOP_K, 'top-k');
const days = num(values.days, env.SIMILARITY_LOOKBACK_DAYS, 'days');
if (values.model !== 'ease' && values.model !== 'cosine') throw new Error('--model must be ease or cosine');
const easeLambda = values['ease-lambda'] === undefined ? undefined : Number(values['ease-lambda']);
if (easeLambda !== undefined && !(easeLambda > 0)) throw new Error('--ease-lambda must be a positive number');
const easeMaxDim = values['ease-max-dim'] === undefined ? undefined : num(values['ease-max-dim'], 3000, 'ease-max-dim');
const everyMinutes = values['every-minutes'] ? num(values['every-minutes'], 60, 'every-minutes') : 0;

const ch = createClickHouse({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD, requestTimeoutMs: 300_000 });
const redis = values['no-publish'] ? null : new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 5000, commandTimeout: 10_000 });
const writer = redis ? new FeatureSnapshotWriter(redis, 'item-similarity') : null;

async function runOnce(): Promise<void> {
  const tenants = values.tenant?.length ? values.tenant : await tenantsWithInteractions(ch, days);
  const version = Date.now();
  for (const t of tenants) {
    const summary = await buildItemSimilarity(ch, writer, t, {
      topK,
      lookbackDays: days,
      maxItemsPerUser: env.SIMILARITY_MAX_ITEMS_PER_USER,
      version,
      model: values.model as 'ease' | 'cosine',
      userCf: !values['no-user-cf'],
      ...(easeLambda !== undefined ? { easeLambda } : {}),
      ...(easeMaxDim !== undefined ? { easeMaxDim } : {}),
      onProgress: (total) => {
        const bar = new ProgressBar(`item-cf ${t}`, total);
        return (done) => bar.update(done);
      },
    });
    process.stdout.write(JSON.stringify(summary) + '\n');
  }
}

let stopping = false;
const stop = () => {
  stopping = true;
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
try {
  do {
    await runOnce();
    for (let waited = 0; everyMinutes && !stopping && waited < everyMinutes * 60_000; waited += 1000) await new Promise((r) => setTimeout(r, 1000));
  } while (everyMinutes && !stopping);
} finally {
  redis?.disconnect();
  await ch.close();
}
