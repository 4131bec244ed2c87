import { describe, expect, it } from 'vitest';
import { heatMicro } from '../item-heat/item-heat-window.js';
import { profileVector } from './profile-vector.js';

const DAY = 86_400_000;

describe('profile vector', () => {
  it('decays older windows exponentially and scales preferences to a maximum of 1', () => {
    const v = profileVector(
      [
        { windowEnd: 10 * DAY, categories: { news: 1000 }, authors: { a: 500 }, activeHours: [8], watchMs: 60_000 },
        { windowEnd: 9 * DAY, categories: { sport: 1000 }, authors: {}, activeHours: [20], watchMs: 60_000 },
        { windowEnd: 8 * DAY, categories: { sport: 1000 }, authors: {}, activeHours: [20], watchMs: 0 },
      ],
      7,
      DAY,
      123,
    );
    // sport: 0.5 + 0.25 = 0.75 of news' 1 after one and two half-lives.
    expect(v).toEqual({ v: 7, at: 123, c: { news: 1, sport: 0.75 }, a: { a: 1 }, h: [8, 20], w: 90 });
  });
});

describe('item heat contribution', () => {
  it('weighs actions per scenario config and halves per half-life before the window end', () => {
    const p = { weights: { play_complete: 5, impression: 0.1 }, halfLifeMs: 30 * 60_000 };
    expect(heatMicro('play_complete', 0, 0, p)).toBe(5_000_000);
    expect(heatMicro('play_complete', 0, 30 * 60_000, p)).toBe(2_500_000);
    expect(heatMicro('impression', 0, 60 * 60_000, p)).toBe(25_000);
    expect(heatMicro('click', 0, 0, p)).toBe(0); // unspecified actions weigh 0
  });
});
