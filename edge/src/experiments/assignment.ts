import { hash32, type Experiment, type ExperimentVariant, type ScenarioConfig, type ScenarioOverride } from '@vidplat/contracts';

// One bucketing hash for experiments and publish visibility (contracts/src/visibility.ts), so a
// user's arm is computed the same way wherever it is asked.
export { hash32 };

/**
 * Deterministic arm for a user: the same (salt, user) always lands in the same bucket, so a user
 * sees one variant for the experiment's lifetime on every isolate; weights are relative shares.
 */
export function assignVariant(exp: Pick<Experiment, 'salt' | 'variants'>, userId: string): ExperimentVariant {
  const total = exp.variants.reduce((s, v) => s + v.weight, 0);
  const u = (hash32(`${exp.salt}:${userId}`) / 2 ** 32) * total;
  let acc = 0;
  for (const v of exp.variants) {
    acc += v.weight;
    if (u < acc) return v;
  }
  return exp.variants.filter((v) => v.weight > 0).at(-1)!;
}

/**
 * The scenario config a variant serves: its overrides on top of the scenario's. Re-rank rules
 * merge field by field and only fields the variant names (present, not undefined) change.
 */
export function applyOverrides(cfg: ScenarioConfig, o: ScenarioOverride): ScenarioConfig {
  const rerank = { ...cfg.rerank };
  for (const [k, v] of Object.entries(o.rerank ?? {})) if (v !== undefined) (rerank as Record<string, unknown>)[k] = v;
  return {
    ...cfg,
    ...(o.recall ? { recall: o.recall } : {}),
    ...(o.rankingModel !== undefined ? { rankingModel: o.rankingModel } : {}),
    rerank,
  };
}
