-- A/B experiments on a scenario: weighted variants with config overrides (contracts Experiment).
CREATE TABLE IF NOT EXISTS experiments (
  tenant_id     TEXT NOT NULL REFERENCES tenants(tenant_id),
  experiment_id TEXT NOT NULL,
  scenario      TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('draft', 'running', 'stopped')),
  salt          TEXT NOT NULL,
  variants      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (tenant_id, experiment_id)
);
-- At most one running experiment per scenario keeps assignment unambiguous.
CREATE UNIQUE INDEX IF NOT EXISTS experiments_running ON experiments(tenant_id, scenario) WHERE status = 'running';
