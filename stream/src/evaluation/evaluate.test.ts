import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apAt, ndcgAt, precisionAt, recallAt } from './metrics.js';
import { leaveLastOut, parseMovies, parseRatings, randomFolds, splitByTimePerUser } from './ratings.js';
import { evaluateRecommenders, pairedBootstrap, type EvaluationReport } from './evaluate.js';
import { itemKnn, popularity, topUnseen } from './baselines.js';
import { InteractionMatrix } from '../similarity/interaction-matrix.js';
import { syntheticRatings } from './synthetic-ratings.js';

describe('ranking metrics', () => {
  const rel = new Set(['a', 'c', 'x']);
  const list = ['a', 'b', 'c', 'd'];
  it('precision, recall, NDCG and AP at k on a hand-checked list', () => {
    expect(precisionAt(list, rel, 4)).toBe(0.5);
    expect(recallAt(list, rel, 4)).toBeCloseTo(2 / 3);
    // DCG = 1 + 1/log2(4) = 1.5; ideal (3 relevant) = 1 + 1/log2(3) + 1/2.
    expect(ndcgAt(list, rel, 4)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5));
    // AP = (1/1 + 2/3) / min(4, 3).
    expect(apAt(list, rel, 4)).toBeCloseTo((1 + 2 / 3) / 3);
    expect(ndcgAt([], rel, 10)).toBe(0);
  });
});

describe('ratings files and splits', () => {
  it('parses u.data, counts bad lines with the first one\'s line number, and holds out each user\'s latest ratings', () => {
    const { ratings, errors, firstError } = parseRatings('1\t10\t5\t100\n1\t11\t4\t50\nbad line\n1\t12\t3\t200\n1\t13\t5\t300\n1\t14\t5\t400\n2\t10\t5\t1\n');
    expect(errors).toBe(1);
    expect(firstError).toEqual({ line: 3, reason: 'expected 4 fields (user, item, rating, timestamp), got 2' });
    expect(ratings).toHaveLength(6);
    const { train, test } = splitByTimePerUser(ratings, 0.2, 5);
    expect(test.map((r) => r.item)).toEqual(['14']); // user 1's newest; user 2 has too few
    expect(train.filter((r) => r.user === '1').map((r) => r.item)).toEqual(['11', '10', '12', '13']);
  });

  it('parses ratings.csv with its header and half-star ratings; names a bad line', () => {
    const { ratings, errors } = parseRatings('userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,3.5,964981247\r\n2,3,0.5,964981248\r\n');
    expect(errors).toBe(0);
    expect(ratings).toEqual([
      { user: '1', item: '1', weight: 4, ts: 964982703000 },
      { user: '1', item: '3', weight: 3.5, ts: 964981247000 },
      { user: '2', item: '3', weight: 0.5, ts: 964981248000 },
    ]);
    expect(parseRatings('userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,four,964981247\n').firstError).toEqual({ line: 3, reason: 'rating "four" is not a number' });
  });

  it('reads movies.csv genres (quoted titles with commas) as categories', () => {
    const g = parseMovies('movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,"American President, The (1995)",Comedy|Drama\n5,x,(no genres listed)\n');
    expect(g.get('1')).toEqual(['Adventure', 'Animation']);
    expect(g.get('11')).toEqual(['Comedy', 'Drama']);
    expect(g.get('5')).toEqual([]);
  });

  it('random folds partition the ratings; leave-one-out holds out the latest with unseen negatives', () => {
    const { ratings } = parseRatings(syntheticRatings({ users: 30, items: 60, seed: 2 }));
    const folds = randomFolds(ratings, 5, 7);
    expect(folds.reduce((s, f) => s + f.test.length, 0)).toBe(ratings.length);
    expect(new Set(folds.flatMap((f) => f.test)).size).toBe(ratings.length);
    for (const f of folds) expect(f.train.length + f.test.length).toBe(ratings.length);
    const l = leaveLastOut(ratings, 20, 3);
    for (const t of l.test) {
      const c = l.candidates.get(t.user)!;
      expect(c[0]).toBe(t.item);
      expect(c).toHaveLength(21);
      const mine = new Set(ratings.filter((r) => r.user === t.user).map((r) => r.item));
      expect(c.slice(1).every((i) => !mine.has(i))).toBe(true);
      expect(Math.max(...ratings.filter((r) => r.user === t.user).map((r) => r.ts))).toBe(t.ts);
    }
  });
});

