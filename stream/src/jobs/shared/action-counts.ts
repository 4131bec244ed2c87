import type { ActionCounts, BehaviourEvent } from '@vidplat/contracts';

export const emptyCounts = (): ActionCounts => ({ impressions: 0, clicks: 0, plays: 0, completes: 0, likes: 0, shares: 0, comments: 0, purchases: 0, dislikes: 0, hides: 0 });

const field: Partial<Record<BehaviourEvent['type'], keyof ActionCounts>> = {
  impression: 'impressions',
  click: 'clicks',
  play_start: 'plays',
  play_complete: 'completes',
  like: 'likes',
  share: 'shares',
  comment: 'comments',
  purchase: 'purchases',
  dislike: 'dislikes',
  hide: 'hides',
};

export function countAction(c: ActionCounts, type: BehaviourEvent['type']): void {
  const f = field[type];
  if (f) c[f]++;
}

/** Adds every count of `c` to `to` (a window composed from several panes). */
export function addCounts(to: ActionCounts, c: ActionCounts): void {
  to.impressions += c.impressions;
  to.clicks += c.clicks;
  to.plays += c.plays;
  to.completes += c.completes;
  to.likes += c.likes;
  to.shares += c.shares;
  to.comments += c.comments;
  to.purchases += c.purchases;
  to.dislikes += c.dislikes;
  to.hides += c.hides;
}

/** Seconds actually watched, carried by progress and complete events. */
export const watchedSeconds = (e: BehaviourEvent): number => ('watchedSeconds' in e ? e.watchedSeconds : 0);
