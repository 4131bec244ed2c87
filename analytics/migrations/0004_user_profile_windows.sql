-- User activity per 5-minute window (behaviour-events are keyed tenant:user, so a user's window
-- lives in one partition). Preference maps hold interaction weights in 1/1000 units; the profile
-- vector with exponential decay across windows is derived from these rows.
CREATE TABLE IF NOT EXISTS user_profile_windows
(
    tenant_id        LowCardinality(String),
    user_id          String,
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
    watch_ms         UInt64,
    categories       Map(String, Int64),
    authors          Map(String, Int64),
    items            Map(String, Int64),
    active_hours     Array(UInt8),
    version          UInt64,
    emitted_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (tenant_id, user_id, window_start, source_partition)
TTL toDateTime(window_start) + INTERVAL 90 DAY;
