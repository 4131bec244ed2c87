-- Item heat per 1-hour window, hopping every 15 minutes, one row per source Kafka partition (the
-- item-heat job aggregates each partition on its own so a replay rebuilds identical rows). The key
-- is deterministic; version = events folded in, so the most complete version of a row wins.
-- Readers: sum over source_partition, FROM ... FINAL.
CREATE TABLE IF NOT EXISTS item_heat_windows
(
    tenant_id        LowCardinality(String),
    scenario         LowCardinality(String),
    item_id          String,
    window_start     DateTime64(3, 'UTC'),
    window_end       DateTime64(3, 'UTC'),
    source_partition UInt16,
    events           UInt64,
    impressions      UInt64,
    clicks           UInt64,
    plays            UInt64,
    completes        UInt64,
    likes            UInt64,
    shares           UInt64,
    comments         UInt64,
    purchases        UInt64,
    heat_micro       Int64,
    version          UInt64,
    emitted_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (tenant_id, scenario, window_start, item_id, source_partition)
TTL toDateTime(window_start) + INTERVAL 90 DAY;
