import { describe, expect, it } from 'vitest';
import { SCHEDULE_TRANSITIONS, transition } from './status.js';

describe('schedule state machine', () => {
  it('leaves cancelled for nothing, and only an operator resume leaves paused', () => {
    for (const event of Object.keys(SCHEDULE_TRANSITIONS) as (keyof typeof SCHEDULE_TRANSITIONS)[]) {
      expect(transition('cancelled', event), event).toBeNull();
      const fromPaused = transition('paused', event);
      if (event === 'resume' || event === 'resumePending' || event === 'cancel') expect(fromPaused, event).not.toBeNull();
      else expect(fromPaused, event).toBeNull();
    }
  });

  it('fires, holds, fails and pauses only what may still fire', () => {
    expect(transition('pending', 'fire')).toBe('published');
    expect(transition('published', 'hold')).toBe('paused');
    expect(transition('published', 'expire')).toBe('expired');
    expect(transition('expired', 'fire')).toBeNull();
    expect(transition('expired', 'pause')).toBeNull();
    expect(transition('paused', 'resume')).toBe('published');
    expect(transition('paused', 'resumePending')).toBe('pending');
    expect(transition('failed', 'cancel')).toBe('cancelled');
  });
});
