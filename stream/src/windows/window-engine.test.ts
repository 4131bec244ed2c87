import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeLaneCheckpoints, encodeCheckpoint, encodeLaneCheckpoints } from './checkpoint.js';
import { PanedPartitionWindows, type PaneAggregator } from './pane-windows.js';
import { PartitionWindows, type FiredWindow, type PartitionState, type WindowAggregator } from './partition-windows.js';
import { WindowEngine } from './window-engine.js';
import { TenantPartitionWindows } from './tenant-windows.js';
import type { PartitionCheckpoint } from './checkpoint.js';
import { hopping, tumbling, windowStarts, type WindowSpec } from './window-spec.js';

interface Ev {
  id: string;
  t: number;
  k: string;
  v: number;
}
interface Acc {
  sum: number;
  ids: string[];
}
const agg: WindowAggregator<Ev, Acc> = {
  keys: (e) => (e.k ? [e.k] : []),
  create: () => ({ sum: 0, ids: [] }),
  add: (a, e) => {
    a.sum += e.v;
    a.ids.push(e.id);
  },
};
/** The same fold as panes: events grouped by `first`, a window takes pane j's groups with first ≤ j. */
type PaneAcc = { first: number; sum: number; ids: string[] }[];
const paneAgg: PaneAggregator<Ev, PaneAcc, Acc> = {
  kind: 'panes',
  keys: (e) => (e.k ? [e.k] : []),
  createPane: () => [],
  addToPane: (p, e, _paneStart, _t, first) => {
    let g = p.find((x) => x.first === first);
    if (!g) p.push((g = { first, sum: 0, ids: [] }));
    g.sum += e.v;
    g.ids.push(e.id);
  },
  compose: (_k, panes) => {
    const a: Acc = { sum: 0, ids: [] };
    panes.forEach((p, j) => {
      for (const g of p ?? []) {
        if (g.first > j) continue;
        a.sum += g.sum;
        a.ids.push(...g.ids);
      }
    });
    return a;
  },
};
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const ev = (id: string, minutes: number, k = 'a', v = 1): Ev => ({ id, t: T0 + minutes * MIN, k, v });
const feed = (p: PartitionWindows<Ev, Acc>, evs: Ev[], from = 0n) => evs.map((e, i) => p.process(from + BigInt(i), e.id, e.t, e));

describe('window assignment', () => {
  it('puts an event into every hopping window that contains it and one tumbling window', () => {
    const h = hopping(60 * MIN, 15 * MIN, 0, 0);
    const t = T0 + 20 * MIN; // 08:20 → windows starting 08:15, 08:00, 07:45, 07:30
    expect(windowStarts(t, h)).toEqual([T0 + 15 * MIN, T0, T0 - 15 * MIN, T0 - 30 * MIN]);
    expect(windowStarts(T0, h)).toEqual([T0, T0 - 15 * MIN, T0 - 30 * MIN, T0 - 45 * MIN]); // start is inclusive
    expect(windowStarts(T0 + 5 * MIN - 1, tumbling(5 * MIN, 0, 0))).toEqual([T0]);
    expect(windowStarts(T0 + 5 * MIN, tumbling(5 * MIN, 0, 0))).toEqual([T0 + 5 * MIN]);
    expect(() => hopping(60 * MIN, 7 * MIN, 0, 0)).toThrow(/multiple/);
  });
});

