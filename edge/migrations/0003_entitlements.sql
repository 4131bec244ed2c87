-- Enrolments (free / paid / trial, with validity), memberships and trial grants (issue 6).
CREATE TABLE IF NOT EXISTS enrolments (
  enrolment_id     TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL,
  user_id          TEXT NOT NULL,
  course_id        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('free', 'paid', 'trial')),
  order_id         TEXT,
  price_paid_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_paid_cents >= 0),
  valid_from       TEXT NOT NULL,
  valid_until      TEXT,
  created_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS enrolments_user_course ON enrolments(tenant_id, user_id, course_id);
-- An order is recorded once per tenant (retries of the same purchase are idempotent).
CREATE UNIQUE INDEX IF NOT EXISTS enrolments_order ON enrolments(tenant_id, order_id) WHERE order_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS memberships (
  tenant_id   TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  plan        TEXT NOT NULL,
  valid_from  TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);

-- First time the server granted a trial of a video to a user: the trial's wall-clock window starts
-- here and nothing the client reports can move it.
CREATE TABLE IF NOT EXISTS trial_grants (
  tenant_id  TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  video_id   TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id, video_id)
);
