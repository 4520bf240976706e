-- The latest ingest runs (scheduled, command line or upload), newest first.
SELECT run_id, trigger, toString(started_at), ifNull(toString(finished_at), ''), status, message
FROM ingest_runs
ORDER BY started_at DESC, run_id
LIMIT {limit:UInt32}
