-- Data coverage: measurement rows per source and year, for every unit (ehak = '') or
-- for the rows attributed to one unit. A row counts for the unit its recorded code
-- belongs to at the boundary date: the end of the row's year (asof) or the registry's
-- latest date (current), as the attribution table says.
SELECT source, year, count() AS rows
FROM (
    SELECT 'usage' AS source, year, toString(ehak_code) AS ehak_code FROM usage
    UNION ALL SELECT 'feedback', year, toString(ehak_code) FROM feedback
    UNION ALL SELECT 'services', year, toString(ehak_code) FROM services
    UNION ALL SELECT 'audits', year, toString(ehak_code) FROM audits
    UNION ALL SELECT 'survey', year, toString(ehak_code) FROM survey_answers
    UNION ALL SELECT 'trainings', year, toString(ehak_code) FROM trainings
    UNION ALL SELECT 'org_goals', year, '' FROM org_goals
)
WHERE {ehak:String} = ''
   OR (ehak_code, if({boundaries:String} = 'current', {latest:Date}, makeDate(year, 12, 31)))
      IN (SELECT ehak_code, boundary_date FROM attribution WHERE unit_code = {ehak:String})
GROUP BY source, year
ORDER BY source, year
