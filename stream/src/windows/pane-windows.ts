import type { PartitionCheckpoint } from './checkpoint.js';
import type { FiredWindow, PartitionState, Verdict, WindowAggregator } from './partition-windows.js';
import type { WindowSpec } from './window-spec.js';
import { PartitionProgress } from './partition-progress.js';

/**
 * How a job folds events into panes (one hop of event time each) and composes a hopping window
 * from its size/hop panes when it fires. Each event updates one pane instead of every window
 * containing it (item heat: one instead of four).
 */
export interface PaneAggregator<E, P, A> {
  readonly kind: 'panes';
  /** Entity keys the event contributes to; [] = ignore. A plain string is one key. */
  keys(e: E): string | readonly string[];
  createPane(key: string, e: E): P;
  /**
   * first = how many hops after the pane's own end the earliest window that was still open for the
   * event ends (by event time and lateness alone, so a replay decides the same): 0 unless the event
   * came after the window ending with its pane was purged. Windows before it never saw the event.
   */
  addToPane(p: P, e: E, paneStart: number, t: number, first: number): void;
  /**
   * The window [start, end) of `key`: panes[j] is its pane ending j hops before `end` (undefined
   * when the key had no event there). The window holds pane j's events with first ≤ j: an event
   * with a larger first came after this window was purged (it may still fire once more, for what
   * it held before). Must not keep `panes` (the array is reused).
   */
  compose(key: string, panes: readonly (P | undefined)[], start: number, end: number): A;
}

export function isPaneAggregator<E, A>(a: WindowAggregator<E, A> | PaneAggregator<E, unknown, A>): a is PaneAggregator<E, unknown, A> {
  return 'kind' in a && a.kind === 'panes';
}

interface PaneEntry<P> {
  acc: P;
  /** Events folded in, by their `first` (see PaneAggregator.addToPane). */
  counts: number[];
}

interface Pane<P> {
  start: number;
  end: number;
  entries: Map<string, PaneEntry<P>>;
  /** Offset of the pane's first event; the commit point never passes a live pane's events. */
  minOffset: bigint;
  /** Partition max event time just before minOffset, so a replay restores the same watermark. */
  wmBaseBefore: number;
  /** One of the windows containing the pane has fired: a new event re-fires those windows. */
  fired: boolean;
}

interface WindowTrack {
  start: number;
  end: number;
  fired: boolean;
  /** Keys changed after the window fired (late events within the allowed lateness). */
  dirty: Set<string> | null;
}

/**
 * Window state of one Kafka partition for hopping windows, kept as panes. Same semantics as
 * PartitionWindows (same fired windows, counts, verdicts and checkpoints for the same message
 * sequence; window-engine.test.ts compares the two on a random sequence with crashes):
 * - an event is accepted when its latest window (the one starting at its pane) is neither purged
 *   nor, during a replay, already finalised by the checkpoint — windows close in order, so the
 *   open windows containing an event are always the latest ones;
 * - a window is tracked from its first pane event it accepted, fires when the watermark passes
 *   its end (composed from its panes), re-fires the keys a late event changed, and is purged at
 *   end + lateness; a pane lives until its latest window is purged;
 * - windows the restored checkpoint had finalised are never tracked: their rows are in the sink.
 */
export class PanedPartitionWindows<E, P, A> extends PartitionProgress implements PartitionState<E, A> {
  private readonly panes = new Map<number, Pane<P>>();
  /** Windows by end, in creation order (not necessarily sorted). */
  private readonly windows = new Map<number, WindowTrack>();
  private entryCount = 0;
  private readonly seen = new Map<string, number>();
  private seenMin = Number.POSITIVE_INFINITY;
  private nextDue = Number.POSITIVE_INFINITY;
  private hasDirty = false;
  /** The pane of the previous event (consecutive events mostly share one). */
  private lastPane: Pane<P> | null = null;
  private readonly perWindow: number;

  constructor(partition: number, spec: WindowSpec, private readonly agg: PaneAggregator<E, P, A>, restored?: PartitionCheckpoint, resumeAt: bigint = -1n) {
    super(partition, spec, restored, resumeAt);
    this.perWindow = spec.sizeMs / spec.hopMs;
  }

  /** Pane entries held (one per key and pane). */
  get openWindows(): number {
    return this.entryCount;
  }

