import type { Redis } from 'ioredis';
import { ScenarioConfig, type ActionWeights } from '@vidplat/contracts';

export interface HeatParams {
  weights: ActionWeights;
  halfLifeMs: number;
}

/** The scenario config defaults: what a tenant gets until it configures its own weights. */
export const DEFAULT_HEAT: HeatParams = (() => {
  const c = ScenarioConfig.parse({ tenantId: 'default', scenario: 'default', recall: [{ name: 'hot', weight: 1, size: 10 }] });
  return { weights: c.actionWeights, halfLifeMs: c.heatHalfLifeMinutes * 60_000 };
})();

/** Redis key where the edge may publish a scenario's config (JSON ScenarioConfig) for the stream tier. */
export const scenarioConfigKey = (tenantId: string, scenario: string) => `fs:${tenantId}:scenario:${scenario}`;

/**
 * Heat parameters per tenant/scenario. Lookups must be synchronous on the hot path, so values are
 * served from memory and refreshed in the background; a change applies to windows folded after it.
 */
export class ScenarioWeights {
  private readonly cache = new Map<string, { p: HeatParams; at: number }>();
  private readonly inflight = new Set<string>();

  constructor(
    private readonly redis: Redis | null,
    private readonly ttlMs = 60_000,
  ) {}

  get(tenantId: string, scenario: string): HeatParams {
    const k = `${tenantId}|${scenario}`;
    const hit = this.cache.get(k);
    if (!hit || Date.now() - hit.at > this.ttlMs) this.refresh(k, tenantId, scenario, hit?.p ?? DEFAULT_HEAT);
    return hit?.p ?? DEFAULT_HEAT;
  }

  private refresh(k: string, tenantId: string, scenario: string, fallback: HeatParams): void {
    if (!this.redis) {
      this.cache.set(k, { p: fallback, at: Date.now() });
      return;
    }
    if (this.inflight.has(k)) return;
    this.inflight.add(k);
    this.redis
      .get(scenarioConfigKey(tenantId, scenario))
      .then((raw) => {
        const parsed = raw ? ScenarioConfig.safeParse(JSON.parse(raw)) : undefined;
        const p = parsed?.success ? { weights: parsed.data.actionWeights, halfLifeMs: parsed.data.heatHalfLifeMinutes * 60_000 } : DEFAULT_HEAT;
        this.cache.set(k, { p, at: Date.now() });
      })
      .catch(() => this.cache.set(k, { p: fallback, at: Date.now() }))
      .finally(() => this.inflight.delete(k));
  }
}