describe('watermarks, out-of-order and late events', () => {
  it('fires a window once the watermark (max time − out-of-orderness) passes its end, out-of-order events included', () => {
    const p = new PartitionWindows(0, tumbling(5 * MIN, 2 * MIN, 0), agg);
    expect(feed(p, [ev('a', 1), ev('b', 4), ev('c', 6), ev('d', 3)])).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(p.watermark()).toBe(T0 + 4 * MIN);
    expect(p.collect()).toEqual([]); // 08:05 window still open: watermark is 08:04
    feed(p, [ev('e', 7)], 4n);
    const fired = p.collect();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ start: T0, end: T0 + 5 * MIN, count: 3, final: true, acc: { sum: 3 } });
    // d (08:03) arrives after the window is final → late, never silently folded in or dropped.
    expect(feed(p, [ev('f', 2)], 5n)).toEqual(['late']);
  });

  it('re-fires a window for late events within the allowed lateness, then finalises it', () => {
    const p = new PartitionWindows(0, tumbling(5 * MIN, 0, 3 * MIN), agg);
    feed(p, [ev('a', 1), ev('b', 6)]);
    expect(p.collect()).toMatchObject([{ start: T0, count: 1, final: false }]);
    expect(feed(p, [ev('c', 2)], 2n)).toEqual(['accepted']); // within lateness
    expect(p.collect()).toMatchObject([{ start: T0, count: 2, final: false, acc: { sum: 2 } }]);
    feed(p, [ev('d', 9)], 3n); // watermark 08:09 ≥ end + lateness 08:08: purged, unchanged since its last row
    expect(p.collect()).toEqual([]);
    expect(feed(p, [ev('e', 3)], 4n)).toEqual(['late']);
    expect(p.openWindows).toBe(1); // only 08:05–08:10 (b, d) is left
  });

  it('counts a duplicate event id once', () => {
    const p = new PartitionWindows(0, tumbling(5 * MIN, 0, 0), agg);
    expect(feed(p, [ev('a', 1), ev('a', 1), ev('b', 2), ev('a', 1)])).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate']);
    feed(p, [ev('z', 20)], 4n);
    expect(p.collect().find((f) => f.start === T0)).toMatchObject({ count: 2, acc: { ids: ['a', 'b'] } });
  });
});

describe('idle partitions', () => {
  it('a caught-up silent partition takes the active partitions’ watermark, so its windows close', () => {
    const engine = new WindowEngine(tumbling(5 * MIN, MIN, 0), agg, { idleTimeoutMs: 1000 });
    engine.open(0, undefined, 0);
    engine.open(1, undefined, 0);
    engine.process(0, 0n, 'a', T0 + MIN, ev('a', 1), 0);
    engine.process(1, 0n, 'b', T0 + 2 * MIN, ev('b', 2), 0);
    // Partition 0 keeps flowing, partition 1 goes quiet.
    for (let m = 3; m <= 12; m++) engine.process(0, BigInt(m), `p0-${m}`, T0 + m * MIN, ev(`p0-${m}`, m), m * 100);
    expect(engine.collect().filter((f) => f.partition === 1)).toEqual([]);
    // Not caught up (lagging) → silence is not idleness.
    expect(engine.advanceIdle(5000)).toEqual([]);
    engine.markCaughtUp(1, true);
    expect(engine.advanceIdle(500)).toEqual([]); // not silent long enough
    expect(engine.advanceIdle(5000)).toEqual([1]);
    expect(engine.get(1)!.watermark()).toBe(T0 + 11 * MIN);
    expect(engine.collect().filter((f) => f.partition === 1)).toMatchObject([{ start: T0, count: 1, final: true }]);
  });

  it('when every partition is idle the slow ones catch up with the fastest', () => {
    const engine = new WindowEngine(tumbling(5 * MIN, 0, 0), agg, { idleTimeoutMs: 10 });
    engine.open(0, undefined, 0);
    engine.open(1, undefined, 0);
    engine.process(0, 0n, 'a', T0 + 30 * MIN, ev('a', 30), 0);
    engine.process(1, 0n, 'b', T0 + MIN, ev('b', 1), 0);
    engine.markCaughtUp(0, true);
    engine.markCaughtUp(1, true);
    expect(engine.advanceIdle(100)).toEqual([1]);
    expect(engine.collect()).toMatchObject([{ partition: 1, start: T0, count: 1 }]);
  });
});

/**
 * A fired window as the sink receives it when it fired (the per-window engine keeps folding late
 * events into an accumulator it already handed out; the row's count is its version).
 */
const asFired = (w: FiredWindow<Acc>): FiredWindow<Acc> => ({ ...w, acc: { sum: w.acc.sum, ids: [...w.acc.ids] } });

/** Every fired window with its contents (ids sorted), as comparable text, sorted. */
function firedSet(rows: FiredWindow<Acc>[]): string[] {
  return rows.map((r) => JSON.stringify([r.partition, r.key, r.start, r.end, r.count, r.final, r.acc.sum, [...r.acc.ids].sort()])).sort();
}

