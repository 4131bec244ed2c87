-- dislike / hide events (negative feedback): counted beside the other actions, and per user window
-- the items the user turned down (item → last dislike/hide, epoch ms), from which the profile job
-- repairs the edge's real-time list of blocked items when the edge's own write was lost.
ALTER TABLE item_heat_panes ADD COLUMN IF NOT EXISTS dislikes UInt64 DEFAULT 0 AFTER purchases;
ALTER TABLE item_heat_panes ADD COLUMN IF NOT EXISTS hides UInt64 DEFAULT 0 AFTER dislikes;
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS dislikes UInt64 DEFAULT 0 AFTER purchases;
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS hides UInt64 DEFAULT 0 AFTER dislikes;
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS items_negative Map(String, Int64) AFTER items_last;
