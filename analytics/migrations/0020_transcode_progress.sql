-- Every transcode progress event (queued → running → done / failed / cancelled), copied from the
-- transcode-progress topic; the admin page reads each job's latest state.
CREATE TABLE IF NOT EXISTS transcode_progress
(
    event_id   String,
    tenant_id  LowCardinality(String),
    job_id     String,
    video_id   String,
    state      LowCardinality(String),
    percent    Float64,
    fps        Float64,
    speed      Float64,
    attempt    UInt16,
    error      String,
    event_time DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, job_id, event_id)
TTL toDateTime(event_time) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;
