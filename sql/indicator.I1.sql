-- I.1: feedback rows of the central KOV IT solutions per unit and year; satisfied is a
-- score of 4 or 5.
SELECT f.year AS year, a.unit_code AS unit, sum(f.satisfied) AS numerator, sum(f.scores) AS denominator
FROM (
    SELECT year, ehak_code, countIf(score >= 4) AS satisfied, count() AS scores
    FROM feedback
    WHERE system IN ('KOVTP', 'VOLIS', 'RPIS', 'KOVMEN')
    GROUP BY year, ehak_code
) AS f
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = f.year AND a.ehak_code = f.ehak_code
GROUP BY year, unit
