-- The latest ingest runs (scheduled, command line or upload), newest first, each with
-- the status of its latest record (as ingest.Runs) and what its files did: the page
-- writes the summary in its own language from these counts.
SELECT r.run_id, r.trigger, r.started, r.finished, r.status,
       countIf(f.file_id != '') AS files, sum(f.loaded) AS loaded, countIf(f.status = 'rejected') AS rejected
FROM (
    SELECT run_id, argMax(trigger, rec) AS trigger, toString(min(started_at)) AS started,
           ifNull(toString(max(finished_at)), '') AS finished, argMax(status, rec) AS status
    FROM (SELECT *, (ifNull(finished_at, started_at), status != 'running') AS rec FROM ingest_runs)
    GROUP BY run_id
) AS r
LEFT JOIN ingest_files AS f ON f.run_id = r.run_id
GROUP BY r.run_id, r.trigger, r.started, r.finished, r.status
ORDER BY r.started DESC, r.run_id
LIMIT {limit:UInt32}
