-- Recommendable items. The recommend path reads their compact features from the feature store;
-- synced = 0 marks rows whose latest change has not reached it yet (retried on the next write).
CREATE TABLE IF NOT EXISTS items (
  tenant_id    TEXT NOT NULL REFERENCES tenants(tenant_id),
  item_id      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  title        TEXT NOT NULL,
  title_lc     TEXT NOT NULL,
  categories   TEXT NOT NULL DEFAULT '[]',
  tags         TEXT NOT NULL DEFAULT '[]',
  author_id    TEXT,
  state        TEXT NOT NULL CHECK (state IN ('draft', 'scheduled', 'published', 'unpublished')),
  published_at TEXT,
  unpublish_at TEXT,
  access       TEXT NOT NULL DEFAULT 'free',
  embedding    TEXT,
  updated_at   TEXT NOT NULL,
  synced       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX IF NOT EXISTS items_unsynced ON items(tenant_id, synced) WHERE synced = 0;

-- Category and tag membership for search (kind 'c' = category, 't' = tag).
CREATE TABLE IF NOT EXISTS item_labels (
  tenant_id TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('c', 't')),
  label     TEXT NOT NULL,
  item_id   TEXT NOT NULL,
  PRIMARY KEY (tenant_id, kind, label, item_id)
);
CREATE INDEX IF NOT EXISTS item_labels_item ON item_labels(tenant_id, item_id);
