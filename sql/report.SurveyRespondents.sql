-- The codes that answered each survey measuring a year, as recorded; the report
-- attributes them to the year's municipalities through the registry.
SELECT survey_id, ehak_code
FROM survey_answers
WHERE year = {year:UInt16}
GROUP BY survey_id, ehak_code
ORDER BY survey_id, ehak_code
