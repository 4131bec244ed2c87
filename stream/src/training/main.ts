/**
 * Offline ranking-model training for one tenant:
 *   tsx stream/src/training/main.ts --tenant T [--model ctr] [--days 30] [--ranker auto|linear|wide_deep]
 * Reads impressions and engagement from ClickHouse (CLICKHOUSE_* env), trains the ranker (auto /
 * linear: the linear ranker chosen by NDCG@10 on validation users, listwise-ranker.ts; wide_deep:
 * the Wide & Deep ranker, deep/) and item embeddings, and uploads them through the edge (EDGE_URL, and the
 * tenant's admin/super key in EDGE_API_KEY). Versions are UTC timestamps.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ClickHouseEnv, parseEnv } from '@vidplat/contracts';
import { createClickHouse } from '@vidplat/analytics';
import { loadTrainingEvents, publishArtefacts, trainRanking } from './trainer.js';

const TrainerEnv = ClickHouseEnv.extend({ EDGE_URL: z.string().url(), EDGE_API_KEY: z.string().min(16) });
const env = parseEnv(TrainerEnv, process.env);
const { values } = parseArgs({ options: { tenant: { type: 'string' }, model: { type: 'string', default: 'ctr' }, days: { type: 'string', default: '30' }, ranker: { type: 'string', default: 'auto' } } });
if (!values.tenant || !['auto', 'linear', 'wide_deep'].includes(values.ranker!)) {
  console.error('usage: tsx stream/src/training/main.ts --tenant T [--model ctr] [--days 30] [--ranker auto|linear|wide_deep]');
  process.exit(2);
}
const ch = createClickHouse({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
try {
  const ev = await loadTrainingEvents(ch, values.tenant, Number(values.days));
  console.log(`events: ${ev.interactions.length} engagements, ${ev.impressions.length} impressions`);
  const t = trainRanking(ev, 48, { ranker: values.ranker as 'auto' | 'linear' | 'wide_deep' });
  if (!t) {
    console.error('not enough labelled data to train');
    process.exit(1);
  }
  const version = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  await publishArtefacts(env.EDGE_URL, env.EDGE_API_KEY, values.model!, version, t);
  console.log(JSON.stringify({ train: 'ranking', tenant: values.tenant, model: values.model, version, rows: t.rows, positives: t.positives, auc: Number(t.auc.toFixed(4)), ranker: t.kind, check: t.check, ...(t.deep ? { deepSeconds: Number(t.deep.deepSeconds.toFixed(1)), deepSteps: t.deep.deepSteps } : {}), weights: t.model.weights }));
} finally {
  await ch.close();
}
