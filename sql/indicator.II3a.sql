-- II.3a: an approved information-security policy.
SELECT year, unit, toUInt8(answer = 'yes') AS meets
FROM survey_latest(mode = {mode:String}, question = {question:String})
