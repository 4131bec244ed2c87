import { ScenarioBody, ScenarioConfig, ScenarioRecord, type ScenarioTemplateName, SCENARIO_TEMPLATES } from '@vidplat/contracts';
import { SwrCache, type WaitUntil } from '../tenancy/swr-cache.js';

interface Row {
  tenant_id: string;
  scenario: string;
  config: string;
  version: number;
  updated_at: string;
}

const toRecord = (r: Row): ScenarioRecord =>
  ScenarioRecord.parse({ ...JSON.parse(r.config), tenantId: r.tenant_id, scenario: r.scenario, version: r.version, updatedAt: r.updated_at });

/** A template's full config, every default filled in. */
export function templateConfig(name: ScenarioTemplateName): ScenarioBody {
  return ScenarioBody.parse(SCENARIO_TEMPLATES[name]);
}

/** Scenario configs in D1, always read and written for one tenant: the key's. */
export class ScenarioStore {
  constructor(private readonly db: D1Database) {}

  async get(tenantId: string, scenario: string): Promise<ScenarioRecord | null> {
    const r = await this.db.prepare('SELECT * FROM scenarios WHERE tenant_id = ?1 AND scenario = ?2').bind(tenantId, scenario).first<Row>();
    return r ? toRecord(r) : null;
  }

  async list(tenantId: string): Promise<ScenarioRecord[]> {
    const { results } = await this.db.prepare('SELECT * FROM scenarios WHERE tenant_id = ?1 ORDER BY scenario').bind(tenantId).all<Row>();
    return results.map(toRecord);
  }

  /** Inserts; false when the name is taken. */
  async create(tenantId: string, scenario: string, body: ScenarioBody): Promise<ScenarioRecord | null> {
    const now = new Date().toISOString();
    const r = await this.db
      .prepare('INSERT INTO scenarios (tenant_id, scenario, config, version, updated_at) VALUES (?1, ?2, ?3, 1, ?4) ON CONFLICT DO NOTHING')
      .bind(tenantId, scenario, JSON.stringify(body), now)
      .run();
    forget(tenantId, scenario);
    return r.meta.changes ? this.get(tenantId, scenario) : null;
  }

  async replace(tenantId: string, scenario: string, body: ScenarioBody): Promise<ScenarioRecord | null> {
    const r = await this.db
      .prepare('UPDATE scenarios SET config = ?3, version = version + 1, updated_at = ?4 WHERE tenant_id = ?1 AND scenario = ?2')
      .bind(tenantId, scenario, JSON.stringify(body), new Date().toISOString())
      .run();
    forget(tenantId, scenario);
    return r.meta.changes ? this.get(tenantId, scenario) : null;
  }

  async delete(tenantId: string, scenario: string): Promise<boolean> {
    const r = await this.db.prepare('DELETE FROM scenarios WHERE tenant_id = ?1 AND scenario = ?2').bind(tenantId, scenario).run();
    forget(tenantId, scenario);
    return r.meta.changes > 0;
  }
}

/**
 * Per-isolate cache of scenario configs for the recommend path (D1 stays off it after the first
 * request): reloaded in the background after 5 s, never served older than 10 s, so edits made
 * through another isolate show up within 10 s (through this one at once, see forget).
 */
const cache = new SwrCache<ScenarioConfig | null>(5_000, 10_000, 5_000, 'scenarios');
const forget = (t: string, s: string) => cache.delete(`${t}/${s}`);

/** The cached scenario when it needs no reload yet, without a promise; undefined: call cachedScenario. */
export function freshScenario(tenantId: string, scenario: string, now = Date.now()): ScenarioConfig | null | undefined {
  return cache.peek(`${tenantId}/${scenario}`, now);
}

export async function cachedScenario(db: D1Database, tenantId: string, scenario: string, now = Date.now(), waitUntil?: WaitUntil): Promise<ScenarioConfig | null> {
  return cache.get(`${tenantId}/${scenario}`, async () => {
    const rec = await new ScenarioStore(db).get(tenantId, scenario);
    return rec ? ScenarioConfig.parse(rec) : null;
  }, waitUntil, now);
}
