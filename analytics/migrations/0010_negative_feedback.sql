-- dislike / hide events (negative feedback): counted beside the other actions, and per user window
-- the items the user turned down (item → last dislike/hide, epoch ms), from which the profile job
-- repairs the edge's real-time list of blocked items when the edge's own write was lost.
ALTER TABLE item_heat_panes ADD COLUMN IF NOT EXISTS dislikes UInt64 DEFAULT 0 AFTER purchases;
ALTER TABLE item_heat_panes ADD COLUMN IF NOT EXISTS hides UInt64 DEFAULT 0 AFTER dislikes;
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS dislikes UInt64 DEFAULT 0 AFTER purchases;
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS hides UInt64 DEFAULT 0 AFTER dislikes;
ALTER TABLE user_profile_windows ADD COLUMN IF NOT EXISTS items_negative Map(String, Int64) AFTER items_last;
CREATE OR REPLACE VIEW item_heat_pane_windows AS
SELECT
    tenant_id,
    scenario,
    item_id,
    addMinutes(pane_end, 15 * k - 60) AS window_start,
    addMinutes(pane_end, 15 * k) AS window_end,
    source_partition,
    events,
    impressions,
    clicks,
    plays,
    completes,
    likes,
    shares,
    comments,
    purchases,
    dislikes,
    hides,
    heat_micro[k + 1] AS heat_micro
FROM item_heat_panes FINAL
ARRAY JOIN range(4) AS k
WHERE k >= first_window;
