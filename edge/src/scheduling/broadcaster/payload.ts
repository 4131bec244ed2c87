import { DEFAULT_PLATFORM_MAPPING, type BroadcastItem, type BroadcastPayload, type BroadcastStat } from '@vidplat/contracts';
import type { VideoStats } from './sources/index.js';

export interface ReceiverTask {
  siteName: string;
  projectId: string;
  receiverTaskId: number;
  duration: number;
  items: BroadcastItem[];
  platformMapping: Record<string, string>;
}

/** The bucket a platform's numbers count into: the task's mapping over the defaults (youtube, douyin → yt). */
export const bucketOf = (platform: string, mapping: Record<string, string>) => mapping[platform] ?? DEFAULT_PLATFORM_MAPPING[platform] ?? platform.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The receiver's JSON for one task: `{site_name, stats: [{project_id, task_id, duration,
 * account_count: 0, yt_account_count: 0, <bucket>_view_count, <bucket>_like_count}]}`. A count is
 * the sum over the task's items mapped to that bucket that have a value for it; a bucket/metric
 * with no value from any item is left out (absent, not 0).
 */
export function receiverPayload(task: ReceiverTask, perItem: Map<string, VideoStats>): BroadcastPayload {
  const counts = new Map<string, number>();
  const add = (field: string, n: number | undefined) => {
    if (n !== undefined) counts.set(field, (counts.get(field) ?? 0) + n);
  };
  for (const it of task.items) {
    const s = perItem.get(it.itemId);
    if (!s) continue;
    const bucket = bucketOf(it.platform, task.platformMapping);
    add(`${bucket}_view_count`, s.views);
    add(`${bucket}_like_count`, s.likes);
  }
  const stat: BroadcastStat = {
    project_id: task.projectId,
    task_id: task.receiverTaskId,
    duration: task.duration,
    account_count: 0,
    yt_account_count: 0,
  };
  for (const f of [...counts.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b))) stat[f] = counts.get(f)!;
  return { site_name: task.siteName, stats: [stat] };
}

/** yt_view_count, yt_like_count first, as in the receiver's documentation; the rest alphabetically. */
const order = (f: string) => (f === 'yt_view_count' ? 0 : f === 'yt_like_count' ? 1 : 2);
