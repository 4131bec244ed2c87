-- Issue 15 (trust nothing that comes in).
-- Events that entered through the backfill path (POST /v1/events/backfill): the real-time window
-- jobs skip them; `stream recompute-windows` rebuilds their windows from here.
ALTER TABLE events_raw ADD COLUMN IF NOT EXISTS backfill UInt8 DEFAULT 0;
-- Why the window jobs did not fold an event: `late` (after every window it belongs to was final)
-- or `future` (dated beyond its Kafka message time + the allowed skew).
ALTER TABLE late_events ADD COLUMN IF NOT EXISTS reason LowCardinality(String) DEFAULT 'late';
