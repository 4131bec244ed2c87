import { z } from 'zod';
import { BEHAVIOUR_EVENT_TYPES, type BehaviourEventType } from './behaviour.js';
import { Slug, TenantId } from './ids.js';
import { ItemKind } from './items.js';

/**
 * hot: the scenario's hot list; item_cf: neighbours of the user's recent items; embedding: nearest
 * items to the user's embedding; fresh: newest published items; user_cf: items of the users most
 * like this one over their whole history (built offline per user, FeatureKeys.userCf).
 */
export const RecallChannelName = z.enum(['hot', 'item_cf', 'embedding', 'fresh', 'user_cf']);
export type RecallChannelName = z.infer<typeof RecallChannelName>;

export const RecallChannel = z.object({
  name: RecallChannelName,
  weight: z.number().min(0).max(10),
  size: z.number().int().min(1).max(1000),
  /**
   * Embedding channel only: IVF cells probed per query on large catalogues (unset = 8). Fewer
   * probes scan fewer vectors (cheaper) and find fewer of the exact nearest items.
   */
  probes: z.number().int().min(1).max(256).optional(),
});

export const RerankRules = z.object({
  /** MMR trade-off: 1 = pure relevance, 0 = pure diversity. */
  diversityLambda: z.number().min(0).max(1).default(0.7),
  /** Boost for items younger than freshnessHalfLifeHours, decaying exponentially. */
  freshnessBoost: z.number().min(0).max(5).default(0.2),
  freshnessHalfLifeHours: z.number().positive().max(24 * 365).default(48),
  filterSeen: z.boolean().default(true),
  maxPerCategory: z.number().int().min(1).max(100).optional(),
  /** Never recommend items in these categories (e.g. 'adult' on a kids' shelf). */
  excludeCategories: z.array(Slug).max(50).optional(),
  /** Only items with one of these access levels; unset = all. */
  access: z.array(z.enum(['free', 'paid', 'member'])).min(1).optional(),
  /**
   * Only items of these kinds (e.g. ['course'] for a course shelf, ['video'] for "lessons for
   * you" when the tenant has its catalogue videos as items); unset = all.
   */
  kinds: z.array(ItemKind).min(1).max(8).optional(),
  /**
   * Paid / member items the user is not entitled to (no active enrolment in the course, no active
   * membership): `filter` drops them, `label` keeps them with `entitled: false`; unset = neither.
   */
  entitlement: z.enum(['filter', 'label']).optional(),
  /**
   * Impression fatigue: an item shown to the user this many times (impression events of the last
   * day) without any engagement is demoted for them. 0 turns it off; unset = DEFAULT_FATIGUE_IMPRESSIONS.
   */
  fatigueImpressions: z.number().int().min(0).max(1000).optional(),
  /**
   * Serving cost vs answer quality (unset = the defaults in brackets): the best
   * max(rankMin, rankPerItem·n) candidates by recall (at most 500) are scored by the model
   * [10 per requested item, at least 100], and MMR picks from the best mmrPoolPerItem·n of them
   * [4]. Smaller values cost less CPU per request and may change the answer.
   */
  rankPerItem: z.number().int().min(1).max(50).optional(),
  rankMin: z.number().int().min(1).max(500).optional(),
  mmrPoolPerItem: z.number().int().min(1).max(20).optional(),
});
export const DEFAULT_FATIGUE_IMPRESSIONS = 3;

/** Per-action weight of item heat; unspecified actions weigh 0. */
export const ActionWeights = z.partialRecord(z.enum(BEHAVIOUR_EVENT_TYPES as [BehaviourEventType, ...BehaviourEventType[]]), z.number().min(0).max(100));
export type ActionWeights = z.infer<typeof ActionWeights>;

export const ScenarioConfig = z.object({
  tenantId: TenantId,
  scenario: Slug,
  template: z.enum(['vlog', 'news', 'ecommerce', 'music', 'custom']).default('custom'),
  // No `features` list: the ranker's inputs are the RANKING_FEATURES (recommend-core.ts) for every
  // scenario; the per-scenario feature names this config once carried were read by nothing. Stored
  // configs and clients that still send the key parse as before (unknown keys are dropped).
  recall: z
    .array(RecallChannel)
    .min(1)
    .max(8)
    .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, 'each recall channel may appear once'),
  rankingModel: Slug.nullable().default(null),
  rerank: RerankRules.default({ diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true }),
  /**
   * Heat per action. Also what events without a scenario get (the stream's default): among them
   * the catalogue's own enrol and course_complete, which make a course hot (GET /v1/courses/hot).
   */
  actionWeights: ActionWeights.default({ impression: 0.1, click: 1, play_start: 2, play_complete: 5, like: 3, share: 4, comment: 3, purchase: 8, enrol: 6, course_complete: 8 }),
  /** Time constant of item-heat decay within the 1-hour window. */
  heatHalfLifeMinutes: z.number().positive().max(24 * 60).default(30),
});
export type ScenarioConfig = z.infer<typeof ScenarioConfig>;

