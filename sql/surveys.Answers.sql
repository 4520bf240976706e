-- The answers of one survey year, whatever their survey id, each with the unit its code
-- counts for at the end of the year (asof boundaries), for response tracking. A code the
-- attribution does not know keeps its own code, so that the report lists it among the
-- codes outside the active units instead of dropping it silently.
SELECT if(a.unit_code = '', toString(s.ehak_code), a.unit_code) AS unit,
       s.survey_id AS survey_id, s.question_id AS question_id, s.respondent_id AS respondent_id,
       toUnixTimestamp64Milli(s.submitted_at) AS submitted_ms, s.answer AS answer
FROM survey_answers AS s
LEFT JOIN (SELECT ehak_code, unit_code FROM attribution WHERE boundaries = 'asof' AND year = {year:UInt16}) AS a
    ON a.ehak_code = s.ehak_code
WHERE s.year = {year:UInt16}
ORDER BY unit, question_id, submitted_ms, respondent_id
