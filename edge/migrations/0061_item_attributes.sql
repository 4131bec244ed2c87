-- Tenant-defined item attributes (issue 21): the typed map on the item row, one index row per
-- value (a list has one per element) for filters, and each tenant's attribute names with their
-- type (a name keeps one type, so filters know how to compare and unknown names are refused).
ALTER TABLE items ADD COLUMN attributes TEXT;

CREATE TABLE IF NOT EXISTS item_attribute_values (
  tenant_id TEXT NOT NULL,
  item_id   TEXT NOT NULL,
  name      TEXT NOT NULL,
  s         TEXT,
  n         REAL
);
CREATE INDEX IF NOT EXISTS item_attribute_values_s ON item_attribute_values(tenant_id, name, s);
CREATE INDEX IF NOT EXISTS item_attribute_values_n ON item_attribute_values(tenant_id, name, n);
CREATE INDEX IF NOT EXISTS item_attribute_values_item ON item_attribute_values(tenant_id, item_id);

CREATE TABLE IF NOT EXISTS item_attribute_names (
  tenant_id TEXT NOT NULL,
  name      TEXT NOT NULL,
  type      TEXT NOT NULL CHECK (type IN ('string', 'number', 'boolean', 'list')),
  PRIMARY KEY (tenant_id, name)
);
