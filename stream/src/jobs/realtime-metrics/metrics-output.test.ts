import { describe, expect, it } from 'vitest';
import { RecommendationMetric, RecommendationMetricChunk, RecommendationMetricMessage, recommendationMetricsOf, UPDATE_CHUNK_MAX } from '@vidplat/contracts';
import type { FiredWindow } from '../../windows/partition-windows.js';
import { buildChunks } from '../../sinks/update-chunks.js';
import { recommendationMetric, recommendationMetricChunks } from './metrics-output.js';
import type { MetricsAcc } from './metrics-window.js';

function fired(i: number): FiredWindow<MetricsAcc> {
  const acc: MetricsAcc = {
    tenantId: `tenant-${i % 3}`,
    scenario: ['', 'home', 'feed'][i % 3]!,
    itemId: `item-${i % 997}`,
    experimentId: i % 5 ? `exp-${i % 2}` : '',
    variant: i % 5 ? ['a', 'b', 'control'][i % 3]! : '',
    impressions: (i * 7) % 50,
    clicks: (i * 3) % 11,
    plays: i % 9,
    completes: i % 4,
    interactions: i % 6,
    watchMs: (i * 1234) % 900_001,
  };
  const start = Date.UTC(2026, 10, 20, 6, i % 7);
  return { partition: i % 4, key: 'k', start, end: start + 60_000, acc, count: i + 1, final: i % 2 === 0 };
}

describe('recommendation-metrics chunks', () => {
  it('carry exactly the per-window metrics, ratios included (valid v2 messages keyed by tenant)', () => {
    const windows = Array.from({ length: 6000 }, (_, i) => fired(i));
    const got: RecommendationMetric[] = [];
    for (const m of buildChunks(windows, recommendationMetricChunks)) {
      const chunk = RecommendationMetricChunk.parse(JSON.parse(m.value));
      expect(m.key).toBe(chunk.tenantId);
      expect(chunk.itemIds.length).toBeLessThanOrEqual(UPDATE_CHUNK_MAX);
      for (const u of recommendationMetricsOf(RecommendationMetricMessage.parse(JSON.parse(m.value)))) got.push(RecommendationMetric.parse(u));
    }
    const key = (u: RecommendationMetric) => `${u.tenantId}|${u.scenario}|${u.windowStart}|${u.sourcePartition}|${u.final}|${u.itemId}|${u.experimentId}|${u.variant}`;
    const want = new Map(windows.map((w) => [key(recommendationMetric(w)), recommendationMetric(w)]));
    expect(want.size).toBe(windows.length);
    expect(got.length).toBe(windows.length);
    for (const u of got) expect(u).toEqual(want.get(key(u)));
  });
});
