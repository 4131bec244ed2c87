-- Side output of the window jobs: events that arrived after every window they belong to was
-- final (beyond the allowed lateness). Nothing is silently dropped; a replay rewrites the same rows.
CREATE TABLE IF NOT EXISTS late_events
(
    job              LowCardinality(String),
    tenant_id        LowCardinality(String),
    event_id         String,
    event_time       DateTime64(3, 'UTC'),
    watermark        DateTime64(3, 'UTC'),
    source_partition UInt16,
    source_offset    UInt64,
    payload          String CODEC(ZSTD(3)),
    recorded_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(recorded_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (job, tenant_id, event_id)
TTL toDateTime(recorded_at) + INTERVAL 30 DAY;
