-- Runs whose latest record still says 'running' and that started at least {age}
-- seconds ago: on the embedded engine (age 0) the ones a killed process left, as no
-- other process can be loading into its data folder.
SELECT run_id, argMax(trigger, rec) AS trigger, toString(min(started_at)) AS started
FROM (SELECT *, (ifNull(finished_at, started_at), status != 'running') AS rec FROM ingest_runs)
GROUP BY run_id
HAVING argMax(status, rec) = 'running' AND min(started_at) <= now64(3) - toIntervalSecond({age:UInt64})
ORDER BY started
