-- Window-job checkpoints too large for Kafka commit metadata (offset.metadata.max.bytes, 4096 by
-- default): with watermarks per tenant, a partition carrying many tenants outgrows it. The commit
-- metadata then holds only the sha-256 of the body stored here (content-addressed: a retried
-- insert writes the same row). Written before the offset commit that refers to it; read when a
-- member takes the partition over.
CREATE TABLE IF NOT EXISTS window_checkpoints
(
    ref        FixedString(64),
    job_group  LowCardinality(String),
    partition  UInt16,
    body       String CODEC(ZSTD(3)),
    written_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(written_at)
ORDER BY ref
TTL toDateTime(written_at) + INTERVAL 90 DAY;
