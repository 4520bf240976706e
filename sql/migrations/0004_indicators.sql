-- Computed indicators (spec/indicators.md). A refresh writes every figure under a new
-- refresh_id (a partition of its own) and then records itself in indicator_refreshes;
-- readers take the latest recorded refresh, so they never see a half-written one.
CREATE TABLE IF NOT EXISTS indicator_values (
    refresh_id        String,
    boundaries        LowCardinality(String),
    indicator_id      LowCardinality(String),
    year              UInt16,
    level             LowCardinality(String),
    ehak_code         String,
    name              String,
    county_code       String,
    unit_type         LowCardinality(String),
    value             Nullable(Float64),
    numerator         UInt64,
    denominator       UInt64,
    coverage          Nullable(Float64),
    target            Nullable(Float64),
    status            LowCardinality(String),
    flags             String,
    ci_low            Nullable(Float64),
    ci_high           Nullable(Float64),
    catalogue_version String
) ENGINE = MergeTree
PARTITION BY refresh_id
ORDER BY (boundaries, indicator_id, year, level, ehak_code);

CREATE TABLE IF NOT EXISTS indicator_forecasts (
    refresh_id   String,
    boundaries   LowCardinality(String),
    indicator_id LowCardinality(String),
    level        LowCardinality(String),
    ehak_code    String,
    year         UInt16,
    value        Float64,
    low80        Float64,
    high80       Float64,
    p_reach      Nullable(Float64),
    target       Nullable(Float64),
    method       String,
    points       UInt16
) ENGINE = MergeTree
PARTITION BY refresh_id
ORDER BY (boundaries, indicator_id, level, ehak_code, year);

CREATE TABLE IF NOT EXISTS indicator_refreshes (
    refresh_id        String,
    started_at        DateTime64(3, 'UTC'),
    finished_at       DateTime64(3, 'UTC'),
    catalogue_version String,
    catalogue_hash    String,
    data_snapshot     String,
    figures           UInt64,
    seconds           Float64
) ENGINE = MergeTree
ORDER BY finished_at;