describe('baselines on a hand-computed matrix', () => {
  // u0: a b · u1: b c · u2: a b c · u3: a. |U_a| = 3, |U_b| = 3, |U_c| = 2; co(a,b) = 2, co(a,c) = 1,
  // co(b,c) = 2. Cosine: sim(a,b) = 2/3, sim(a,c) = 1/√6, sim(b,c) = 2/√6.
  const m = new InteractionMatrix(
    [['u0', 'a'], ['u0', 'b'], ['u1', 'b'], ['u1', 'c'], ['u2', 'a'], ['u2', 'b'], ['u2', 'c'], ['u3', 'a']].map(([user, item], k) => ({ user: user!, item: item!, ts: k, weight: 1 })),
  );
  it('item-kNN sums the cosine of the user\'s items whose k-list holds the item', () => {
    // k = 2: u0 (a, b) → c: sim(a,c) + sim(b,c) = 3/√6.
    expect(itemKnn(m, 2).scoresInto(0, new Float64Array(3))[2]).toBeCloseTo(3 / Math.sqrt(6), 12);
    // k = 1: a keeps b (2/3 > 1/√6), b keeps c (2/√6 > 2/3), c keeps b → u0 gets only b's sim(b,c) for c.
    expect(itemKnn(m, 1).scoresInto(0, new Float64Array(3))[2]).toBeCloseTo(2 / Math.sqrt(6), 12);
    // u3 (a), k = 1 → b: sim(a,b); c not in a's list.
    const s3 = itemKnn(m, 1).scoresInto(3, new Float64Array(3));
    expect(s3[1]).toBeCloseTo(2 / 3, 12);
    expect(s3[2]).toBe(0);
  });
  it('popularity ranks unseen items by training count; seen items never returned', () => {
    expect(topUnseen(m, 3, popularity(m).scoresInto(3, new Float64Array(3)), 10)).toEqual(['b', 'c']);
  });
});

describe('paired bootstrap', () => {
  it('a constant difference has a zero-width interval; same seed, same interval', () => {
    const users = ['a', 'b', 'c', 'a'];
    expect(pairedBootstrap(users, [0.5, 0.4, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1], 200, 1)).toEqual({ mean: 0.1, lo: 0.1, hi: 0.1 });
    const x = pairedBootstrap(users, [0.9, 0.1, 0.3, 0.2], [0.1, 0.3, 0.2, 0.1], 500, 4);
    expect(x.lo).toBeLessThanOrEqual(x.mean);
    expect(x.hi).toBeGreaterThanOrEqual(x.mean);
    expect(pairedBootstrap(users, [0.9, 0.1, 0.3, 0.2], [0.1, 0.3, 0.2, 0.1], 500, 4)).toEqual(x);
  });
});