export const ScenarioTemplateName = z.enum(['vlog', 'news', 'ecommerce', 'music']);
export type ScenarioTemplateName = z.infer<typeof ScenarioTemplateName>;

/** A scenario as stored: the config without its owner, which comes from the API key. */
export const ScenarioBody = ScenarioConfig.omit({ tenantId: true, scenario: true });
export type ScenarioBody = z.infer<typeof ScenarioBody>;

/**
 * Starting points per content type (user_cf, the offline whole-history list, wherever taste lasts
 * longer than the news cycle). News decays within hours and favours fresh items; e-commerce
 * leans on item-CF ("bought together") and filters nothing it has not seen bought; music mixes
 * embedding neighbours for taste; vlog balances heat and personalisation.
 */
export const SCENARIO_TEMPLATES: Record<ScenarioTemplateName, z.input<typeof ScenarioBody>> = {
  vlog: {
    template: 'vlog',
    recall: [
      { name: 'hot', weight: 1, size: 200 },
      { name: 'item_cf', weight: 1.5, size: 150 },
      { name: 'embedding', weight: 1.2, size: 100 },
      { name: 'fresh', weight: 0.6, size: 50 },
      { name: 'user_cf', weight: 1, size: 100 },
    ],
    rerank: { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 72, filterSeen: true, maxPerCategory: 5 },
    actionWeights: { impression: 0.1, click: 1, play_start: 2, play_complete: 5, like: 3, share: 4, comment: 3 },
    heatHalfLifeMinutes: 30,
  },
  news: {
    template: 'news',
    recall: [
      { name: 'fresh', weight: 1.5, size: 200 },
      { name: 'hot', weight: 1, size: 200 },
      { name: 'item_cf', weight: 0.7, size: 80 },
    ],
    rerank: { diversityLambda: 0.6, freshnessBoost: 1, freshnessHalfLifeHours: 6, filterSeen: true, maxPerCategory: 4 },
    actionWeights: { impression: 0.05, click: 1, share: 5, comment: 3, like: 2 },
    heatHalfLifeMinutes: 15,
  },
  ecommerce: {
    template: 'ecommerce',
    recall: [
      { name: 'item_cf', weight: 2, size: 200 },
      { name: 'hot', weight: 1, size: 150 },
      { name: 'embedding', weight: 1, size: 100 },
      { name: 'user_cf', weight: 1.5, size: 100 },
    ],
    rerank: { diversityLambda: 0.8, freshnessBoost: 0, freshnessHalfLifeHours: 720, filterSeen: false, maxPerCategory: 6 },
    actionWeights: { impression: 0.05, click: 1, like: 2, purchase: 10 },
    heatHalfLifeMinutes: 60,
  },
  music: {
    template: 'music',
    recall: [
      { name: 'embedding', weight: 1.6, size: 200 },
      { name: 'item_cf', weight: 1.3, size: 150 },
      { name: 'hot', weight: 0.8, size: 100 },
      { name: 'fresh', weight: 0.4, size: 30 },
      { name: 'user_cf', weight: 1, size: 100 },
    ],
    rerank: { diversityLambda: 0.5, freshnessBoost: 0.1, freshnessHalfLifeHours: 168, filterSeen: false, maxPerCategory: 3 },
    actionWeights: { impression: 0.05, click: 1, play_start: 1, play_complete: 4, like: 3, share: 3 },
    heatHalfLifeMinutes: 60,
  },
};

/** POST /v1/scenarios: a new scenario, optionally from a template; given fields override it. */
export const CreateScenarioRequest = ScenarioBody.partial().extend({
  scenario: Slug,
  template: ScenarioTemplateName.or(z.literal('custom')).optional(),
});
export type CreateScenarioRequest = z.infer<typeof CreateScenarioRequest>;

export const ScenarioRecord = ScenarioConfig.extend({
  version: z.number().int().min(1),
  updatedAt: z.iso.datetime(),
});
export type ScenarioRecord = z.infer<typeof ScenarioRecord>;