/** What a ReplacingMergeTree(version = count) table ends up holding. */
function sinkMerge(rows: FiredWindow<Acc>[]): Map<string, { count: number; ids: string }> {
  const m = new Map<string, { count: number; ids: string }>();
  for (const r of rows) {
    const k = `${r.start}|${r.key}`;
    const prev = m.get(k);
    if (!prev || r.count >= prev.count) m.set(k, { count: r.count, ids: [...r.acc.ids].sort().join(',') });
  }
  return m;
}

describe('replay from a checkpoint', () => {
  it('does not rebuild windows the checkpoint had finalised (idle advance before the crash)', () => {
    const spec = tumbling(5 * MIN, 2 * MIN, 0);
    const a = new PartitionWindows(0, spec, agg);
    feed(a, [ev('a', 1), ev('d', 6)]);
    a.advanceTo(T0 + 5 * MIN); // idle advance: 08:00–08:05 is final with {a}
    expect(a.collect()).toMatchObject([{ start: T0, count: 1, final: true, acc: { ids: ['a'] } }]);
    expect(feed(a, [ev('c', 3)], 2n)).toEqual(['late']);
    const cp = a.checkpoint()!;
    expect(cp.offset).toBe(1n); // 08:05 window (d) still open
    const b = new PartitionWindows(0, spec, agg, cp.meta);
    // The replay never saw the idle advance; c must not start a partial 08:00 window.
    expect(feed(b, [ev('d', 6), ev('c', 3)], 1n)).toEqual(['accepted', 'replayed']);
    b.advanceTo(T0 + 60 * MIN);
    expect(b.collect().map((f) => [f.start, f.acc.ids])).toEqual([[T0 + 5 * MIN, ['d']]]);
  });

  const engines: [string, (spec: WindowSpec, cp?: PartitionCheckpoint) => PartitionState<Ev, Acc>][] = [
    ['per window', (spec, cp) => new PartitionWindows(0, spec, agg, cp)],
    ['as panes', (spec, cp) => new PanedPartitionWindows(0, spec, paneAgg, cp)],
  ];
  it.each(engines)('crashing anywhere and resuming from the committed checkpoint yields the same sink contents (%s)', (_name, make) => {
    const spec = hopping(20 * MIN, 5 * MIN, 2 * MIN, 3 * MIN);
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const evs: Ev[] = [];
    for (let i = 0; i < 400; i++) {
      // Mostly in order, some out of order, some very late, some duplicates.
      const t = i * 0.5 + (rnd() < 0.2 ? -rnd() * 6 : 0) - (rnd() < 0.03 ? 40 : 0);
      if (i > 0 && rnd() < 0.05) evs.push({ ...evs[evs.length - 1]! });
      else evs.push(ev(`e${i}`, t, `k${Math.floor(rnd() * 3)}`, 1));
    }
    // Idle advances (wall-clock driven) happen at these offsets; a replay of offsets it already
    // covered does not repeat them (a replaying consumer is never caught up, so never idle).
    const idleAt = (i: number) => i % 37 === 0;
    const run = (p: PartitionState<Ev, Acc>, from: number, to: number, out: FiredWindow<Acc>[], lateOut: string[], idleFrom = 0) => {
      for (let i = from; i < to; i++) {
        const e = evs[i]!;
        if (idleAt(i) && i >= idleFrom) p.advanceTo(p.watermark() + 4 * MIN);
        const verdict = p.process(BigInt(i), e.id, e.t, e);
        if (verdict === 'late' && !p.isReplay(BigInt(i))) lateOut.push(e.id);
        if (i % 7 === 0) out.push(...p.collect().map(asFired));
      }
      out.push(...p.collect().map(asFired));
    };
    const flushAll = (p: PartitionState<Ev, Acc>, out: FiredWindow<Acc>[]) => {
      p.advanceTo(T0 + 10_000 * MIN);
      out.push(...p.collect().map(asFired));
    };
    // The reference is always the per-window engine without a crash.
    const refP = new PartitionWindows(0, spec, agg);
    const ref2: FiredWindow<Acc>[] = [];
    const refLate: string[] = [];
    run(refP, 0, evs.length, ref2, refLate);
    flushAll(refP, ref2);
    const expected = sinkMerge(ref2);
    expect(refLate.length).toBeGreaterThan(0);
    // Without a crash, the engine fires exactly what the per-window engine fires (each collect()'s windows, in any order).
    const same: FiredWindow<Acc>[] = [];
    const sameLate: string[] = [];
    const e0 = make(spec);
    run(e0, 0, evs.length, same, sameLate);
    flushAll(e0, same);
    expect(sameLate).toEqual(refLate);
    expect(firedSet(same)).toEqual(firedSet(ref2));

    for (const crashAt of [13, 57, 120, 199, 250, 333, 399]) {
      for (const commitAt of [Math.floor(crashAt / 2), crashAt - 3]) {
        // First owner: runs to commitAt, commits, keeps going (writing rows) until the crash.
        const rows: FiredWindow<Acc>[] = [];
        const late: string[] = [];
        const a = make(spec);
        run(a, 0, commitAt, rows, late);
        const cp = a.checkpoint()!;
        const wire = decodeCheckpoint(encodeCheckpoint(cp.meta))!;
        // Rows written after the commit reach the sink; late rows after it are lost with the crash.
        run(a, commitAt, crashAt, rows, []);
        // Second owner: resumes at the committed offset with the committed checkpoint.
        const b = make(spec, wire);
        run(b, Number(cp.offset), evs.length, rows, late, Number(wire.n));
        flushAll(b, rows);
        expect(sinkMerge(rows), `crash at ${crashAt}, commit at ${commitAt}`).toEqual(expected);
        expect(new Set(late), `late events, crash at ${crashAt}`).toEqual(new Set(refLate));
      }
    }
  });
});

