-- End-user identity (issue 15): what a server key may do beyond its role, and the keys a tenant
-- signs end-user tokens with.
-- permissions: comma-separated KeyPermission values ('' = none); 'act_as_user' lets a server key
-- name the end user it acts for.
ALTER TABLE api_keys ADD COLUMN permissions TEXT NOT NULL DEFAULT '';

-- HS256 rows hold the shared secret (never returned by the API, never logged); ES256 rows hold
-- the public JWK only.
CREATE TABLE IF NOT EXISTS user_token_keys (
  tenant_id  TEXT NOT NULL REFERENCES tenants(tenant_id),
  kid        TEXT NOT NULL,
  alg        TEXT NOT NULL CHECK (alg IN ('HS256', 'ES256')),
  secret     TEXT,
  public_jwk TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  PRIMARY KEY (tenant_id, kid)
);
