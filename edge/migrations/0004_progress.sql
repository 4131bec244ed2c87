-- Learning progress per user and video (issue 6), and events that could not reach ingest yet.
CREATE TABLE IF NOT EXISTS video_progress (
  tenant_id            TEXT NOT NULL,
  user_id              TEXT NOT NULL,
  video_id             TEXT NOT NULL,
  course_id            TEXT,
  position_seconds     REAL NOT NULL,
  duration_seconds     REAL NOT NULL,
  max_position_seconds REAL NOT NULL,
  watched_seconds      REAL NOT NULL DEFAULT 0,
  completed_at         TEXT,
  device               TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id, video_id)
);
CREATE INDEX IF NOT EXISTS video_progress_course ON video_progress(tenant_id, user_id, course_id);

-- Outbox: behaviour events whose forwarding failed; drained on later progress reports.
CREATE TABLE IF NOT EXISTS event_outbox (
  event_id   TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL,
  body       TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS event_outbox_tenant ON event_outbox(tenant_id, created_at);
