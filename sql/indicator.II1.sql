-- II.1: ISKE audits dated in the {window_years} calendar years Y-{window_years}+1..Y, each
-- attributed as of Y (an audit counts for its own year and the ones after it). Any audit
-- is source data; the unit meets the condition when one of them had its infrastructure
-- work consulted (infra_consulted). The deciding rows are returned: the consulted audits
-- of a unit that meets it, all of its audits of one that does not.
SELECT boundaries, year, unit, recorded_code, file_id, run_id, count() AS source_rows, any(unit_meets) AS meets
FROM (
    SELECT a.boundaries AS boundaries, a.year AS year, a.unit_code AS unit, x.ehak_code AS recorded_code, x.file_id AS file_id,
           x.run_id AS run_id, toUInt8(x.infra_consulted) AS consulted,
           max(consulted) OVER (PARTITION BY a.boundaries, a.year, a.unit_code) AS unit_meets
    FROM attribution AS a
    INNER JOIN (
        SELECT arrayJoin(range(year, year + {window_years:UInt16})) AS window_year, ehak_code, infra_consulted, file_id, run_id
        FROM audits
    ) AS x ON a.year = x.window_year AND a.ehak_code = x.ehak_code
)
WHERE consulted = unit_meets
GROUP BY boundaries, year, unit, recorded_code, file_id, run_id
