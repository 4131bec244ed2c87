import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apAt, ndcgAt, precisionAt, recallAt } from './metrics.js';
import { parseRatings, splitByTimePerUser } from './ratings.js';
import { evaluateRecommenders, type EvaluationReport } from './evaluate.js';
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

describe('ratings file and temporal split', () => {
  it('parses u.data, counts bad lines, and holds out each user\'s latest ratings', () => {
    const { ratings, errors } = parseRatings('1\t10\t5\t100\n1\t11\t4\t50\nbad line\n1\t12\t3\t200\n1\t13\t5\t300\n1\t14\t5\t400\n2\t10\t5\t1\n');
    expect(errors).toBe(1);
    expect(ratings).toHaveLength(6);
    const { train, test } = splitByTimePerUser(ratings, 0.2, 5);
    expect(test.map((r) => r.item)).toEqual(['14']); // user 1's newest; user 2 has too few
    expect(train.filter((r) => r.user === '1').map((r) => r.item)).toEqual(['11', '10', '12', '13']);
  });
});

describe('offline evaluation on data with known structure', () => {
  it('co-occurrence channels and the pipeline beat popularity; figures are sane', () => {
    const { ratings } = parseRatings(syntheticRatings({ users: 240, items: 320, seed: 5 }));
    const r = evaluateRecommenders(ratings);
    const R = (k: string) => r.results[k]!;
    expect(Object.keys(r.results)).toEqual(['channel:hot', 'channel:item_cf', 'channel:embedding', 'channel:fresh', 'pipeline:heuristic', 'pipeline:model', 'baseline:popularity']);
    for (const f of Object.values(r.results)) for (const v of [f.precision_at_10, f.recall_at_10, f.ndcg_at_10, f.map_at_10, f.coverage]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    // Relevant items live in the user's taste cluster; popularity cannot know the cluster.
    expect(R('channel:item_cf').recall_at_10).toBeGreaterThan(2 * R('baseline:popularity').recall_at_10);
    expect(R('channel:embedding').recall_at_10).toBeGreaterThan(R('baseline:popularity').recall_at_10);
    expect(R('pipeline:model').ndcg_at_10).toBeGreaterThan(R('baseline:popularity').ndcg_at_10);
    expect(R('pipeline:heuristic').coverage).toBeGreaterThan(R('baseline:popularity').coverage);
    expect(r.model.auc).toBeGreaterThan(0.6);
  }, 60_000);

  it('the CLI prints a table and, last, one JSON object with every figure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-recs-'));
    const file = join(dir, 'u.data');
    writeFileSync(file, syntheticRatings({ users: 120, items: 160, seed: 9 }));
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'stream/src/evaluation/cli.ts', '--ratings', file], { encoding: 'utf8', timeout: 60_000 });
    const lines = out.trim().split('\n');
    expect(lines.some((l) => l.startsWith('baseline:popularity'))).toBe(true);
    const report = JSON.parse(lines.at(-1)!) as EvaluationReport;
    expect(report.eval).toBe('recs');
    expect(report.results['pipeline:heuristic']).toMatchObject({ precision_at_10: expect.any(Number), recall_at_10: expect.any(Number), ndcg_at_10: expect.any(Number), map_at_10: expect.any(Number), coverage: expect.any(Number) });
  }, 60_000);
});
