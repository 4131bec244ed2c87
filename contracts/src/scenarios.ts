import { z } from 'zod';
import { BEHAVIOUR_EVENT_TYPES, type BehaviourEventType } from './behaviour.js';
import { Slug, TenantId } from './ids.js';

export const RecallChannelName = z.enum(['hot', 'item_cf', 'embedding', 'fresh']);
export type RecallChannelName = z.infer<typeof RecallChannelName>;

export const RecallChannel = z.object({
  name: RecallChannelName,
  weight: z.number().min(0).max(10),
  size: z.number().int().min(1).max(1000),
});

export const RerankRules = z.object({
  /** MMR trade-off: 1 = pure relevance, 0 = pure diversity. */
  diversityLambda: z.number().min(0).max(1).default(0.7),
  /** Boost for items younger than freshnessHalfLifeHours, decaying exponentially. */
  freshnessBoost: z.number().min(0).max(5).default(0.2),
  freshnessHalfLifeHours: z.number().positive().max(24 * 365).default(48),
  filterSeen: z.boolean().default(true),
  maxPerCategory: z.number().int().min(1).max(100).optional(),
});

/** Per-action weight of item heat; unspecified actions weigh 0. */
export const ActionWeights = z.partialRecord(z.enum(BEHAVIOUR_EVENT_TYPES as [BehaviourEventType, ...BehaviourEventType[]]), z.number().min(0).max(100));
export type ActionWeights = z.infer<typeof ActionWeights>;

export const ScenarioConfig = z.object({
  tenantId: TenantId,
  scenario: Slug,
  template: z.enum(['vlog', 'news', 'ecommerce', 'music', 'custom']).default('custom'),
  features: z
    .object({
      item: z.array(z.string()).default([]),
      user: z.array(z.string()).default([]),
      context: z.array(z.string()).default([]),
    })
    .default({ item: [], user: [], context: [] }),
  recall: z.array(RecallChannel).min(1).max(8),
  rankingModel: Slug.nullable().default(null),
  rerank: RerankRules.default({ diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true }),
  actionWeights: ActionWeights.default({ impression: 0.1, click: 1, play_start: 2, play_complete: 5, like: 3, share: 4, comment: 3, purchase: 8 }),
  /** Time constant of item-heat decay within the 1-hour window. */
  heatHalfLifeMinutes: z.number().positive().max(24 * 60).default(30),
});
export type ScenarioConfig = z.infer<typeof ScenarioConfig>;
