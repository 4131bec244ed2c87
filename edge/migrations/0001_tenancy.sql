-- Tenants and their API keys. Keys are stored as SHA-256 hashes; the clear key is shown once.
CREATE TABLE IF NOT EXISTS tenants (
  tenant_id  TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
  key_id     TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(tenant_id),
  key_hash   TEXT NOT NULL UNIQUE,
  role       TEXT NOT NULL CHECK (role IN ('tenant', 'admin', 'senior', 'super', 'instructor')),
  user_id    TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys(tenant_id);
