-- Item heat as 15-minute panes: one row per (tenant, scenario, item, pane, source partition)
-- instead of one per 1-hour window — each event is in one pane but in four hopping windows, so
-- the job writes a quarter of the rows. heat_micro[k+1] is the pane's heat decayed to the end of
-- the k-th window containing it (window end = pane_end + 15·k minutes, k = 0..3), each event
-- rounded on its own exactly as a window row would be: the windows below sum integers and equal
-- what item_heat_windows held. The row is written when the window ending with the pane fires
-- (and again if a late event within the allowed lateness updates it); version = events folded in.
-- first_window > 0: a correction row for events that came after the window ending with their pane
-- was purged but while later windows containing them were open; it counts from window k =
-- first_window on (heat_micro[k+1] = 0 before that), so every window still sums what it counted.
CREATE TABLE IF NOT EXISTS item_heat_panes
(
    tenant_id        LowCardinality(String),
    scenario         LowCardinality(String),
    item_id          String,
    pane_start       DateTime64(3, 'UTC'),
    pane_end         DateTime64(3, 'UTC'),
    source_partition UInt16,
    first_window     UInt8,
    events           UInt64,
    impressions      UInt64,
    clicks           UInt64,
    plays            UInt64,
    completes        UInt64,
    likes            UInt64,
    shares           UInt64,
    comments         UInt64,
    purchases        UInt64,
    heat_micro       Array(Int64),
    version          UInt64,
    emitted_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(pane_start)
ORDER BY (tenant_id, scenario, pane_start, item_id, source_partition, first_window)
TTL toDateTime(pane_start) + INTERVAL 90 DAY;

-- The 1-hour windows (15-minute hop) the hot lists and dashboards read: every pane contributes to
-- the four windows that contain it. One row per window, pane and source partition; readers sum.
CREATE VIEW IF NOT EXISTS item_heat_pane_windows AS
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
    heat_micro[k + 1] AS heat_micro
FROM item_heat_panes FINAL
ARRAY JOIN range(4) AS k
WHERE k >= first_window;
