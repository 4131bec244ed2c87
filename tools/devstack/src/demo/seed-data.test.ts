import { describe, expect, it } from 'vitest';
import { analyticsDemoRows } from './analytics.js';
import { DEMO_LESSONS } from './catalogue.js';
import { liveTrafficBatch } from './stream.js';

/** Issue 15: the demo seeder writes only past event times and ids that exist in the catalogue. */
const CATALOGUE_ITEMS = new Set(Array.from({ length: 300 }, (_, i) => `v${i}`)); // the recommend seeder's import
const COURSES = new Set(Object.keys(DEMO_LESSONS));

describe('demo data', () => {
  it('analytics history: nothing after now, items from the item catalogue, enrolments in real courses', () => {
    // Late evening: the hour-weighted sessions of "today" would run past now if not cut.
    for (const now of [new Date(Date.UTC(2026, 11, 7, 18, 40)), new Date(Date.UTC(2026, 11, 7, 23, 59)), new Date()]) {
      const rows = analyticsDemoRows({ tenantId: 't', days: 14, users: 300, seed: 5, now });
      expect(rows.length).toBeGreaterThan(1000);
      const times = rows.map((r) => Date.parse(`${r.event_time.replace(' ', 'T')}Z`));
      expect(Math.max(...times)).toBeLessThan(now.getTime());
      // Today still has activity (the cut is the current hour, not the whole day).
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      if (now.getUTCHours() >= 20) expect(times.some((t) => t >= midnight)).toBe(true);
      for (const r of rows) {
        if (r.type === 'enrol') expect(COURSES.has(r.item_id)).toBe(true);
        else expect(CATALOGUE_ITEMS.has(r.item_id)).toBe(true);
      }
      expect(rows.some((r) => r.type === 'enrol')).toBe(true);
    }
  });

  it('the same hour gives the same rows (seed once, count once)', () => {
    const a = analyticsDemoRows({ tenantId: 't', seed: 11, now: new Date(Date.UTC(2026, 11, 7, 18, 1)) });
    const b = analyticsDemoRows({ tenantId: 't', seed: 11, now: new Date(Date.UTC(2026, 11, 7, 18, 59)) });
    expect(b).toEqual(a);
  });

  it('the live generator of npm start dates every event in the past and uses catalogue items', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const now = Date.now();
      const events = liveTrafficBatch('demo-vlog', seed, now);
      expect(events).toHaveLength(20);
      for (const e of events) {
        expect(Date.parse(e.eventTime)).toBeLessThan(now);
        expect(CATALOGUE_ITEMS.has(e.itemId)).toBe(true);
      }
    }
  });
});
