-- I.4: official communication acts (usage events {events}); paperless ones went by one
-- of {channels}. Counted rows, attributed in each boundary mode: one row per mode, year, unit,
-- recorded code, file and ingest run. The usage rows are read as the counts kept of
-- them at insert (usage_counts, migration 0012: rows per year, code, file, run, event
-- and channel).
SELECT a.boundaries AS boundaries, u.year AS year, a.unit_code AS unit, u.ehak_code AS recorded_code, u.file_id AS file_id,
       u.run_id AS run_id, u.acts AS source_rows, u.paperless AS numerator, u.acts AS denominator
FROM attribution AS a
INNER JOIN (
    SELECT year, ehak_code, file_id, run_id, sumIf(source_rows, channel IN {channels:Array(String)}) AS paperless, sum(source_rows) AS acts
    FROM usage_counts
    WHERE event IN {events:Array(String)}
    GROUP BY year, ehak_code, file_id, run_id
) AS u ON a.year = u.year AND a.ehak_code = u.ehak_code
