-- Catalogue (issue 6): category tree, tags, courses, chapters, videos. Every row is keyed by tenant
-- first, so each query filters by the caller's tenant. Deletes are soft (deleted_at).
CREATE TABLE IF NOT EXISTS categories (
  tenant_id   TEXT NOT NULL,
  category_id TEXT NOT NULL,
  parent_id   TEXT,
  name        TEXT NOT NULL,
  level       INTEGER NOT NULL,
  -- ancestor ids joined by '/', ending with the category's own id: subtree = path prefix
  path        TEXT NOT NULL,
  sort_order  INTEGER NOT NULL DEFAULT 0,
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  deleted_at  TEXT,
  PRIMARY KEY (tenant_id, category_id)
);
CREATE INDEX IF NOT EXISTS categories_path ON categories(tenant_id, path);

CREATE TABLE IF NOT EXISTS tags (
  tenant_id TEXT NOT NULL,
  tag_id    TEXT NOT NULL,
  name      TEXT NOT NULL,
  type      TEXT NOT NULL CHECK (type IN ('general', 'level', 'body_part', 'goal')),
  color     TEXT NOT NULL,
  PRIMARY KEY (tenant_id, tag_id)
);

CREATE TABLE IF NOT EXISTS courses (
  tenant_id     TEXT NOT NULL,
  course_id     TEXT NOT NULL,
  category_id   TEXT NOT NULL,
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  type          TEXT NOT NULL DEFAULT 'video',
  level         TEXT NOT NULL,
  instructor_id TEXT NOT NULL,
  price_cents   INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  access        TEXT NOT NULL CHECK (access IN ('free', 'paid', 'member')),
  status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'published', 'unpublished')),
  rating        REAL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  published_at  TEXT,
  deleted_at    TEXT,
  PRIMARY KEY (tenant_id, course_id)
);
CREATE INDEX IF NOT EXISTS courses_category ON courses(tenant_id, category_id);
CREATE INDEX IF NOT EXISTS courses_instructor ON courses(tenant_id, instructor_id);

CREATE TABLE IF NOT EXISTS course_tags (
  tenant_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  tag_id    TEXT NOT NULL,
  PRIMARY KEY (tenant_id, course_id, tag_id)
);
CREATE INDEX IF NOT EXISTS course_tags_tag ON course_tags(tenant_id, tag_id);

CREATE TABLE IF NOT EXISTS chapters (
  tenant_id  TEXT NOT NULL,
  chapter_id TEXT NOT NULL,
  course_id  TEXT NOT NULL,
  title      TEXT NOT NULL,
  sort_order INTEGER NOT NULL DEFAULT 0,
  free       INTEGER NOT NULL DEFAULT 0,
  locked     INTEGER NOT NULL DEFAULT 0,
  deleted_at TEXT,
  PRIMARY KEY (tenant_id, chapter_id)
);
CREATE INDEX IF NOT EXISTS chapters_course ON chapters(tenant_id, course_id);

CREATE TABLE IF NOT EXISTS videos (
  tenant_id        TEXT NOT NULL,
  video_id         TEXT NOT NULL,
  course_id        TEXT,
  chapter_id       TEXT,
  title            TEXT NOT NULL,
  sort_order       INTEGER NOT NULL DEFAULT 0,
  duration_seconds REAL NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
  free             INTEGER NOT NULL DEFAULT 0,
  trial_seconds    INTEGER NOT NULL DEFAULT 0 CHECK (trial_seconds >= 0),
  renditions       TEXT NOT NULL DEFAULT '[]',
  status           TEXT NOT NULL DEFAULT 'uploading' CHECK (status IN ('uploading', 'transcoding', 'ready', 'failed')),
  failure_reason   TEXT,
  source_uri       TEXT,
  last_job_id      TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  deleted_at       TEXT,
  PRIMARY KEY (tenant_id, video_id)
);
CREATE INDEX IF NOT EXISTS videos_course ON videos(tenant_id, course_id);
