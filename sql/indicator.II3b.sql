-- II.3b: a list of information assets.
SELECT year, unit, toUInt8(answer = 'yes') AS meets
FROM survey_latest(mode = {mode:String}, question = {question:String})
