-- The latest complete refresh of the computed tables.
SELECT refresh_id, toString(started_at) AS started_at, toString(finished_at) AS finished_at,
       catalogue_version, catalogue_hash, data_snapshot, figures, seconds
FROM indicator_refreshes
ORDER BY finished_at DESC
LIMIT 1
