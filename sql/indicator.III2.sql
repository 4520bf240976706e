-- III.2: local networks rebuilt or being rebuilt after the merger (merged units only).
SELECT year, unit, toUInt8(answer IN ('done', 'in_progress')) AS meets
FROM survey_latest(mode = {mode:String}, question = {question:String})
