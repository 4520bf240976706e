-- IV.1a: goals set for the KOV ICT organisation for the year, and those achieved
-- (national only; no attribution).
SELECT year, '' AS unit, countIf(achieved) AS numerator, count() AS denominator
FROM org_goals
GROUP BY year
