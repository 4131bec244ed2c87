import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { Slug, TenantId } from './ids.js';
import { RecallChannel, RerankRules } from './scenarios.js';

type WithoutDefaults<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer T> ? T : S[K]> };

/**
 * The fields of `o`, each optional and without its default. `.partial()` is not enough: zod 4
 * still fills a default into an absent optional field, so an override naming only
 * `diversityLambda` came back with `freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen:
 * true` and silently reset what the scenario had.
 */
function withoutDefaults<S extends z.ZodRawShape>(o: z.ZodObject<S>): z.ZodObject<WithoutDefaults<S>> {
  const shape = Object.fromEntries(
    Object.entries(o.shape).map(([k, f]) => [k, (f instanceof z.ZodDefault ? (f.unwrap() as z.ZodType) : (f as z.ZodType)).optional()]),
  );
  return z.object(shape) as unknown as z.ZodObject<WithoutDefaults<S>>;
}

/** Re-rank fields a variant may set; only the ones it names change. */
export const RerankOverride = withoutDefaults(RerankRules);
export type RerankOverride = z.infer<typeof RerankOverride>;

/**
 * What a variant may change in its scenario's config; unset fields keep the scenario's. `recall`
 * is a whole channel mix (it replaces the scenario's list); `rerank` merges field by field.
 */
export const ScenarioOverride = z.object({
  recall: z.array(RecallChannel).min(1).max(8).optional(),
  rankingModel: Slug.nullable().optional(),
  rerank: RerankOverride.optional(),
});
export type ScenarioOverride = z.infer<typeof ScenarioOverride>;

export const ExperimentVariant = z.object({
  name: Slug,
  /** Relative traffic share; shares are normalised over the variants. */
  weight: z.number().min(0).max(1000),
  overrides: ScenarioOverride.default({}),
});
export type ExperimentVariant = z.infer<typeof ExperimentVariant>;

export const ExperimentBody = z.object({
  scenario: Slug,
  status: z.enum(['draft', 'running', 'stopped']).default('running'),
  /** Hash salt: a new salt reshuffles users, keeping it keeps assignments stable across edits. */
  salt: z.string().min(1).max(64).optional(),
  variants: z
    .array(ExperimentVariant)
    .min(2)
    .max(10)
    .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, 'variant names must be unique')
    .refine((vs) => vs.some((v) => v.weight > 0), 'at least one variant needs a positive weight'),
});
export type ExperimentBody = z.infer<typeof ExperimentBody>;

export const CreateExperimentRequest = ExperimentBody.extend({ experimentId: Slug });
export type CreateExperimentRequest = z.infer<typeof CreateExperimentRequest>;

export const Experiment = ExperimentBody.extend({
  tenantId: TenantId,
  experimentId: Slug,
  salt: z.string(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Experiment = z.infer<typeof Experiment>;

/** Assignment of one user, e.g. for clients that render variant-specific UI. */
export const ExperimentAssignment = z.object({ experimentId: Slug, variant: Slug, userId: Slug });
