-- A share of municipalities from one survey question (II.2, II.3a, II.3b, III.1, III.2
-- name this file as their query): the latest answer of each unit to {question} in the
-- survey of the year wins (the latest submitted_at among all answers attributed to it;
-- ties: the larger respondent_id, then the larger survey_id), and the unit meets the
-- condition when that answer is one of {answers}. Only the deciding answer is returned.
-- Answers were normalised on load (yes/no words, choice labels); they are compared
-- lower-cased and trimmed. The engine keeps the units of the indicator's denominator
-- (III.x: the merged ones).
SELECT boundaries, year, unit, latest.2 AS recorded_code, latest.3 AS file_id, latest.4 AS run_id, toUInt64(1) AS source_rows,
       toUInt8(latest.1 IN {answers:Array(String)}) AS meets
FROM (
    SELECT a.boundaries AS boundaries, s.year AS year, a.unit_code AS unit,
           argMax((lower(trimBoth(s.answer)), s.ehak_code, s.file_id, s.run_id), (s.submitted_at, s.respondent_id, s.survey_id)) AS latest
    FROM attribution AS a
    INNER JOIN (SELECT * FROM survey_answers WHERE question_id = {question:String}) AS s
        ON a.year = s.year AND a.ehak_code = s.ehak_code
    GROUP BY boundaries, year, unit
)
