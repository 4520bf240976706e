-- The rows behind one published figure, by file and ingest run: the definition rows
-- the latest complete refresh stored with its figures (indicator_rows) for the unit and
-- year, or for every unit of the national figure ({unit} = {national}), with the codes
-- they were recorded under. Rows of units without a figure (III.x: units that are not
-- merged) are not behind any figure.
SELECT r.file_id AS file_id, r.run_id AS run_id, any(f.file_name) AS file_name,
       sum(r.source_rows) AS source_rows, sum(r.numerator) AS numerator, sum(r.denominator) AS denominator,
       arraySort(groupUniqArray(r.recorded_code)) AS recorded_codes, any(f.quarantined) AS file_quarantined
FROM indicator_rows AS r
LEFT JOIN (SELECT file_id, any(file_name) AS file_name, max(quarantined) AS quarantined FROM ingest_files GROUP BY file_id) AS f
    ON f.file_id = r.file_id
WHERE r.refresh_id = (SELECT argMax(refresh_id, finished_at) FROM indicator_refreshes)
  AND r.boundaries = {boundaries:String}
  AND r.indicator_id = {indicator:String}
  AND r.year = {year:UInt16}
  AND r.in_figures
  AND ({unit:String} = {national:String} OR r.unit = {unit:String})
GROUP BY r.file_id, r.run_id
ORDER BY source_rows DESC, file_id
