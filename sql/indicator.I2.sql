-- I.2: the rows of each unit's latest services snapshot dated in the year (the latest
-- snapshot date among all rows attributed to it). The unit meets the condition when that
-- snapshot has at least one e-form service and every e-form row is described to the
-- standard and listed in the gateway. Only the deciding snapshot's rows are returned.
-- The rows are first summed per year, code, file, run and snapshot date (a few hundred
-- rows of services, not tens of thousands, reach the attribution join and the windows).
SELECT boundaries, year, unit, recorded_code, file_id, run_id, sum(rows) AS source_rows, any(unit_meets) AS meets
FROM (
    SELECT boundaries, year, unit, recorded_code, file_id, run_id, rows,
           toUInt8(sum(eforms) OVER per_unit > 0 AND sum(eforms_short) OVER per_unit = 0) AS unit_meets
    FROM (
        SELECT a.boundaries AS boundaries, s.year AS year, a.unit_code AS unit, s.ehak_code AS recorded_code, s.file_id AS file_id,
               s.run_id AS run_id, s.snapshot_date AS snapshot_date, s.rows AS rows, s.eforms AS eforms, s.eforms_short AS eforms_short,
               max(s.snapshot_date) OVER (PARTITION BY a.boundaries, s.year, a.unit_code) AS latest
        FROM attribution AS a
        INNER JOIN (
            SELECT year, ehak_code, file_id, run_id, snapshot_date, count() AS rows, countIf(has_eform) AS eforms,
                   countIf(has_eform AND NOT (described AND in_gateway)) AS eforms_short
            FROM services
            GROUP BY year, ehak_code, file_id, run_id, snapshot_date
        ) AS s ON a.year = s.year AND a.ehak_code = s.ehak_code
    )
    WHERE snapshot_date = latest
    WINDOW per_unit AS (PARTITION BY boundaries, year, unit)
)
GROUP BY boundaries, year, unit, recorded_code, file_id, run_id
