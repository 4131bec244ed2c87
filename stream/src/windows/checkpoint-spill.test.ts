import { describe, expect, it } from 'vitest';
import { encodeLaneCheckpoints, decodeLaneCheckpoints, type LaneCheckpoint } from './checkpoint.js';
import { spillIfLarge, unspill, type CheckpointStore } from './checkpoint-spill.js';

function memoryStore(): CheckpointStore & { bodies: Map<string, string> } {
  const bodies = new Map<string, string>();
  return { bodies, put: async (ref, body) => void bodies.set(ref, body), get: async (ref) => bodies.get(ref) };
}

const lanes = (tenants: number): Map<string, LaneCheckpoint> =>
  new Map([
    ['item-heat', { offset: 10n, meta: { wm: 1000, n: 12n, ft: 900, tenants: new Map(Array.from({ length: tenants }, (_, i) => [`tenant-${i}`, { wm: 1000 + i, ft: 900 + i }])) } }],
  ]);

describe('checkpoints beyond the commit-metadata bound', () => {
  it('stay inline while small', async () => {
    const store = memoryStore();
    const body = encodeLaneCheckpoints(lanes(3));
    expect(await spillIfLarge(body, store, 'g', 0)).toBe(body);
    expect(store.bodies.size).toBe(0);
  });

  it('are stored and referenced when large, and read back identically', async () => {
    const store = memoryStore();
    const body = encodeLaneCheckpoints(lanes(500));
    const meta = await spillIfLarge(body, store, 'g', 0);
    expect(meta.length).toBeLessThan(100);
    const back = await unspill(meta, store);
    expect(back).toBe(body);
    const decoded = decodeLaneCheckpoints(back, 10n, ['item-heat']).get('item-heat')!;
    expect(decoded.meta.tenants!.size).toBe(500);
    expect(decoded.meta.tenants!.get('tenant-499')).toEqual({ wm: 1499, ft: 1399 });
    // Content-addressed: the same body twice is one row.
    await spillIfLarge(body, store, 'g', 0);
    expect(store.bodies.size).toBe(1);
  });

  it('refuse to start fresh silently when the referenced body is missing', async () => {
    const meta = await spillIfLarge(encodeLaneCheckpoints(lanes(500)), memoryStore(), 'g', 0);
    await expect(unspill(meta, memoryStore())).rejects.toThrow(/missing from window_checkpoints/);
  });

  it('pass empty and foreign metadata through to the decoder', async () => {
    const store = memoryStore();
    expect(await unspill('', store)).toBe('');
    expect(await unspill(null, store)).toBe(null);
    expect(await unspill('{"v":3,"ref":"not-a-hash"}', store)).toBe('{"v":3,"ref":"not-a-hash"}');
  });
});
