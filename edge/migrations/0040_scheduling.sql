-- Publish state the Scheduler writes when it publishes / unpublishes content. The read path
-- (catalogue, recommender filters) sees it here; for courses the catalogue's own status column is
-- updated as well. One row per content item; `version` is the schedule occurrence that wrote it,
-- so a re-fired alarm writes the same row again (idempotent).
CREATE TABLE IF NOT EXISTS content_publish_state (
  tenant_id    TEXT NOT NULL,
  content_kind TEXT NOT NULL,
  content_id   TEXT NOT NULL,
  published    INTEGER NOT NULL,
  -- progressive rollout: share of users that see it (100 = everyone)
  percent      REAL NOT NULL DEFAULT 100,
  -- A/B: JSON [{variant, contentId, percent}] or NULL
  variants     TEXT,
  schedule_id  TEXT NOT NULL,
  occurrence   INTEGER NOT NULL,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (tenant_id, content_kind, content_id)
);

-- Campaigns live in one Durable Object each; this index lets a tenant list them.
CREATE TABLE IF NOT EXISTS campaigns_index (
  tenant_id   TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT NOT NULL,
  send_at     TEXT,
  sent_count  INTEGER NOT NULL DEFAULT 0,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, campaign_id)
);