  process(offset: bigint, id: string, t: number, e: E): Verdict {
    const replay = this.enter(offset);
    this.lastOffset = offset;
    const wmBefore = this.wmBase;
    if (t > this.wmBase) this.wmBase = t;
    if (this.seen.has(id)) return 'duplicate';
    const keys = this.agg.keys(e);
    const single = typeof keys === 'string' ? keys : null;
    const keyCount = single !== null ? 1 : keys.length;
    if (keyCount === 0) return 'ignored';
    const wm = wmBefore - this.spec.outOfOrdernessMs;
    const { sizeMs, hopMs, allowedLatenessMs: lateness } = this.spec;
    const paneStart = Math.floor(t / hopMs) * hopMs;
    const latestEnd = paneStart + sizeMs;
    // Suppressed (replay, finalised by the checkpoint) or purged: every earlier window is too.
    if ((replay && latestEnd + lateness <= this.finalizedWm) || latestEnd + lateness <= wm) {
      const earliestEnd = paneStart + hopMs;
      return replay && earliestEnd + lateness <= this.finalizedWm ? 'replayed' : 'late';
    }
    // Earliest window containing t that is not purged, as PartitionWindows computes it.
    const firstOpenStart = (Math.floor(Math.max(t - sizeMs, wm - lateness - sizeMs) / hopMs) + 1) * hopMs;
    const first = (firstOpenStart + sizeMs - (paneStart + hopMs)) / hopMs;
    let pane = this.lastPane;
    if (pane === null || pane.start !== paneStart) {
      pane = this.panes.get(paneStart) ?? this.openPane(paneStart, offset, wmBefore, wm);
      this.lastPane = pane;
    }
    for (let i = 0; i < keyCount; i++) {
      const key = single ?? (keys as readonly string[])[i]!;
      let entry = pane.entries.get(key);
      if (!entry) {
        entry = { acc: this.agg.createPane(key, e), counts: new Array<number>(this.perWindow).fill(0) };
        pane.entries.set(key, entry);
        this.entryCount++;
      }
      this.agg.addToPane(entry.acc, e, paneStart, t, first);
      entry.counts[first]!++;
      if (pane.fired) this.markDirty(pane, key, first);
    }
    this.seen.set(id, t);
    if (t < this.seenMin) this.seenMin = t;
    return 'accepted';
  }

  /** A new pane, and the windows containing it that can still fire. */
  private openPane(start: number, offset: bigint, wmBaseBefore: number, wm: number): Pane<P> {
    const { hopMs, allowedLatenessMs: lateness } = this.spec;
    const pane: Pane<P> = { start, end: start + hopMs, entries: new Map(), minOffset: offset, wmBaseBefore, fired: false };
    this.panes.set(start, pane);
    for (let k = 0; k < this.perWindow; k++) {
      const end = pane.end + k * hopMs;
      if (end + lateness <= wm || end + lateness <= this.finalizedWm) continue; // purged, or finalised before the restart
      let w = this.windows.get(end);
      if (!w) {
        w = { start: end - this.spec.sizeMs, end, fired: false, dirty: null };
        this.windows.set(end, w);
        if (end < this.nextDue) this.nextDue = end;
      } else if (w.fired) pane.fired = true;
    }
    return pane;
  }

  /** Windows that fired and hold the event (those from `first` on) re-fire the key. */
  private markDirty(pane: Pane<P>, key: string, first: number): void {
    for (let k = first; k < this.perWindow; k++) {
      const w = this.windows.get(pane.end + k * this.spec.hopMs);
      if (w?.fired) {
        (w.dirty ??= new Set()).add(key);
        this.hasDirty = true;
      }
    }
  }

