-- Recommendation scenarios: one validated config (contracts ScenarioBody JSON) per tenant and name.
CREATE TABLE IF NOT EXISTS scenarios (
  tenant_id  TEXT NOT NULL REFERENCES tenants(tenant_id),
  scenario   TEXT NOT NULL,
  config     TEXT NOT NULL,
  version    INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, scenario)
);
