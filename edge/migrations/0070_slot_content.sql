-- Slot content (issue 19): banners, announcements and recommendation slots. Each is live while
-- `status` is 'published' (set by an operator, or by a schedule of the same kind and id, which also
-- writes content_publish_state) and the visibility rule shows it to the viewer.
CREATE TABLE IF NOT EXISTS banners (
  tenant_id  TEXT NOT NULL,
  banner_id  TEXT NOT NULL,
  placement  TEXT NOT NULL,
  image_url  TEXT NOT NULL,
  link_url   TEXT NOT NULL,
  title      TEXT NOT NULL,
  priority   INTEGER NOT NULL DEFAULT 50,
  status     TEXT NOT NULL DEFAULT 'draft',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, banner_id)
);
CREATE INDEX IF NOT EXISTS banners_by_placement ON banners (tenant_id, placement, status);

CREATE TABLE IF NOT EXISTS announcements (
  tenant_id       TEXT NOT NULL,
  announcement_id TEXT NOT NULL,
  title           TEXT NOT NULL,
  body            TEXT NOT NULL,
  severity        TEXT NOT NULL DEFAULT 'info',
  priority        INTEGER NOT NULL DEFAULT 50,
  status          TEXT NOT NULL DEFAULT 'draft',
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, announcement_id)
);
CREATE INDEX IF NOT EXISTS announcements_by_status ON announcements (tenant_id, status);

CREATE TABLE IF NOT EXISTS recommendation_slots (
  tenant_id  TEXT NOT NULL,
  slot_id    TEXT NOT NULL,
  scenario   TEXT NOT NULL,
  position   INTEGER NOT NULL,
  item_id    TEXT NOT NULL,
  priority   INTEGER NOT NULL DEFAULT 50,
  status     TEXT NOT NULL DEFAULT 'draft',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, slot_id)
);
CREATE INDEX IF NOT EXISTS recommendation_slots_by_scenario ON recommendation_slots (tenant_id, scenario, status);
