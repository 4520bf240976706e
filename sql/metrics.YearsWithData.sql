-- The years in which an indicator has source data in a boundary mode: a row of its
-- definition attributed to a unit of the year (spec 1.1), as the latest complete
-- refresh found them; the other years are "no source data".
SELECT DISTINCT year
FROM indicator_rows
WHERE refresh_id = (SELECT argMax(refresh_id, finished_at) FROM indicator_refreshes)
  AND boundaries = {boundaries:String}
  AND indicator_id = {indicator:String}
ORDER BY year
