import { describe, expect, it } from 'vitest';
import { DateRangeQuery, ExperimentQuery, HeatmapQuery, ItemsQuery, TrendsQuery } from '@vidplat/contracts';
import { lookDays } from './experiments.js';
import { daysOf, parseAnalyticsQuery, rangeDays } from './validate.js';

describe('analytics query validation', () => {
  it('accepts a valid range and counts days inclusively', () => {
    const r = parseAnalyticsQuery(DateRangeQuery, { from: '2026-11-01', to: '2026-11-30' });
    expect(r).toEqual({ ok: true, value: { from: '2026-11-01', to: '2026-11-30' } });
    expect(rangeDays('2026-11-01', '2026-11-30')).toBe(30);
    expect(daysOf('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });

  it('rejects malformed dates, reversed and too-long ranges with code and field', () => {
    expect(parseAnalyticsQuery(DateRangeQuery, { from: '2026-13-01', to: '2026-11-30' })).toMatchObject({ ok: false, error: { code: 'invalid_query', field: 'from' } });
    expect(parseAnalyticsQuery(DateRangeQuery, { from: '2026-02-30', to: '2026-03-01' })).toMatchObject({ ok: false, error: { field: 'from' } });
    expect(parseAnalyticsQuery(DateRangeQuery, { from: "2026-11-01' OR 1=1", to: '2026-11-30' })).toMatchObject({ ok: false, error: { field: 'from' } });
    expect(parseAnalyticsQuery(DateRangeQuery, { from: '2026-11-01' })).toMatchObject({ ok: false, error: { field: 'to' } });
    expect(parseAnalyticsQuery(DateRangeQuery, { from: '2026-11-30', to: '2026-11-01' })).toMatchObject({ ok: false, error: { code: 'invalid_query', field: 'to' } });
    const long = parseAnalyticsQuery(DateRangeQuery, { from: '2026-01-01', to: '2026-12-31' }, 90);
    expect(long).toMatchObject({ ok: false, error: { code: 'invalid_query', field: 'to' } });
    expect(!long.ok && long.error.message).toContain('maximum of 90');
  });

  it('rejects unknown metrics by field', () => {
    const base = { from: '2026-11-01', to: '2026-11-02' };
    expect(parseAnalyticsQuery(TrendsQuery, { ...base, metrics: 'events,revenue; DROP TABLE x' })).toMatchObject({ ok: false, error: { field: 'metrics.1' } });
    expect(parseAnalyticsQuery(ItemsQuery, { ...base, metric: 'views' })).toMatchObject({ ok: false, error: { field: 'metric' } });
    expect(parseAnalyticsQuery(ExperimentQuery, { ...base, primary: 'happiness' })).toMatchObject({ ok: false, error: { field: 'primary' } });
    expect(parseAnalyticsQuery(ExperimentQuery, { ...base, weights: 'a:1,b' })).toMatchObject({ ok: false, error: { field: 'weights' } });
    expect(parseAnalyticsQuery(HeatmapQuery, { ...base, timeZone: 'Mars/Olympus' })).toMatchObject({ ok: false, error: { field: 'timeZone' } });
    expect(parseAnalyticsQuery(TrendsQuery, base)).toMatchObject({ ok: true, value: { metrics: ['events', 'active_users', 'plays', 'ctr'] } });
  });

  it('thins long ranges to at most 31 looks, keeping both ends', () => {
    const looks = lookDays('2026-01-01', '2026-12-31');
    expect(looks).toHaveLength(31);
    expect(looks[0]).toBe('2026-01-01');
    expect(looks.at(-1)).toBe('2026-12-31');
  });
});