  collect(): FiredWindow<A>[] {
    const wm = this.watermark();
    if (wm < this.nextDue && !this.hasDirty) return [];
    const { hopMs, sizeMs, allowedLatenessMs: lateness } = this.spec;
    const out: FiredWindow<A>[] = [];
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [end, w] of this.windows) {
      if (wm >= end + lateness) {
        if (!w.fired) this.emitAll(w, true, out);
        else if (w.dirty) this.emitKeys(w, w.dirty, true, out);
        this.windows.delete(end);
        continue;
      }
      if (wm >= end && (!w.fired || w.dirty)) {
        if (!w.fired) this.emitAll(w, false, out);
        else this.emitKeys(w, w.dirty!, false, out);
        w.fired = true;
        w.dirty = null;
        for (let s = w.start; s < end; s += hopMs) {
          const p = this.panes.get(s);
          if (p) p.fired = true;
        }
      }
      const due = w.fired ? end + lateness : end;
      if (due < nextDue) nextDue = due;
    }
    this.nextDue = nextDue;
    this.hasDirty = false;
    // A pane lives while its latest window can still change.
    for (const [start, p] of this.panes) {
      if (wm >= start + sizeMs + lateness) {
        this.entryCount -= p.entries.size;
        this.panes.delete(start);
        if (this.lastPane === p) this.lastPane = null;
      }
    }
    const horizon = wm - lateness - sizeMs;
    if (this.seenMin < horizon) {
      let min = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.seen) {
        if (t < horizon) this.seen.delete(id);
        else if (t < min) min = t;
      }
      this.seenMin = min;
    }
    return out;
  }

  /** The window's panes, latest first (panes[j] ends j hops before the window's end). */
  private panesOf(w: WindowTrack): (Pane<P> | undefined)[] {
    const out: (Pane<P> | undefined)[] = [];
    for (let j = 0; j < this.perWindow; j++) out.push(this.panes.get(w.end - (j + 1) * this.spec.hopMs));
    return out;
  }

  /** Every key with an event in one of the window's panes, once. */
  private emitAll(w: WindowTrack, final: boolean, out: FiredWindow<A>[]): void {
    const panes = this.panesOf(w);
    for (let j = 0; j < panes.length; j++) {
      const pane = panes[j];
      if (!pane) continue;
      for (const [key, entry] of pane.entries) {
        let composedBefore = false;
        for (let i = 0; i < j && !composedBefore; i++) composedBefore = panes[i]?.entries.has(key) ?? false;
        if (!composedBefore) this.compose(w, panes, key, final, out, j, entry);
      }
    }
  }

  private emitKeys(w: WindowTrack, keys: Set<string>, final: boolean, out: FiredWindow<A>[]): void {
    const panes = this.panesOf(w);
    for (const key of keys) this.compose(w, panes, key, final, out);
  }

  private readonly accs: (P | undefined)[] = [];

  /** The key's window, unless it holds no event (all of them came after it was purged). */
  private compose(w: WindowTrack, panes: readonly (Pane<P> | undefined)[], key: string, final: boolean, out: FiredWindow<A>[], known = -1, knownEntry?: PaneEntry<P>): void {
    const accs = this.accs;
    let count = 0;
    for (let j = 0; j < panes.length; j++) {
      const entry = j === known ? knownEntry : panes[j]?.entries.get(key);
      accs[j] = entry?.acc;
      if (entry) for (let f = 0; f <= j; f++) count += entry.counts[f]!;
    }
    accs.length = panes.length;
    if (count === 0) return;
    out.push({ partition: this.partition, key, start: w.start, end: w.end, acc: this.agg.compose(key, accs, w.start, w.end), count, final });
  }

  protected openStates(): Iterable<Pane<P>> {
    return this.panes.values();
  }

  /**
   * Early result (read-only, nothing fires or changes): the latest pane of the next window to fire
   * (the earliest not yet fired), each key composed as a window holding that pane alone, with the
   * window's bounds and final = false. Item heat publishes it so a spike in the current pane shows
   * before the window closes; the window's own firing later is unchanged.
   */
  peekOpenPane(): FiredWindow<A>[] {
    let next: WindowTrack | undefined;
    for (const w of this.windows.values()) if (!w.fired && (!next || w.end < next.end)) next = w;
    if (!next) return [];
    const pane = this.panes.get(next.end - this.spec.hopMs);
    if (!pane) return [];
    const panes: (Pane<P> | undefined)[] = new Array(this.perWindow).fill(undefined);
    panes[0] = pane;
    const out: FiredWindow<A>[] = [];
    for (const [key, entry] of pane.entries) this.compose(next, panes, key, false, out, 0, entry);
    return out;
  }

  /** Where a restarted owner must resume: the first offset any open pane needs (PartitionProgress). */
  checkpoint(): { offset: bigint; meta: PartitionCheckpoint } | null {
    return this.checkpointOver(this.panes.values());
  }
}
