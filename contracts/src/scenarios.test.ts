import { describe, expect, it } from 'vitest';
import { CreateScenarioRequest, ScenarioConfig, SCENARIO_TEMPLATES } from './index.js';

describe('scenario config', () => {
  it('carries no decorative feature lists; configs stored with the old `features` key still parse', () => {
    const legacy = { tenantId: 't', scenario: 's', recall: [{ name: 'hot', weight: 1, size: 10 }], features: { item: ['heat'], user: [], context: [] } };
    const cfg = ScenarioConfig.parse(legacy);
    expect('features' in cfg).toBe(false);
    expect(CreateScenarioRequest.parse({ scenario: 's', features: { item: ['x'] } })).not.toHaveProperty('features');
    for (const t of Object.values(SCENARIO_TEMPLATES)) expect('features' in t).toBe(false);
  });

  it('impression fatigue is a scenario setting (0 turns it off)', () => {
    const base = { tenantId: 't', scenario: 's', recall: [{ name: 'hot', weight: 1, size: 10 }] };
    expect(ScenarioConfig.parse({ ...base, rerank: { fatigueImpressions: 0 } }).rerank.fatigueImpressions).toBe(0);
    expect(ScenarioConfig.safeParse({ ...base, rerank: { fatigueImpressions: -1 } }).success).toBe(false);
  });
});
