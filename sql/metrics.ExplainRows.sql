-- The source rows behind one figure, by file and ingest run: rows of SOURCE_TABLE dated
-- in the figure's years (II.1: Y-2..Y) that are attributed to the unit (or to any unit,
-- for the national figure), with the codes they were recorded under. SOURCE_TABLE and
-- SOURCE_FILTER are filled in from a closed list in metrics/explain.go, never from input.
SELECT r.file_id AS file_id, r.run_id AS run_id, any(f.file_name) AS file_name,
       count() AS source_rows, groupUniqArray(r.ehak_code) AS recorded_codes,
       any(f.quarantined) AS file_quarantined
FROM SOURCE_TABLE AS r
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = {year:UInt16} AND a.ehak_code = r.ehak_code
LEFT JOIN (SELECT file_id, any(file_name) AS file_name, max(quarantined) AS quarantined FROM ingest_files GROUP BY file_id) AS f
    ON f.file_id = r.file_id
WHERE r.year BETWEEN {from:UInt16} AND {year:UInt16}
  AND ({unit:String} = 'EE' OR a.unit_code = {unit:String})
  AND SOURCE_FILTER
GROUP BY r.file_id, r.run_id
ORDER BY source_rows DESC, file_id
