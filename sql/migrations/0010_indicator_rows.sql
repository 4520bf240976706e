-- The rows behind the figures (issue 17): every indicator's definition
-- (sql/indicator.<ID>.sql or the catalogue's own SQL) returns the rows that qualify for
-- it, attributed to a unit and kept with the file and ingest run they came from. A
-- refresh stores them beside the figures it made from them, under the same refresh_id
-- (a partition of its own, dropped with the refresh), so that explain and the
-- dashboards' coverage read exactly the rows of the published figures.
--   source_rows            how many source rows of that file, run and code stand behind it
--   numerator, denominator counted rows (I.1, I.4, IV.1a); 0 for shares of municipalities
--   meets                  shares of municipalities: the unit's decision (0 or 1)
--   in_figures             1 when the unit has a figure of the indicator in the year (III.x:
--                          merged units only); a row of another unit of the year still
--                          makes the year one with source data
CREATE TABLE IF NOT EXISTS indicator_rows (
    refresh_id    String,
    boundaries    LowCardinality(String),
    indicator_id  LowCardinality(String),
    year          UInt16,
    unit          String,
    recorded_code String,
    file_id       String,
    run_id        String,
    source_rows   UInt64,
    numerator     UInt64,
    denominator   UInt64,
    meets         UInt8,
    in_figures    UInt8
) ENGINE = MergeTree
PARTITION BY refresh_id
ORDER BY (boundaries, indicator_id, year, unit, file_id, run_id, recorded_code);

-- The indicator definitions state their rules themselves, row by row (the deciding
-- snapshot, the latest answer), so the per-unit summaries of 0005 and 0009 are no
-- longer read. Views hold no data.
DROP VIEW IF EXISTS survey_latest;
DROP VIEW IF EXISTS services_latest;
