import { describe, expect, it } from 'vitest';
import { MediaMetrics } from '../ops/metrics.js';
import { depthPerPartition, QueueDepth, type OffsetsAdmin } from './queue-depth.js';

describe('transcode queue depth', () => {
  it('is the high watermark minus the group\'s committed offset, the retained log where nothing is committed', () => {
    const topic = [
      { partition: 1, high: '10', low: '0' },
      { partition: 0, high: '7', low: '2' },
      { partition: 2, high: '5', low: '5' },
      { partition: 3, high: '9', low: '4' },
    ];
    const committed = [
      { partition: 0, offset: '7' },
      { partition: 1, offset: '-1' },
      { partition: 3, offset: '1' }, // committed below the retained log: only what is left counts
    ];
    expect(depthPerPartition(topic, committed)).toEqual([
      { partition: 0, depth: 0 },
      { partition: 1, depth: 10 },
      { partition: 2, depth: 0 },
      { partition: 3, depth: 5 },
    ]);
  });

  it('reads the broker once per ttl, again after a failure; the gauge shows it and nothing when the broker cannot say', async () => {
    let calls = 0;
    let fail = false;
    let high = 4;
    const admin: OffsetsAdmin = {
      fetchTopicOffsets: async () => {
        calls++;
        if (fail) throw new Error('broker down');
        return [{ partition: 0, high: String(high), low: '0' }];
      },
      fetchOffsets: async (o) => {
        expect(o).toEqual({ groupId: 'g', topics: [{ topic: 'jobs', partitions: [0] }] });
        return [{ topic: 'jobs', partitions: [{ partition: 0, offset: '1' }] }];
      },
    };
    const q = new QueueDepth(admin, 'g', 'jobs', 5_000);
    expect(await q.read(0)).toEqual([{ partition: 0, depth: 3 }]);
    high = 9;
    expect(await q.read(1_000)).toEqual([{ partition: 0, depth: 3 }]);
    expect(calls).toBe(1);
    expect(await q.read(6_000)).toEqual([{ partition: 0, depth: 8 }]);

    const m = new MediaMetrics('test-worker');
    let now = 20_000;
    m.watchQueue(() => q.read(now));
    expect(await m.registry.metrics()).toMatch(/^media_transcode_queue_depth\{partition="0",service="test-worker"\} 8$/m);
    fail = true;
    now = 30_000;
    const text = await m.registry.metrics();
    expect(text).toMatch(/^# TYPE media_transcode_queue_depth gauge$/m);
    expect(text).not.toMatch(/^media_transcode_queue_depth\{/m);
    fail = false;
    now = 30_001; // the failure was not cached
    expect(await m.registry.metrics()).toMatch(/^media_transcode_queue_depth\{partition="0",service="test-worker"\} 8$/m);
  });
});
