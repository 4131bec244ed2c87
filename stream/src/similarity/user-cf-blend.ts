import type { Scored } from '@vidplat/contracts';
import { TopKRows } from '@vidplat/contracts';
import { easeUserLists, offerUnseen, userTopLists, type Ease } from './ease.js';
import { Ials, type IalsOptions } from './ials.js';

/** Weights of iALS in the user_cf blend tried on the validation split (0 = EASE alone). */
export const USER_CF_BLEND_WEIGHTS: readonly number[] = [0, 0.1, 0.2, 0.35, 0.5, 0.75, 1];

/**
 * The user_cf model: EASE's whole-history scores plus `weight` × iALS's, each divided by its
 * largest score among the user's unseen items (so the weight means the same for every user and
 * the two scales need not agree). Why a second model: iALS is low-rank and errs differently from
 * EASE's item-item weights; on ml-latest-small under random5 the blend raised the user_cf list
 * above EASE alone (stream/README.md), while under temporal the validation split chose 0.
 */
export class UserCfBlend {
  private readonly a: Float64Array;
  private readonly b: Float64Array;

  constructor(
    readonly ease: Ease,
    readonly ials: Ials | null,
    readonly weight: number,
  ) {
    if (ials && ials.m !== ease.m) throw new Error('UserCfBlend: EASE and iALS must share one interaction matrix');
    this.a = new Float64Array(ease.m.items.length);
    this.b = new Float64Array(ease.m.items.length);
  }

  /** Blended scores of training user u into out (seen items are not meaningful). */
  scoresInto(u: number, out: Float64Array): Float64Array {
    const m = this.ease.m;
    this.ease.userScoresInto(u, this.a);
    const ea = maxUnseen(m.rowOf(u), this.a);
    if (!this.ials || !this.weight) {
      out.set(this.a);
      return out;
    }
    this.ials.userScoresInto(u, this.b);
    const ib = maxUnseen(m.rowOf(u), this.b);
    const wa = ea > 0 ? 1 / ea : 0;
    const wb = ib > 0 ? this.weight / ib : 0;
    for (let i = 0; i < out.length; i++) out[i] = wa * this.a[i]! + wb * this.b[i]!;
    return out;
  }

  /**
   * Each user's `size` best unseen items by the blended score (positive scores only, ties by item
   * order): the lists the similarity job publishes at fs:<t>:ucf:<user>. Weight 0: EASE's own
   * lists (easeUserLists), unchanged.
   */
  lists(size: number): Map<string, Scored[]> {
    if (!this.ials || !this.weight) return easeUserLists(this.ease, size);
    return userTopLists(this.ease.m, (u, out) => this.scoresInto(u, out), size);
  }
}

/** Largest score among the items not in `seen` (ascending item numbers); 0 when none is positive. */
function maxUnseen(seen: Int32Array, s: Float64Array): number {
  let mx = 0;
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    if (k < seen.length && seen[k] === i) {
      k++;
      continue;
    }
    if (s[i]! > mx) mx = s[i]!;
  }
  return mx;
}

export interface UserCfChoice {
  /** The blend for the full data (iALS fitted on it only when the chosen weight is > 0). */
  blend: UserCfBlend;
  /** The same weight on the validation split's training part (for a ranker trained there). */
  validationBlend: UserCfBlend;
  weight: number;
  /** Mean NDCG@10 on the validation split per weight tried. */
  byWeight: Record<string, number>;
}

/**
 * Chooses the iALS weight of the user_cf blend on a validation split (never the test): iALS is
 * fitted on the validation split's training part (the matrix of `validation.model`, EASE at the
 * λ chosen there), each weight scores the held-out items by NDCG@10, the best wins (ties: the
 * smaller); then iALS is fitted on the full data if the weight is not 0.
 */
export function chooseUserCfBlend(
  full: Ease,
  validation: { model: Ease; truth: ReadonlyMap<string, ReadonlySet<string>> },
  ndcg: (list: readonly string[], rel: ReadonlySet<string>) => number,
  o: { weights?: readonly number[]; ials?: IalsOptions } = {},
): UserCfChoice {
  const vm = validation.model.m;
  const weights = o.weights ?? USER_CF_BLEND_WEIGHTS;
  const valIals = weights.some((w) => w > 0) ? new Ials(vm, o.ials) : null;
  const byWeight: Record<string, number> = {};
  const buf = new Float64Array(vm.items.length);
  const top = new TopKRows(10);
  let best = 0;
  let bestV = -1;
  for (const w of weights) {
    const blend = new UserCfBlend(validation.model, valIals, w);
    let sum = 0;
    let n = 0;
    for (const [user, rel] of validation.truth) {
      const u = vm.userIx.get(user);
      if (u === undefined || !rel.size) continue;
      offerUnseen(vm, u, blend.scoresInto(u, buf), top, -Infinity);
      const list: string[] = [];
      for (let r = 0; r < top.count; r++) list.push(vm.items[top.rowAt(r)]!);
      sum += ndcg(list, rel);
      n++;
    }
    const v = n ? sum / n : 0;
    byWeight[String(w)] = Math.round(v * 1e4) / 1e4;
    if (v > bestV + 1e-9) (bestV = v), (best = w);
  }
  return {
    blend: new UserCfBlend(full, best > 0 ? new Ials(full.m, o.ials) : null, best),
    validationBlend: new UserCfBlend(validation.model, valIals, best),
    weight: best,
    byWeight,
  };
}
