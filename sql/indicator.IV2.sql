-- IV.2: units that took part in at least one ICT training or consultation in the year
-- (any kind). Every training row attributed to a unit decides it; a unit without one
-- does not meet the condition (catalogue: unit_without_rows: not_met).
SELECT a.boundaries AS boundaries, t.year AS year, a.unit_code AS unit, t.ehak_code AS recorded_code, t.file_id AS file_id,
       t.run_id AS run_id, count() AS source_rows, toUInt8(1) AS meets
FROM attribution AS a
INNER JOIN trainings AS t ON a.year = t.year AND a.ehak_code = t.ehak_code
GROUP BY boundaries, year, unit, recorded_code, file_id, run_id
