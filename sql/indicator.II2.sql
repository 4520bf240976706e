-- II.2: ICT networks organised and managed by the common standard.
SELECT year, unit, toUInt8(answer = 'yes') AS meets
FROM survey_latest(mode = {mode:String}, question = {question:String})