describe('offline evaluation on data with known structure', () => {
  it('co-occurrence models and the pipeline beat popularity; figures are sane', () => {
    const { ratings } = parseRatings(syntheticRatings({ users: 240, items: 320, seed: 5 }));
    const r = evaluateRecommenders(ratings, { resamples: 200, easeLambdas: [10, 100] });
    const R = (k: string) => r.results[k]!;
    expect(Object.keys(r.results).sort()).toEqual(
      ['baseline:ease', 'baseline:item_knn', 'baseline:popularity', 'channel:embedding', 'channel:fresh', 'channel:hot', 'channel:item_cf', 'channel:user_cf', 'pipeline:heuristic', 'pipeline:model', 'pipeline:model_deep', 'pipeline:model_pairwise', 'pipeline:model_pointwise'].sort(),
    );
    // The user_cf channel is EASE blended with iALS at the weight chosen on the validation split (as the similarity job publishes it).
    const blend = r.splits[0]!.userCfBlend!;
    expect(Object.keys(blend.byWeight)).toContain('0');
    expect(blend.byWeight[String(blend.weight)]).toBe(Math.max(...Object.values(blend.byWeight)));
    for (const f of Object.values(r.results)) for (const v of [f.precision_at_10, f.recall_at_10, f.ndcg_at_10, f.map_at_10, f.hr_at_10, f.coverage]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    // Relevant items live in the user's taste cluster; popularity cannot know the cluster.
    expect(R('channel:item_cf').recall_at_10).toBeGreaterThan(2 * R('baseline:popularity').recall_at_10);
    expect(R('baseline:ease').ndcg_at_10).toBeGreaterThan(R('baseline:popularity').ndcg_at_10);
    expect(R('baseline:item_knn').ndcg_at_10).toBeGreaterThan(R('baseline:popularity').ndcg_at_10);
    expect(R('pipeline:model').ndcg_at_10).toBeGreaterThan(R('baseline:popularity').ndcg_at_10);
    expect(r.splits[0]!.modelAuc).toBeGreaterThan(0.6);
    // The served ranker was chosen on validation users among the channels, the pairwise fit and coordinate ascent.
    const choice = r.splits[0]!.ranker!;
    expect(Object.keys(choice.check)).toEqual(expect.arrayContaining(['channel:user_cf', 'channel:item_cf', 'pairwise', 'coordinate_ascent']));
    expect(choice.check[choice.kind]).toBe(Math.max(...Object.values(choice.check)));
    // The Wide & Deep line: trained, scored, its validation figures reported.
    expect(R('pipeline:model_deep').ndcg_at_10).toBeGreaterThan(R('baseline:popularity').ndcg_at_10);
    expect(r.splits[0]!.deep!.chosen).toBe('wide_deep');
    expect(r.splits[0]!.deep!.deepSteps).toBeGreaterThan(0);
    expect(r.comparison.deepVsLinear!.lo).toBeLessThanOrEqual(r.comparison.deepVsLinear!.hi);
    const d = r.comparison.diffs['pipeline:heuristic']!;
    expect(d.lo).toBeLessThanOrEqual(d.mean);
    expect(d.hi).toBeGreaterThanOrEqual(d.mean);
  }, 120_000);

  it('with the iALS weight held at 0 the user_cf channel is EASE’s whole-history list: EASE’s own figures', () => {
    const { ratings } = parseRatings(syntheticRatings({ users: 120, items: 200, seed: 7 }));
    const r = evaluateRecommenders(ratings, { resamples: 50, easeLambdas: [10, 100], userCfWeights: [0] });
    expect(r.splits[0]!.userCfBlend).toEqual({ weight: 0, byWeight: { '0': expect.any(Number) } });
    expect(r.results['channel:user_cf']!.ndcg_at_10).toBeCloseTo(r.results['baseline:ease']!.ndcg_at_10, 3);
  }, 120_000);

  it('the same seed gives the same figures; loo reports HR@10 and NDCG@10 over 1 + 99 candidates', () => {
    const { ratings } = parseRatings(syntheticRatings({ users: 80, items: 200, seed: 6 }));
    const opts = { protocol: 'loo' as const, seed: 3, resamples: 100, easeLambdas: [50] };
    const a = evaluateRecommenders(ratings, opts);
    const b = evaluateRecommenders(ratings, opts);
    expect({ ...b, seconds: 0, deepSeconds: 0 }).toEqual({ ...a, seconds: 0, deepSeconds: 0 });
    expect(a.results['baseline:ease']!.hr_at_10).toBeGreaterThan(0.1); // random would hit 10/100
    const c = evaluateRecommenders(ratings, { ...opts, seed: 4 });
    expect(c.results).not.toEqual(a.results);
  }, 120_000);
});

describe('the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-recs-'));
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'stream/src/evaluation/cli.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

  it('prints a table and, last, one JSON object with every figure (random5, ratings.csv)', () => {
    const file = join(dir, 'ratings.csv');
    const tsv = syntheticRatings({ users: 60, items: 100, seed: 9 });
    writeFileSync(file, 'userId,movieId,rating,timestamp\n' + tsv.trim().split('\n').map((l) => l.split('\t').map((v, k) => (k === 2 ? `${Number(v) - 0.5}` : v)).join(',')).join('\n') + '\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'stream/src/evaluation/cli.ts', '--ratings', file, '--protocol', 'random5', '--ease-lambdas', '20', '--resamples', '50'], { encoding: 'utf8', timeout: 120_000 });
    const lines = out.trim().split('\n');
    expect(lines.some((l) => l.startsWith('baseline:ease'))).toBe(true);
    const report = JSON.parse(lines.at(-1)!) as EvaluationReport;
    expect(report.eval).toBe('recs');
    expect(report.protocol).toBe('random5');
    expect(report.splits).toHaveLength(5);
    expect(report.results['pipeline:heuristic']).toMatchObject({ precision_at_10: expect.any(Number), ndcg_at_10: expect.any(Number), hr_at_10: expect.any(Number) });
    expect(report.comparison.diffs['pipeline:heuristic']).toMatchObject({ mean: expect.any(Number), lo: expect.any(Number), hi: expect.any(Number) });
  }, 120_000);

  it('exits 2 naming the line of a bad ratings file, and on a bad protocol', () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,4.5\n');
    const r = run(['--ratings', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:3: expected 4 fields`);
    expect(run(['--ratings', file, '--protocol', 'kfold']).status).toBe(2);
    expect(run([]).status).toBe(2);
  }, 120_000);
});
