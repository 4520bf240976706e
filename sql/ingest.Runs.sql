-- Ingest runs, newest first, each with the status of its latest record (a run writes
-- one row when it starts and one when it ends).
SELECT run_id, argMax(trigger, rec) AS trigger, toString(min(started_at)) AS started,
       ifNull(toString(max(finished_at)), '') AS finished, argMax(status, rec) AS status, argMax(message, rec) AS message
FROM (SELECT *, (ifNull(finished_at, started_at), status != 'running') AS rec FROM ingest_runs)
GROUP BY run_id
ORDER BY started DESC
LIMIT {limit:UInt32}