describe('one consumer group feeding several jobs', () => {
  it('keeps each job’s own resume offset and checkpoint in the commit metadata', () => {
    const lanes = new Map([
      ['item-heat', { offset: 10n, meta: { wm: T0, n: 42n, ft: T0 - MIN } }],
      ['realtime-metrics', { offset: 40n, meta: { wm: T0 + MIN, n: 42n, ft: Number.NEGATIVE_INFINITY } }],
    ]);
    const wire = encodeLaneCheckpoints(lanes);
    expect(decodeLaneCheckpoints(wire, 10n, ['item-heat', 'realtime-metrics'])).toEqual(lanes);
    // A single-job checkpoint (v1) applies to every job at the committed offset; junk means start fresh.
    const v1 = encodeCheckpoint({ wm: T0, n: 7n, ft: T0 });
    expect(decodeLaneCheckpoints(v1, 5n, ['a', 'b'])).toEqual(new Map([['a', { offset: 5n, meta: { wm: T0, n: 7n, ft: T0 } }], ['b', { offset: 5n, meta: { wm: T0, n: 7n, ft: T0 } }]]));
    expect(decodeLaneCheckpoints('{"v":9}', 5n, ['a']).size).toBe(0);
    expect(decodeLaneCheckpoints(undefined, null, ['a']).size).toBe(0);
  });

  it('a job resumed at its own offset rebuilds what a dedicated group would, and holds its checkpoint until it reads', () => {
    const spec = tumbling(5 * MIN, 0, 0);
    const evs = [ev('a', 1), ev('b', 2), ev('c', 6), ev('d', 7), ev('e', 12)];
    const ref = new PartitionWindows(0, spec, agg);
    feed(ref, evs.slice(0, 3));
    ref.collect();
    const cp = ref.checkpoint()!;
    expect(cp.offset).toBe(2n); // 08:05 window (c) still open
    const resumed = new PartitionWindows(0, spec, agg, cp.meta, cp.offset);
    expect(resumed.checkpoint()).toEqual(cp); // nothing read yet: the restored checkpoint stands
    // The group re-reads from an earlier offset another job needs; this job skips below its own.
    const out: FiredWindow<Acc>[] = [];
    evs.forEach((e, i) => {
      if (BigInt(i) >= resumed.resumeAt) resumed.process(BigInt(i), e.id, e.t, e);
      out.push(...resumed.collect());
    });
    expect(out.map((f) => [f.start, f.acc.ids])).toEqual([[T0 + 5 * MIN, ['c', 'd']]]);
  });
});

