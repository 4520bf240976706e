-- IV.1a: goals set for the KOV ICT organisation for the year, and those achieved
-- (national only: no unit, no attribution). Counted rows, one per year, file and run.
SELECT year, '' AS unit, '' AS recorded_code, file_id, run_id, count() AS source_rows,
       countIf(achieved) AS numerator, count() AS denominator
FROM org_goals
GROUP BY year, file_id, run_id
