-- Course completions (issue 21): the first time a learner has completed every ready video of a
-- course. One row per learner and course, never rewritten; event_id is the course_complete event
-- written to the outbox in the same batch, so a completion is announced exactly once.
CREATE TABLE IF NOT EXISTS course_completions (
  tenant_id     TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  course_id     TEXT NOT NULL,
  completed_at  TEXT NOT NULL,
  videos        INTEGER NOT NULL,
  watch_seconds REAL NOT NULL,
  event_id      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, course_id, user_id)
);
CREATE INDEX IF NOT EXISTS course_completions_user ON course_completions(tenant_id, user_id);
