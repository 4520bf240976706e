-- Ingest runs (scheduled, command line or upload), newest first, each once: a run
-- writes one record when it starts (status running) and one when it ends, and its
-- status, trigger and message are those of its latest record, its start that of its
-- first. With what its files did, so that a page can write the summary in its own
-- language: the files it recorded, the rows they loaded, the files it rejected.
SELECT r.run_id AS run_id, r.trigger AS trigger, r.started AS started_at, r.finished AS finished_at,
       r.status AS status, r.message AS message,
       countIf(f.file_id != '') AS files, sum(f.loaded) AS loaded, countIf(f.status = 'rejected') AS rejected
FROM (
    SELECT run_id, argMax(trigger, rec) AS trigger, toString(argMin(started_at, rec)) AS started,
           ifNull(toString(max(finished_at)), '') AS finished, argMax(status, rec) AS status,
           argMax(message, rec) AS message
    FROM (SELECT *, (ifNull(finished_at, started_at), status != 'running') AS rec FROM ingest_runs)
    GROUP BY run_id
) AS r
LEFT JOIN (SELECT run_id, file_id, loaded, status FROM ingest_files) AS f ON f.run_id = r.run_id
GROUP BY r.run_id, r.trigger, r.started, r.finished, r.status, r.message
ORDER BY r.started DESC, r.run_id
LIMIT {limit:UInt32}
