-- IV.1b: satisfied with the ICT competence centre: the latest answer of each unit to
-- {question} in the survey of the year (the latest submitted_at among all answers
-- attributed to it; ties: the larger respondent_id, then the larger survey_id) is at
-- least {satisfied_score} on the 1-5 scale. An answer that is not a number decides
-- nothing (the unit counts as not having answered). Only the deciding answer is returned.
SELECT boundaries, year, unit, latest.2 AS recorded_code, latest.3 AS file_id, latest.4 AS run_id, toUInt64(1) AS source_rows,
       toUInt8(toFloat64OrNull(replaceOne(latest.1, ',', '.')) >= {satisfied_score:UInt8}) AS meets
FROM (
    SELECT a.boundaries AS boundaries, s.year AS year, a.unit_code AS unit,
           argMax((lower(trimBoth(s.answer)), s.ehak_code, s.file_id, s.run_id), (s.submitted_at, s.respondent_id, s.survey_id)) AS latest
    FROM attribution AS a
    INNER JOIN (SELECT * FROM survey_answers WHERE question_id = {question:String}) AS s
        ON a.year = s.year AND a.ehak_code = s.ehak_code
    GROUP BY boundaries, year, unit
)
WHERE toFloat64OrNull(replaceOne(latest.1, ',', '.')) IS NOT NULL
