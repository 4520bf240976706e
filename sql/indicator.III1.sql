-- III.1: e-services to residents unified after the merger (merged units only; the
-- engine keeps the merged units).
SELECT year, unit, toUInt8(answer = 'yes') AS meets
FROM survey_latest(mode = {mode:String}, question = {question:String})
