-- I.2: the rows of each unit's latest services snapshot dated in the year (the latest
-- snapshot date among all rows attributed to it). The unit meets the condition when that
-- snapshot has at least one e-form service and every e-form row is described to the
-- standard and listed in the gateway. Only the deciding snapshot's rows are returned.
SELECT year, unit, recorded_code, file_id, run_id, count() AS source_rows, any(unit_meets) AS meets
FROM (
    SELECT year, unit, recorded_code, file_id, run_id,
           toUInt8(countIf(has_eform) OVER per_unit > 0
                   AND countIf(has_eform AND NOT (described AND in_gateway)) OVER per_unit = 0) AS unit_meets
    FROM (
        SELECT s.year AS year, a.unit_code AS unit, s.ehak_code AS recorded_code, s.file_id AS file_id, s.run_id AS run_id,
               s.snapshot_date AS snapshot_date, max(s.snapshot_date) OVER (PARTITION BY s.year, a.unit_code) AS latest,
               s.has_eform AS has_eform, s.described AS described, s.in_gateway AS in_gateway
        FROM services AS s
        INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
            ON a.year = s.year AND a.ehak_code = s.ehak_code
    )
    WHERE snapshot_date = latest
    WINDOW per_unit AS (PARTITION BY year, unit)
)
GROUP BY year, unit, recorded_code, file_id, run_id
