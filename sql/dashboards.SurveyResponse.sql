-- Per survey year, the units with at least one answer, each answer attributed to the
-- unit its code belongs to at the end of the survey's year (the asof boundaries).
SELECT s.year AS year, uniqExact(a.unit_code) AS responding, count() AS answers
FROM (SELECT year, toString(ehak_code) AS ehak_code, makeDate(year, 12, 31) AS boundary_date FROM survey_answers) AS s
INNER JOIN attribution AS a ON a.ehak_code = s.ehak_code AND a.boundary_date = s.boundary_date
GROUP BY s.year
ORDER BY s.year
