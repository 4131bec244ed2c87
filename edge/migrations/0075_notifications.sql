-- Notifications (issue 19): who follows what, and which LINE user a platform user is.

-- A user following a series, course, channel (instructor) or video: told when it is published
-- or about to be (schedule reminders).
CREATE TABLE IF NOT EXISTS subscriptions (
  tenant_id   TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('series', 'course', 'channel', 'video')),
  target_id   TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, target_kind, target_id, user_id)
);
CREATE INDEX IF NOT EXISTS subscriptions_user ON subscriptions(tenant_id, user_id);

-- Platform user ↔ LINE user id: the messaging API addresses LINE ids, never platform ids.
-- Audience resolution (campaigns, notifier push) skips users without a row here.
CREATE TABLE IF NOT EXISTS line_links (
  tenant_id    TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  line_user_id TEXT NOT NULL,
  linked_at    TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS line_links_line ON line_links(tenant_id, line_user_id);
