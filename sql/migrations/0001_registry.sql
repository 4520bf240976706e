-- The municipality registry and its mergers (spec/data-contract.md, reference data).
-- valid_from / valid_to are NULL when the file leaves them empty.
CREATE TABLE IF NOT EXISTS municipalities (
    ehak_code    String,
    name         String,
    type         LowCardinality(String),
    county_code  String,
    county_name  String,
    valid_from   Nullable(Date),
    valid_to     Nullable(Date),
    population   Nullable(UInt32),
    file_id      LowCardinality(String),
    run_id       LowCardinality(String)
) ENGINE = MergeTree
ORDER BY (ehak_code, ifNull(valid_from, toDate('1970-01-01')))
SETTINGS allow_nullable_key = 1;

CREATE TABLE IF NOT EXISTS mergers (
    old_ehak_code  String,
    new_ehak_code  String,
    effective_date Date,
    area_share     Float64,
    file_id        LowCardinality(String),
    run_id         LowCardinality(String)
) ENGINE = MergeTree
ORDER BY (old_ehak_code, new_ehak_code);

-- Which unit a code's rows count for, per boundary mode and year: in `asof` the unit
-- valid on Y-12-31, in `current` the unit valid on the registry's latest date
-- (spec/indicators.md, "Mergers"). Derived from the two tables above by the registry
-- package and rewritten whenever the registry changes; the indicator SQL joins on it,
-- so that the merger rules live in one place.
CREATE TABLE IF NOT EXISTS attribution (
    boundaries    LowCardinality(String),
    year          UInt16,
    boundary_date Date,
    ehak_code     String,
    unit_code     String
) ENGINE = MergeTree
ORDER BY (boundaries, year, ehak_code);
