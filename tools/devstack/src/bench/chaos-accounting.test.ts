import { describe, expect, it } from 'vitest';
import { doubleSends, webhookTicks } from './chaos-accounting.js';

describe('bench:chaos accounting', () => {
  it('counts every extra delivery of a recipient, against the window it happened in', () => {
    const d = [
      { at: 10, to: ['a', 'b'] },
      { at: 20, to: ['c'] },
      { at: 35, to: ['a', 'c', 'd'] }, // a and c again, inside the window
      { at: 50, to: ['a'] }, // a a third time, outside
    ];
    expect(doubleSends(d, [{ from: 30, to: 40 }])).toEqual({ total: 3, perWindow: [2], recipients: 4 });
    expect(doubleSends([{ at: 1, to: ['a', 'b'] }, { at: 2, to: ['c'] }])).toEqual({ total: 0, perWindow: [], recipients: 3 });
  });

  it('judges broadcaster ticks on the task\'s grid: late counts, a skipped tick is missed, open windows are not judged', () => {
    const origin = 1_000;
    const I = 60_000;
    // Ticks 0..4 closed by `until`; tick 2 posted 50 s late (still before tick 3), tick 3 never, tick 1 twice.
    const posts = [origin + 200, origin + I + 100, origin + I + 5_000, origin + 2 * I + 50_000, origin + 4 * I + 300, origin + 5 * I + 10];
    const r = webhookTicks(posts, origin, I, origin + 5 * I + 30_000, [{ from: origin + 3 * I - 1, to: origin + 3 * I + 1 }, { from: 0, to: origin + I }]);
    expect(r).toMatchObject({ due: 5, delivered: 4, missed: 1, missedPerWindow: [1, 0] });
    expect(r.maxGapS).toBe(105); // tick 2 late, tick 3 missing
    expect(webhookTicks([], origin, I, origin + 2 * I).missed).toBe(2);
    expect(webhookTicks([origin], origin, I, origin + I - 1)).toMatchObject({ due: 0, missed: 0 });
  });
});
