-- Quarantined rows counted by input kind and reason, most frequent first (the counts
-- are whole; the quarantine itself keeps a sample of each file's rows).
SELECT kind, reason, sum(rows) AS rows, uniqExact(file_id) AS files
FROM quarantine_counts
GROUP BY kind, reason
ORDER BY rows DESC, kind, reason
LIMIT {limit:UInt32}
