-- Per-tenant catalogue options (issue 21): videos_as_items = every catalogue video is also a
-- recommender item (kind video), besides the courses.
CREATE TABLE IF NOT EXISTS catalogue_settings (
  tenant_id       TEXT PRIMARY KEY,
  videos_as_items INTEGER NOT NULL DEFAULT 0,
  updated_at      TEXT NOT NULL
);
