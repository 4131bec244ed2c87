/**
 * `npm run eval:recs -- --ratings FILE [--movies movies.csv] [--protocol temporal|random5|loo]
 *   [--seed 1] [--min-rating 4] [--test-share 0.2] [--knn-k 100] [--ease-lambdas 10,50,200,500,1000]
 *   [--resamples 1000] [--drop-features fresh,recency] [--splits N]
 *   [--channels hot:1:100,item_cf:1.5:100,embedding:1.2:100,fresh:0.5:50,user_cf:1:100] [--user-cf ease|knn]
 *   [--diversity-lambda 0.9] [--freshness-boost 0.05] [--rank-per-item 10 --rank-min 100] [--mmr-pool 4]`
 *
 * Offline evaluation on a MovieLens file (`u.data` or `ratings.csv`): baselines (popularity,
 * item-kNN, EASE), each recall channel, the pipeline with heuristic weights and with a trained
 * ranking model, and the paired bootstrap 95 % CI of (pipeline − best baseline). Progress goes
 * to stderr; stdout is a table, then one JSON object (the last line). Exit 2: bad arguments or
 * an unreadable file (the message names the line).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RANKING_FEATURES, RecallChannelName } from '@vidplat/contracts';
import type { ChannelConfig } from '../training/offline-recommender.js';
import { evaluateRecommenders, type Protocol } from './evaluate.js';
import { parseMovies, parseRatings, RatingsFileError } from './ratings.js';

const USAGE = 'usage: npm run eval:recs -- --ratings FILE [--movies FILE] [--protocol temporal|random5|loo] [--seed N] [--min-rating 4] [--test-share 0.2] [--knn-k 100] [--ease-lambdas 10,50,200] [--resamples 1000] [--drop-features a,b] [--splits N] [--channels name:weight:size,...] [--user-cf ease|knn] [--user-cf-weights 0,0.25,0.5] [--diversity-lambda 0.9] [--freshness-boost 0.05] [--rank-per-item N] [--rank-min N] [--mmr-pool N]';
const fail = (msg: string): never => {
  console.error(msg);
  process.exit(2);
};

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      ratings: { type: 'string' },
      movies: { type: 'string' },
      protocol: { type: 'string', default: 'temporal' },
      seed: { type: 'string', default: '1' },
      'min-rating': { type: 'string', default: '4' },
      'test-share': { type: 'string', default: '0.2' },
      'knn-k': { type: 'string', default: '100' },
      'ease-lambdas': { type: 'string', default: '10,50,200,500,1000' },
      resamples: { type: 'string', default: '1000' },
      'drop-features': { type: 'string' },
      splits: { type: 'string' },
      channels: { type: 'string' },
      'user-cf': { type: 'string', default: 'ease' },
      'user-cf-weights': { type: 'string' },
      'diversity-lambda': { type: 'string' },
      'freshness-boost': { type: 'string' },
      'rank-per-item': { type: 'string' },
      'rank-min': { type: 'string' },
      'mmr-pool': { type: 'string' },
    },
  }) as { values: Record<string, string | undefined> });
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
}
if (!values!.ratings) fail(USAGE);
const v = values!;
const protocol = v.protocol as Protocol;
if (!['temporal', 'random5', 'loo'].includes(protocol)) fail(`--protocol must be temporal, random5 or loo\n${USAGE}`);
const int = (name: string, min: number) => {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}`);
  return n;
};
const seed = int('seed', 0);
const knnK = int('knn-k', 1);
const resamples = int('resamples', 10);
const minRating = Number(v['min-rating']);
const testShare = Number(v['test-share']);
if (!Number.isFinite(minRating) || !(testShare > 0 && testShare < 1)) fail('--min-rating must be a number and --test-share in (0, 1)');
const easeLambdas = v['ease-lambdas']!.split(',').map(Number);
if (!easeLambdas.length || easeLambdas.some((l) => !(l > 0))) fail('--ease-lambdas must be positive numbers, comma-separated');

const unknown = (v['drop-features'] ?? '').split(',').filter((f) => f && !(RANKING_FEATURES as readonly string[]).includes(f));
if (unknown.length) fail(`--drop-features: unknown ${unknown.join(', ')}; features are ${RANKING_FEATURES.join(', ')}`);

if (v['user-cf'] !== 'ease' && v['user-cf'] !== 'knn') fail(`--user-cf must be ease or knn\n${USAGE}`);
const rerank: { diversityLambda?: number; freshnessBoost?: number; rankPerItem?: number; rankMin?: number; mmrPoolPerItem?: number } = {};
// The edge's serving-cost settings (scenario rerank.rankPerItem / rankMin / mmrPoolPerItem).
if (v['rank-per-item'] !== undefined) rerank.rankPerItem = int('rank-per-item', 1);
if (v['rank-min'] !== undefined) rerank.rankMin = int('rank-min', 1);
if (v['mmr-pool'] !== undefined) rerank.mmrPoolPerItem = int('mmr-pool', 1);
if (v['diversity-lambda'] !== undefined) {
  rerank.diversityLambda = Number(v['diversity-lambda']);
  if (!(rerank.diversityLambda >= 0 && rerank.diversityLambda <= 1)) fail('--diversity-lambda must be in [0, 1]');
}
if (v['freshness-boost'] !== undefined) {
  rerank.freshnessBoost = Number(v['freshness-boost']);
  if (!(rerank.freshnessBoost >= 0)) fail('--freshness-boost must be >= 0');
}
const userCfWeights = v['user-cf-weights']?.split(',').map(Number);
if (userCfWeights && (!userCfWeights.length || userCfWeights.some((w) => !(w >= 0)))) fail('--user-cf-weights must be non-negative numbers, comma-separated');
const maxSplits = v.splits === undefined ? undefined : int('splits', 1);
let channels: ChannelConfig[] | undefined;
if (v.channels) {
  channels = v.channels.split(',').map((spec) => {
    const [name, weight, size] = spec.split(':');
    const c = { name: name as RecallChannelName, weight: Number(weight), size: Number(size) };
    if (!RecallChannelName.safeParse(c.name).success || !(c.weight >= 0) || !Number.isInteger(c.size) || c.size < 1) {
      fail(`--channels: "${spec}" is not name:weight:size with name one of ${RecallChannelName.options.join(', ')}`);
    }
    return c;
  });
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
};
const parsed = parseRatings(read(v.ratings!));
if (parsed.firstError) fail(`${v.ratings}:${parsed.firstError.line}: ${parsed.firstError.reason} (${parsed.errors} unreadable line${parsed.errors === 1 ? '' : 's'})`);
if (!parsed.ratings.length) fail(`${v.ratings}: no ratings`);
let categories: Map<string, string[]> | undefined;
if (v.movies) {
  try {
    categories = parseMovies(read(v.movies), v.movies);
  } catch (e) {
    fail(e instanceof RatingsFileError ? e.message : String(e));
  }
}

const report = evaluateRecommenders(parsed.ratings, {
  protocol,
  seed,
  minRating: protocol === 'temporal' ? minRating : -Infinity,
  testShare,
  knnK,
  easeLambdas,
  resamples,
  ...(maxSplits ? { maxSplits } : {}),
  userCf: v['user-cf'] as 'ease' | 'knn',
  ...(userCfWeights ? { userCfWeights } : {}),
  ...(channels || Object.keys(rerank).length ? { options: { ...(channels ? { channels } : {}), ...rerank } } : {}),
  ...(v['drop-features'] ? { dropFeatures: v['drop-features'].split(',') } : {}),
  ...(categories ? { categories } : {}),
  progress: (msg) => process.stderr.write(`[eval:recs ${((performance.now()) / 1000).toFixed(1)}s] ${msg}\n`),
});
const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${report.protocol}: ratings ${report.ratings}, users ${report.users}, items ${report.items}; ${report.splits.length} split(s); EASE λ ${report.splits.map((s) => s.easeLambda).join(', ')} (${report.splits[0]!.easeSpace} space); ranking model AUC ${report.splits.map((s) => s.modelAuc).join(', ')}; user_cf iALS weight ${report.splits.map((s) => s.userCfBlend?.weight ?? '-').join(', ')}; served ranker ${report.splits.map((s) => s.ranker?.kind ?? 'none').join(', ')}`);
for (const [i, s] of report.splits.entries()) {
  if (s.deep) console.log(`split ${i + 1} Wide & Deep: group AUC on validation users linear ${s.deep.validationGroupAuc.linear}, wide_deep ${s.deep.validationGroupAuc.wide_deep}; ${s.deep.deepSteps} steps`);
}
if (report.protocol === 'loo') {
  // One held-out item against 99 sampled ones: only hit rate and NDCG mean anything.
  console.log(`${pad('recommender', 26)} HR@10   NDCG@10`);
  for (const [name, f] of Object.entries(report.results)) console.log(`${pad(name, 26)} ${f.hr_at_10.toFixed(4)}  ${f.ndcg_at_10.toFixed(4)}`);
} else {
  console.log(`${pad('recommender', 26)} P@10    R@10    NDCG@10 MAP@10  HR@10   coverage`);
  for (const [name, f] of Object.entries(report.results)) {
    console.log(`${pad(name, 26)} ${[f.precision_at_10, f.recall_at_10, f.ndcg_at_10, f.map_at_10, f.hr_at_10, f.coverage].map((x) => x.toFixed(4)).join('  ')}`);
  }
}
for (const [name, d] of Object.entries(report.comparison.diffs)) {
  console.log(`${name} − ${report.comparison.bestBaseline}, NDCG@10: ${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(4)} (95 % CI ${d.lo.toFixed(4)} … ${d.hi.toFixed(4)}, ${report.comparison.resamples} paired bootstrap resamples over users)`);
}
const dl = report.comparison.deepVsLinear;
if (dl) console.log(`pipeline:model_deep − pipeline:model, NDCG@10: ${dl.mean >= 0 ? '+' : ''}${dl.mean.toFixed(4)} (95 % CI ${dl.lo.toFixed(4)} … ${dl.hi.toFixed(4)})`);
console.log(`evaluated in ${report.seconds.toFixed(1)} s (fitting Wide & Deep ${report.deepSeconds.toFixed(1)} s of it)`);
console.log(JSON.stringify(report));
