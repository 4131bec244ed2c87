-- Item-CF neighbours (cosine over user co-occurrence), top-K per item, one build per version.
-- version = build time in epoch ms; readers take the latest version per tenant. A rerun of the
-- same build (same version) replaces its rows instead of adding to them.
CREATE TABLE IF NOT EXISTS item_similarity
(
    tenant_id    LowCardinality(String),
    item_id      String,
    neighbour_id String,
    score        Float64,
    co_users     UInt32,
    version      UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, version, item_id, neighbour_id)
TTL toDateTime(intDiv(version, 1000)) + INTERVAL 30 DAY;
