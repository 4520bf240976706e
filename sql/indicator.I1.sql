-- I.1: feedback scores given to the central KOV IT solutions ({systems}); satisfied is a
-- score of at least {satisfied_score}. Counted rows, attributed in each boundary mode: one
-- row per mode, year, unit, recorded code, file and ingest run. The feedback rows are read
-- as the counts kept of them at insert (feedback_counts, migration 0012: rows per
-- year, code, file, run, system and score).
SELECT a.boundaries AS boundaries, f.year AS year, a.unit_code AS unit, f.ehak_code AS recorded_code, f.file_id AS file_id,
       f.run_id AS run_id, f.scores AS source_rows, f.satisfied AS numerator, f.scores AS denominator
FROM attribution AS a
INNER JOIN (
    SELECT year, ehak_code, file_id, run_id, sumIf(source_rows, score >= {satisfied_score:UInt8}) AS satisfied, sum(source_rows) AS scores
    FROM feedback_counts
    WHERE system IN {systems:Array(String)}
    GROUP BY year, ehak_code, file_id, run_id
) AS f ON a.year = f.year AND a.ehak_code = f.ehak_code
