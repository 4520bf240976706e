-- I.4: official communication acts (submit, decision, notification) per unit and year;
-- paperless ones went by web, portal, email or X-Road.
SELECT u.year AS year, a.unit_code AS unit, sum(u.paperless) AS numerator, sum(u.acts) AS denominator
FROM (
    SELECT year, ehak_code, countIf(channel IN ('web', 'portal', 'email', 'xroad')) AS paperless, count() AS acts
    FROM usage
    WHERE event IN ('submit', 'decision', 'notification')
    GROUP BY year, ehak_code
) AS u
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = u.year AND a.ehak_code = u.ehak_code
GROUP BY year, unit
