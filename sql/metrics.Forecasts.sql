-- Forecasts of the latest complete refresh for one indicator (and unit, or all).
SELECT indicator_id, level, ehak_code, year, value, low80, high80, p_reach, target, method, points
FROM indicator_forecasts
WHERE refresh_id = (SELECT argMax(refresh_id, finished_at) FROM indicator_refreshes)
  AND boundaries = {boundaries:String}
  AND ({indicator:String} = '' OR indicator_id = {indicator:String})
  AND ({ehak:String} = '' OR ehak_code = {ehak:String})
ORDER BY indicator_id, level, ehak_code, year
