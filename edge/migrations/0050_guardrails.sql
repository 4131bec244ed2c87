-- Guardrails (issue 20): per-tenant limits set by the platform operator (JSON TenantLimits,
-- defaults in contracts apply when there is no row) and daily usage counted for quotas.
CREATE TABLE IF NOT EXISTS tenant_limits (
  tenant_id  TEXT PRIMARY KEY REFERENCES tenants(tenant_id),
  limits     TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tenant_usage (
  tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
  day       TEXT NOT NULL,
  events    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day)
);

-- Bytes of each video's uploaded source (tus Upload-Length), summed for the mediaBytes quota.
ALTER TABLE videos ADD COLUMN source_bytes INTEGER NOT NULL DEFAULT 0;
