-- Early (provisional) item heat of the open 15-minute pane, per source partition, written by the
-- item-heat job every ITEM_HEAT_EARLY_MS while the pane is open, so the hot list moves within a
-- minute. heat_micro is the pane's heat decayed to the end of the window that closes with it.
-- Never read for final results: item_heat_panes is written when the window fires, as before. The
-- rows only matter for the hour they describe.
CREATE TABLE IF NOT EXISTS item_heat_early
(
    tenant_id        LowCardinality(String),
    scenario         LowCardinality(String),
    item_id          String,
    pane_end         DateTime64(3, 'UTC'),
    source_partition UInt16,
    events           UInt64,
    heat_micro       Int64,
    emitted_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(emitted_at)
PARTITION BY toYYYYMMDD(pane_end)
ORDER BY (tenant_id, scenario, pane_end, item_id, source_partition)
TTL toDateTime(pane_end) + INTERVAL 1 DAY;
