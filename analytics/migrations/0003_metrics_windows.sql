-- Real-time recommendation metrics per 1-minute window and tenant / scenario / item / experiment
-- variant, one row per source partition. Ratios (CTR, completion rate, ...) are derived at query
-- time from the summed counts so they stay exact.
CREATE TABLE IF NOT EXISTS metrics_windows
(
    tenant_id        LowCardinality(String),
    scenario         LowCardinality(String),
    item_id          String,
    experiment_id    LowCardinality(String),
    variant          LowCardinality(String),
    window_start     DateTime64(3, 'UTC'),
    window_end       DateTime64(3, 'UTC'),
    source_partition UInt16,
    events           UInt64,
    impressions      UInt64,
    clicks           UInt64,
    plays            UInt64,
    completes        UInt64,
    interactions     UInt64,
    watch_ms         UInt64,
    version          UInt64,
    emitted_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (tenant_id, window_start, scenario, experiment_id, variant, item_id, source_partition)
TTL toDateTime(window_start) + INTERVAL 90 DAY;