describe('tenants isolated within a partition', () => {
  interface TEv extends Ev {
    tenant: string;
    /** Kafka message time (the ingest's clock when it produced the event). */
    ts: number;
    /** Index of the live event (outliers carry their predecessor's, live = false): idle advances and collects follow live traffic. */
    seq: number;
    live: boolean;
  }
  const SKEW = 2 * MIN;
  const tenantOf = (e: TEv) => e.tenant;
  const layouts: [string, (spec: WindowSpec) => (cp?: PartitionCheckpoint) => PartitionState<TEv, Acc>][] = [
    ['per window', (spec) => (cp) => new TenantPartitionWindows<TEv, Acc>(0, tenantOf, (r) => new PartitionWindows(0, spec, agg, r), cp)],
    ['as panes', (spec) => (cp) => new TenantPartitionWindows<TEv, Acc>(0, tenantOf, (r) => new PanedPartitionWindows(0, spec, paneAgg, r), cp)],
  ];

  /** Tenant B's live traffic and tenant A's, on one partition; A optionally with a bad clock. */
  function traffic(outliers: boolean): TEv[] {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const out: TEv[] = [];
    for (let i = 0; i < 400; i++) {
      const now = i * 0.5; // minutes of wall clock
      const tenant = rnd() < 0.5 ? 'A' : 'B';
      const t = now - rnd() * 0.3 - (rnd() < 0.15 ? rnd() * 5 : 0);
      out.push({ ...ev(`${tenant}${i}`, t, `${tenant}|k${Math.floor(rnd() * 3)}`), tenant, ts: T0 + now * MIN, seq: i, live: true });
      const r = rnd(); // drawn either way: both runs see the same live traffic
      if (outliers && tenant === 'A') {
        // A's clock: ten years ahead (only the message time bounds it), just inside the skew, or far behind.
        if (r < 0.05) out.push({ ...ev(`A-future-${i}`, now + 5_256_000, `A|k0`), tenant, ts: T0 + now * MIN, seq: i, live: false });
        else if (r < 0.12) out.push({ ...ev(`A-skew-${i}`, now + 1.9, `A|k1`), tenant, ts: T0 + now * MIN, seq: i, live: false });
        else if (r < 0.2) out.push({ ...ev(`A-past-${i}`, now - 600, `A|k2`), tenant, ts: T0 + now * MIN, seq: i, live: false });
      }
    }
    return out;
  }

  it.each(layouts)("tenant A's future and past outliers leave tenant B's windows exactly as without them, through crashes anywhere (%s)", (_name, layout) => {
    const spec = hopping(20 * MIN, 5 * MIN, 30_000, MIN);
    const make = layout(spec);
    const run = (evs: TEv[], p: PartitionState<TEv, Acc>, from: number, to: number, out: FiredWindow<Acc>[], verdicts: Map<string, string>, idleFrom = 0) => {
      for (let i = from; i < to; i++) {
        const e = evs[i]!;
        // An idle advance never passes the clock; a replay does not repeat the ones it already covered.
        if (e.live && e.seq % 41 === 0 && i >= idleFrom) p.advanceTo(e.ts - 10 * MIN);
        const v = p.process(BigInt(i), e.id, e.t, e, e.ts + SKEW);
        if (!p.isReplay(BigInt(i))) verdicts.set(e.id, v);
        if (e.live && e.seq % 7 === 0) out.push(...p.collect().map(asFired));
      }
      out.push(...p.collect().map(asFired));
    };
    const flushAll = (p: PartitionState<TEv, Acc>, out: FiredWindow<Acc>[]) => {
      p.advanceTo(T0 + 10_000 * MIN);
      out.push(...p.collect().map(asFired));
    };
    const ofB = (rows: FiredWindow<Acc>[]) => rows.filter((r) => r.key.startsWith('B|'));
    const bVerdicts = (v: Map<string, string>) => [...v].filter(([id]) => id.startsWith('B')).sort();

    // Reference: the same traffic without A's outliers, no crash.
    const clean = traffic(false);
    const ref: FiredWindow<Acc>[] = [];
    const refVerdicts = new Map<string, string>();
    const r = make();
    run(clean, r, 0, clean.length, ref, refVerdicts);
    flushAll(r, ref);
    const expectedB = sinkMerge(ofB(ref));
    expect(expectedB.size).toBeGreaterThan(10);

    const dirty = traffic(true);
    expect(dirty.length - clean.length).toBeGreaterThan(20);
    // Without a crash: B fires exactly the same windows, in the same collect() calls' contents.
    const same: FiredWindow<Acc>[] = [];
    const sameVerdicts = new Map<string, string>();
    const s = make();
    run(dirty, s, 0, dirty.length, same, sameVerdicts);
    flushAll(s, same);
    expect(firedSet(ofB(same))).toEqual(firedSet(ofB(ref)));
    expect(bVerdicts(sameVerdicts)).toEqual(bVerdicts(refVerdicts));
    // A's ten-years-ahead events are `future` (not folded, no watermark moved); its far-past ones are late.
    const aFuture = [...sameVerdicts].filter(([id]) => id.startsWith('A-future'));
    expect(aFuture.length).toBeGreaterThan(0);
    expect(aFuture.every(([, v]) => v === 'future')).toBe(true);
    expect([...sameVerdicts].filter(([id]) => id.startsWith('A-past')).every(([, v]) => v === 'late')).toBe(true);
    expect(same.some((w) => w.acc.ids.some((id) => id.startsWith('A-future')))).toBe(false);

    for (const crashAt of [17, 90, 201, 300, dirty.length - 5]) {
      for (const commitAt of [Math.floor(crashAt / 2), crashAt - 3]) {
        const rows: FiredWindow<Acc>[] = [];
        const verdicts = new Map<string, string>();
        const a = make();
        run(dirty, a, 0, commitAt, rows, verdicts);
        const cp = a.checkpoint()!;
        const wire = decodeLaneCheckpoints(encodeLaneCheckpoints(new Map([['j', cp]])), cp.offset, ['j']).get('j')!;
        expect(wire.meta.tenants?.size ?? 0).toBeGreaterThan(0);
        run(dirty, a, commitAt, crashAt, rows, new Map());
        const b = make(wire.meta);
        run(dirty, b, Number(wire.offset), dirty.length, rows, verdicts, Number(wire.meta.n));
        flushAll(b, rows);
        expect(sinkMerge(ofB(rows)), `crash at ${crashAt}, commit at ${commitAt}`).toEqual(expectedB);
        expect(bVerdicts(verdicts), `B's verdicts, crash at ${crashAt}`).toEqual(bVerdicts(refVerdicts));
      }
    }
  });

  it("an idle tenant is advanced (windows close) but never past the wall clock, whatever another tenant's clock says", () => {
    const engine = new WindowEngine<TEv, Acc>(tumbling(5 * MIN, 0, MIN), agg, { idleTimeoutMs: 1000, tenantOf: (e) => (e as TEv).tenant, idleClockCap: true });
    const now = T0 + 30 * MIN;
    engine.open(0, undefined, now);
    const e = (id: string, tenant: string, minute: number): TEv => ({ ...ev(id, minute, `${tenant}|k`), tenant, ts: now, seq: 0, live: true });
    engine.process(0, 0n, 'b1', T0 + 28 * MIN, e('b1', 'B', 28), now);
    // A's clock runs 1.9 minutes ahead (inside the skew) and A keeps sending.
    engine.process(0, 1n, 'a1', now + 1.9 * MIN, e('a1', 'A', 31.9), now + 5000);
    engine.markCaughtUp(0, true);
    expect(engine.advanceIdle(now + 5000)).toEqual([0]); // B idle: advanced to the active A's watermark, capped at the clock
    const p = engine.get(0)!;
    expect(p.watermarkOf('B')).toBe(now + 5000);
    expect(p.watermarkOf('A')).toBe(now + 1.9 * MIN);
    // B's window 08:25-08:30 fired on the idle advance.
    expect(engine.collect().filter((w) => w.key === 'B|k')).toMatchObject([{ start: T0 + 25 * MIN, count: 1, final: false }]);
    // B's next live event, dated now (the last seconds of its 5-minute window), is on time, not late.
    expect(engine.process(0, 2n, 'b2', now + 4000, e('b2', 'B', 30 + 4000 / MIN), now + 6000)).toBe('accepted');
  });
});
