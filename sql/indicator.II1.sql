-- II.1: units with an ISKE audit with infra_consulted dated in Y-2..Y; each audit counts
-- for its own year and the two after it, attributed as of the later year.
SELECT a.year AS year, a.unit_code AS unit, toUInt8(1) AS meets
FROM (
    SELECT DISTINCT arrayJoin([year, year + 1, year + 2]) AS window_year, ehak_code
    FROM audits
    WHERE infra_consulted
) AS x
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = x.window_year AND a.ehak_code = x.ehak_code
GROUP BY year, unit
