-- IV.2: units that took part in at least one ICT training or consultation in the year.
SELECT t.year AS year, a.unit_code AS unit, toUInt8(1) AS meets
FROM (SELECT DISTINCT year, ehak_code FROM trainings) AS t
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = t.year AND a.ehak_code = t.ehak_code
GROUP BY year, unit
