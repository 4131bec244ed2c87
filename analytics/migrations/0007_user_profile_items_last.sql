-- Last interaction time (epoch ms) per item within the window, for the edge's recent-items list.
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS items_last Map(String, Int64) AFTER items;
