-- The years of the latest complete refresh, for the year filter's closed list.
SELECT DISTINCT year
FROM indicator_values
WHERE refresh_id = (SELECT argMax(refresh_id, finished_at) FROM indicator_refreshes)
  AND boundaries = {boundaries:String}
ORDER BY year
