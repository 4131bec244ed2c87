-- Every validated behaviour event, as the raw-events consumer wrote it. Redelivered Kafka messages
-- carry the same event_id and collapse on merge (and under FINAL); insert dedup tokens stop a
-- replayed batch from even creating a second part.
CREATE TABLE IF NOT EXISTS events_raw
(
    event_id        String,
    tenant_id       LowCardinality(String),
    user_id         String,
    item_id         String,
    type            LowCardinality(String),
    scenario        LowCardinality(String),
    experiment_id   LowCardinality(String),
    variant         LowCardinality(String),
    event_time      DateTime64(3, 'UTC'),
    ingest_time     DateTime64(3, 'UTC'),
    watched_seconds Float64,
    payload         String CODEC(ZSTD(3)),
    kafka_partition UInt32,
    kafka_offset    UInt64
)
ENGINE = ReplacingMergeTree(ingest_time)
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (tenant_id, type, event_time, event_id)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
