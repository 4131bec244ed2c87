-- Learner ratings and reviews (issue 21): one per enrolled learner and course, with a moderation
-- state; the course's rating (courses.rating) is the mean of its published reviews.
CREATE TABLE IF NOT EXISTS course_reviews (
  tenant_id  TEXT NOT NULL,
  course_id  TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title      TEXT NOT NULL DEFAULT '',
  body       TEXT NOT NULL DEFAULT '',
  status     TEXT NOT NULL CHECK (status IN ('published', 'pending', 'hidden')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, course_id, user_id)
);
CREATE INDEX IF NOT EXISTS course_reviews_status ON course_reviews(tenant_id, course_id, status);
