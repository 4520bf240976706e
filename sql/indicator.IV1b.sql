-- IV.1b: satisfied with the ICT competence centre: 4 or 5 on the 1-5 scale. Answers that
-- are not a number decide nothing (the unit counts as not having answered).
SELECT year, unit, toUInt8(toFloat64OrNull(replaceOne(answer, ',', '.')) >= 4) AS meets
FROM survey_latest(mode = {mode:String}, question = {question:String})
WHERE toFloat64OrNull(replaceOne(answer, ',', '.')) IS NOT NULL
