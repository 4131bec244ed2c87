import { Experiment, ExperimentVariant, type ExperimentBody } from '@vidplat/contracts';
import { SwrCache, type WaitUntil } from '../tenancy/swr-cache.js';
import { z } from 'zod';

interface Row {
  tenant_id: string;
  experiment_id: string;
  scenario: string;
  status: string;
  salt: string;
  variants: string;
  created_at: string;
  updated_at: string;
}

const toExperiment = (r: Row): Experiment =>
  Experiment.parse({
    tenantId: r.tenant_id,
    experimentId: r.experiment_id,
    scenario: r.scenario,
    status: r.status,
    salt: r.salt,
    variants: z.array(ExperimentVariant).parse(JSON.parse(r.variants)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

/** Experiments in D1, scoped to one tenant per call. */
export class ExperimentStore {
  constructor(private readonly db: D1Database) {}

  async get(tenantId: string, id: string): Promise<Experiment | null> {
    const r = await this.db.prepare('SELECT * FROM experiments WHERE tenant_id = ?1 AND experiment_id = ?2').bind(tenantId, id).first<Row>();
    return r ? toExperiment(r) : null;
  }

  async list(tenantId: string): Promise<Experiment[]> {
    const { results } = await this.db.prepare('SELECT * FROM experiments WHERE tenant_id = ?1 ORDER BY experiment_id').bind(tenantId).all<Row>();
    return results.map(toExperiment);
  }

  async running(tenantId: string, scenario: string): Promise<Experiment | null> {
    const r = await this.db
      .prepare(`SELECT * FROM experiments WHERE tenant_id = ?1 AND scenario = ?2 AND status = 'running'`)
      .bind(tenantId, scenario)
      .first<Row>();
    return r ? toExperiment(r) : null;
  }

  /** Insert or replace; 'conflict' when another experiment already runs on the scenario. */
  async put(tenantId: string, id: string, body: ExperimentBody): Promise<Experiment | 'conflict'> {
    const now = new Date().toISOString();
    const prev = await this.get(tenantId, id);
    // Keeping the salt keeps every user's assignment stable across edits of weights or overrides.
    const salt = body.salt ?? prev?.salt ?? `${id}:${crypto.randomUUID()}`;
    try {
      await this.db
        .prepare(
          `INSERT INTO experiments (tenant_id, experiment_id, scenario, status, salt, variants, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
           ON CONFLICT (tenant_id, experiment_id) DO UPDATE SET scenario = excluded.scenario, status = excluded.status,
             salt = excluded.salt, variants = excluded.variants, updated_at = excluded.updated_at`,
        )
        .bind(tenantId, id, body.scenario, body.status, salt, JSON.stringify(body.variants), now)
        .run();
    } catch (e) {
      if (String(e).includes('UNIQUE')) return 'conflict';
      throw e;
    }
    forget(tenantId, body.scenario);
    if (prev) forget(tenantId, prev.scenario);
    return (await this.get(tenantId, id))!;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const prev = await this.get(tenantId, id);
    if (!prev) return false;
    await this.db.prepare('DELETE FROM experiments WHERE tenant_id = ?1 AND experiment_id = ?2').bind(tenantId, id).run();
    forget(tenantId, prev.scenario);
    return true;
  }
}

/** Per-isolate cache of the running experiment of a scenario (null cached too), like scenarios. */
const cache = new SwrCache<Experiment | null>(5_000, 10_000, 5_000, 'experiments');
const forget = (t: string, s: string) => cache.delete(`${t}/${s}`);

/** The cached running experiment when it needs no reload yet, without a promise; undefined: call cachedRunningExperiment. */
export function freshRunningExperiment(tenantId: string, scenario: string, now = Date.now()): Experiment | null | undefined {
  return cache.peek(`${tenantId}/${scenario}`, now);
}

export async function cachedRunningExperiment(db: D1Database, tenantId: string, scenario: string, now = Date.now(), waitUntil?: WaitUntil): Promise<Experiment | null> {
  return cache.get(`${tenantId}/${scenario}`, () => new ExperimentStore(db).running(tenantId, scenario), waitUntil, now);
}
