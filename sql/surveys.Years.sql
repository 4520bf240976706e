-- The years that have survey answers, oldest first.
SELECT DISTINCT year
FROM survey_answers
ORDER BY year
