-- Which sources have rows in which years, and whether any of them is attributed to a
-- unit of the year in boundary mode {mode} (spec/indicators.md 1.1: rows that no unit
-- of the year receives are no source data). Survey rows per question; `audits_window`
-- widens audits to Y-2..Y (II.1), attributed as of Y. Org goals need no attribution.
SELECT r.source AS source, r.question AS question, r.year AS year,
       max(a.unit_code != '' OR r.source = 'org_goals') AS attributed
FROM (
    SELECT DISTINCT 'usage' AS source, '' AS question, year, ehak_code FROM usage
    UNION ALL SELECT DISTINCT 'feedback', '', year, ehak_code FROM feedback
    UNION ALL SELECT DISTINCT 'services', '', year, ehak_code FROM services
    UNION ALL SELECT DISTINCT 'audits', '', year, ehak_code FROM audits
    UNION ALL SELECT DISTINCT 'audits_window', '', arrayJoin([year, year + 1, year + 2]) AS y, ehak_code FROM audits
    UNION ALL SELECT DISTINCT 'trainings', '', year, ehak_code FROM trainings
    UNION ALL SELECT DISTINCT 'org_goals', '', year, '' FROM org_goals
    UNION ALL SELECT DISTINCT 'survey', question_id, year, ehak_code FROM survey_answers
) AS r
LEFT JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = r.year AND a.ehak_code = r.ehak_code
GROUP BY source, question, year
